"""Behaviours Sigma cannot express (they compare events with each other in ways beyond counting):

- impossible travel: consecutive successful sign-ins of one account farther apart than a plane could fly
  (> `travel_kmh`, default 900 km/h, and > `travel_min_km`); sign-ins through a proxy (`securityContext.isProxy`)
  or a known VPN (AS org/number, IP, a network zone named like a VPN) are taken out of the sequence first, so a
  VPN exit is not a journey; and the destination must be new for the account (an IP or city it never signed in
  from before), so someone whose laptop at home and phone abroad both sign in is not flagged on every hop;
- session hijack: one `externalSessionId` (or one `dtHash`) used from more than one IP with a different user
  agent family (versions ignored, so a browser update is not a hijack);
- password spray / credential stuffing, distributed: failed sign-ins against many accounts from several
  sources none of which ever signed anyone in successfully in the window;
- successful sign-in after a credential attack: a success from a source IP that took part in any credential
  attack alert (brute force, spray, stuffing, enumeration, MFA fatigue) within `after_attack_window`, for an
  account that had not signed in from that IP in the 30 days before (a shared office IP where someone mistyped
  is not an attacker's foothold).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

from glasslog.detect import correlate
from glasslog.detect.alerts import Finding
from glasslog.detect.config import DetectConfig, seconds
from glasslog.detect.projection import project
from glasslog.query.ast import And, Compare, Node, Or, Present

SIGN_IN_TYPES = ("user.session.start", "user.authentication.auth_via_richclient", "user.authentication.auth_via_radius",
                 "user.authentication.verify", "user.authentication.auth_via_mfa")
CREDENTIAL_ATTACKS = frozenset({
    "gl_username_enumeration", "gl_password_spray", "gl_password_spray_distributed", "gl_brute_force",
    "gl_credential_stuffing", "gl_mfa_push_fatigue", "gl_mfa_push_denied", "gl_lockout_burst",
})
FAMILIAR_DAYS = 30
ACTOR = ("actor", "alternateId")
IP = ("client", "ipAddress")
UA = ("client", "userAgent", "rawUserAgent")
GEO = ("client", "geographicalContext")
_DIGITS = re.compile(r"[0-9][0-9._]*")


def lookback_s(config: DetectConfig) -> int:
    return max(86400, seconds(config.spray_window), seconds(config.after_attack_window))


def _any_type(types: tuple[str, ...]) -> Node:
    return Or(*(Compare(("eventType",), "eq", t) for t in types))


def _one_of(path: tuple[str, ...], values: list[str]) -> Node:
    items = [Compare(path, "eq", v) for v in values]
    return items[0] if len(items) == 1 else Or(*items)


def run_behaviours(run: Any) -> list[Finding]:
    out: list[Finding] = []
    out += impossible_travel(run)
    out += session_hijack(run, ("authenticationContext", "externalSessionId"), "external_session_id")
    out += session_hijack(run, ("debugContext", "debugData", "dtHash"), "dt_hash")
    out += distributed_spray(run)
    out += success_after_attack(run, [*run.findings, *out])
    return out


# -- impossible travel --------------------------------------------------------------------------------------

def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _is_vpn(cfg: DetectConfig, ip: Any, proxy: Any, as_org: Any, asn: Any, zone: Any = None) -> bool:
    if str(proxy).lower() == "true":
        return True
    if zone and any(w in str(zone).lower() for w in cfg.vpn_zone_words):
        return True
    if ip is not None and ip in cfg.vpn_ips:
        return True
    if as_org and any(v in str(as_org).lower() for v in cfg.vpn_as_orgs):
        return True
    try:
        return asn is not None and int(float(asn)) in {int(a) for a in cfg.vpn_asns}
    except ValueError:
        return False


def impossible_travel(run: Any) -> list[Finding]:
    cfg: DetectConfig = run.config
    node = And(Compare(("eventType",), "eq", "user.session.start"), Compare(("outcome", "result"), "eq", "SUCCESS"))
    paths = [ACTOR, (*GEO, "geolocation", "lat"), (*GEO, "geolocation", "lon"), IP,
             ("securityContext", "isProxy"), ("securityContext", "asOrg"), ("securityContext", "asNumber"),
             (*GEO, "city"), (*GEO, "country"), ("client", "zone")]
    rows = project(run.store, run.org, run.query(node), paths)
    last: dict[str, tuple[Any, ...]] = {}
    known: dict[str, set[Any]] = defaultdict(set)
    out = []
    for r in rows:
        _seq, ts, uid, actor, lat, lon, ip, proxy, as_org, asn, city, country, zone = r
        if actor is None or lat is None or lon is None or _is_vpn(cfg, ip, proxy, as_org, asn, zone):
            continue
        prev = last.get(actor)
        last[actor] = r
        seen_here = ip in known[actor] or (city, country) in known[actor]
        known[actor].update((ip, (city, country)))
        if prev is None or prev[6] == ip or seen_here:
            continue
        km = haversine_km(float(prev[4]), float(prev[5]), float(lat), float(lon))
        hours = max((ts - prev[1]) / 3_600_000, 1 / 3600)
        kmh = km / hours
        if km >= cfg.travel_min_km and kmh > cfg.travel_kmh:
            out.append(Finding(
                "gl_impossible_travel", "gl_impossible_travel", "Impossible travel between sign-ins", "high",
                ("T1078.004",), ("initial-access",), "behaviour", {"actor.alternateId": actor}, prev[1], ts,
                [prev[2], uid], 2,
                summary=f"{actor}: {prev[10] or '?'}, {prev[11] or '?'} → {city or '?'}, {country or '?'} "
                        f"({km:.0f} km in {hours * 60:.0f} min, {kmh:.0f} km/h)",
                details={"from": {"ip": prev[6], "city": prev[10], "country": prev[11]},
                         "to": {"ip": ip, "city": city, "country": country}, "km": round(km),
                         "kmh": round(kmh)}))
    return out


# -- session hijack -----------------------------------------------------------------------------------------

def _ua_family(ua: Any) -> str:
    return _DIGITS.sub("", str(ua or "")).strip().lower()


def session_hijack(run: Any, path: tuple[str, ...], column: str) -> list[Finding]:
    base = And(Present(path), Present(IP), Compare(IP, "ne", "null"), Present(UA))
    store = run.store
    if hasattr(store, "sql"):
        # a cheap superset in SQL (exact user agents); user agent families are compared in Python
        rows = store.sql(run.org, run.query(base), f'"{column}"',
                         f'GROUP BY "{column}" HAVING count(DISTINCT client_ip) > 1 '
                         "AND count(DISTINCT client_user_agent) > 1 LIMIT 5000")
        keys = [r[0] for r in rows]
    else:
        keys = None
    out: list[Finding] = []
    chunks = [keys[i:i + 200] for i in range(0, len(keys), 200)] if keys is not None else [None]
    for chunk in chunks:
        if chunk == []:
            continue
        node = base if chunk is None else And(base, _one_of(path, chunk))
        rows = project(store, run.org, run.query(node), [path, ACTOR, IP, UA, ("securityContext", "asNumber")])
        sessions: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
        for r in rows:
            sessions[r[3]].append(r)
        for key, items in sessions.items():
            out += _hijack(key, items, path)
    return out


def _hijack(key: Any, items: list[tuple[Any, ...]], path: tuple[str, ...]) -> list[Finding]:
    origin = items[0]
    o_ip, o_ua = origin[5], _ua_family(origin[6])
    foreign = [r for r in items if r[5] != o_ip and _ua_family(r[6]) != o_ua]
    if not foreign:
        return []
    actor = next((r[4] for r in items if r[4]), None)
    label = "externalSessionId" if path[-1] == "externalSessionId" else "dtHash"
    ips = sorted({r[5] for r in foreign})
    return [Finding(
        "gl_session_hijack", "gl_session_hijack", f"Session hijack: one {label} from another IP and browser",
        "high", ("T1550.004", "T1539"), ("credential-access", "lateral-movement"), "behaviour",
        {f"{'.'.join(path)}": key, "actor.alternateId": actor}, origin[1], foreign[-1][1],
        [origin[2], *[r[2] for r in foreign]], len(foreign) + 1,
        summary=f"{label} {key} of {actor}: started from {o_ip}, reused from {', '.join(ips[:5])} "
                f"with a different user agent",
        details={"origin": {"ip": o_ip, "userAgent": origin[6]},
                 "reused_from": [{"ip": r[5], "userAgent": r[6]} for r in foreign[:20]]})]


# -- distributed spray --------------------------------------------------------------------------------------

def distributed_spray(run: Any) -> list[Finding]:
    cfg: DetectConfig = run.config
    window = seconds(cfg.spray_window)
    failed = And(_any_type(SIGN_IN_TYPES[:4]), Compare(("outcome", "result"), "eq", "FAILURE"),
                 Or(Compare(("outcome", "reason"), "eq", "INVALID_CREDENTIALS"),
                    Compare(("outcome", "reason"), "eq", "UNKNOWN_USER")))
    rows = project(run.store, run.org, run.query(failed), [ACTOR, IP])
    if not rows:
        return []
    pad = timedelta(seconds=window)
    ok = And(_any_type(SIGN_IN_TYPES), Compare(("outcome", "result"), "eq", "SUCCESS"), Present(IP))
    ok_q = run.query(ok, run.since - pad if run.since.year > 1970 else run.since, run.until + pad
                     if run.until.year < 9999 else run.until)
    if hasattr(run.store, "sql"):
        good = {r[0] for r in run.store.sql(run.org, ok_q, "DISTINCT client_ip")}
    else:
        good = {r[3] for r in project(run.store, run.org, ok_q, [IP])}
    occ = [(r[1], (r[2],), (), r[3], 0) for r in rows if r[4] is not None and r[4] not in good]
    ip_of = {r[2]: r[4] for r in rows}
    out = []
    for hit in correlate.value_count(occ, window, "gte", cfg.spray_min_accounts):
        ips = sorted({ip_of[u] for u in hit.uuids})
        if len(ips) < cfg.spray_min_ips:
            continue
        accounts = sorted({str(v) for v in hit.values})
        out.append(Finding(
            "gl_password_spray_distributed", "gl_password_spray_distributed",
            "Distributed password spray / credential stuffing", "high", ("T1110.003", "T1110.004"),
            ("credential-access",), "behaviour", {"scope": "org"}, hit.first_ms, hit.last_ms, hit.uuids, hit.count,
            summary=f"{len(accounts)} accounts failed from {len(ips)} sources that never signed anyone in",
            details={"accounts": accounts[:200], "ips": ips[:200]}))
    return out


# -- success after a credential attack ----------------------------------------------------------------------

def success_after_attack(run: Any, findings: list[Finding] | None = None) -> list[Finding]:
    cfg: DetectConfig = run.config
    window = seconds(cfg.after_attack_window) * 1000
    attacks: list[Any] = [f for f in (run.findings if findings is None else findings)
                          if f.rule_name in CREDENTIAL_ATTACKS]
    attacks += _stored_attacks(run, window)
    if not attacks:
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    for attack in attacks:
        uuids = attack["uuids"] if isinstance(attack, dict) else attack.uuids
        first = attack["first_ms"] if isinstance(attack, dict) else attack.first_ms
        last = attack["last_ms"] if isinstance(attack, dict) else attack.last_ms
        name = attack["rule_name"] if isinstance(attack, dict) else attack.rule_name
        ips = _ips_of(run, uuids[:400], first, last)
        if not ips:
            continue
        ok = And(_any_type(SIGN_IN_TYPES), Compare(("outcome", "result"), "eq", "SUCCESS"), _one_of(IP, ips[:200]))
        from glasslog.detect.engine import from_ms

        q = run.query(ok, from_ms(first), from_ms(last + window))
        familiar = _familiar(run, ok, first)
        for r in project(run.store, run.org, q, [ACTOR, IP, ("eventType",)]):
            if r[2] in seen or (r[3], r[4]) in familiar:
                continue
            seen.add(r[2])
            out.append(Finding(
                "gl_success_after_credential_attack", "gl_success_after_credential_attack",
                "Successful sign-in from a credential attack source", "critical", ("T1078.004", "T1110"),
                ("initial-access", "credential-access"), "behaviour", {"actor.alternateId": r[3]}, r[1], r[1],
                [r[2]], 1, summary=f"{r[3]} signed in ({r[5]}) from {r[4]}, a source of {name}",
                details={"attack_rule": name, "ip": r[4]}))
    return out


def _familiar(run: Any, success_from_ips: Node, before_ms: int) -> set[tuple[Any, Any]]:
    """(account, IP) pairs that already signed in successfully before the attack (the account's usual network)."""
    from glasslog.detect.engine import from_ms

    q = run.query(success_from_ips, from_ms(before_ms - FAMILIAR_DAYS * 86_400_000), from_ms(before_ms))
    return {(r[3], r[4]) for r in project(run.store, run.org, q, [ACTOR, IP])}


def _stored_attacks(run: Any, window: int) -> list[dict[str, Any]]:
    from glasslog.detect.engine import ms

    floor = ms(run.since) - window
    return [doc for _, doc in run.store.list_meta(run.org, "alert")
            if doc.get("rule_name") in CREDENTIAL_ATTACKS and doc.get("last_ms", 0) >= floor
            and doc.get("state") != "closed"]


def _ips_of(run: Any, uuids: list[str], first: int, last: int) -> list[str]:
    if not uuids:
        return []
    from glasslog.detect.engine import from_ms

    q = run.query(_one_of(("uuid",), uuids), from_ms(first), from_ms(last + 1))
    return sorted({r[3] for r in project(run.store, run.org, q, [IP]) if r[3] and r[3] != "null"})
