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

Cost: each behaviour narrows in SQL first (a bounding box per account for travel, distinct IPs and user agents
per session for hijack, distinct sources for spray) and reads JSON-only fields (proxy, AS org/number) for the
few candidate rows only; incremental runs read back only the keys the new events touched, around their time.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from typing import Any

from glasslog.detect import correlate
from glasslog.detect.alerts import Finding
from glasslog.detect.config import DetectConfig, seconds
from glasslog.detect.engine import Probe, Run, from_ms, ms
from glasslog.detect.projection import project, sql_expression
from glasslog.detect.sqlgen import any_key, chunks
from glasslog.query.ast import And, Compare, Node, Or, Present
from glasslog.query.fields import resolve

SIGN_IN_TYPES = ("user.session.start", "user.authentication.auth_via_richclient", "user.authentication.auth_via_radius",
                 "user.authentication.verify", "user.authentication.auth_via_mfa")
CREDENTIAL_ATTACKS = frozenset({
    "gl_username_enumeration", "gl_password_spray", "gl_password_spray_distributed", "gl_brute_force",
    "gl_credential_stuffing", "gl_mfa_push_fatigue", "gl_mfa_push_denied", "gl_lockout_burst",
})
FAMILIAR_DAYS = 30
DAY_MS = 86_400_000
ACTOR = ("actor", "alternateId")
IP = ("client", "ipAddress")
UA = ("client", "userAgent", "rawUserAgent")
GEO = ("client", "geographicalContext")
ESID = ("authenticationContext", "externalSessionId")
DTHASH = ("debugContext", "debugData", "dtHash")
VPN_PATHS = (("securityContext", "isProxy"), ("securityContext", "asOrg"), ("securityContext", "asNumber"))
KM_PER_DEGREE = 111.2  # an upper bound of the km per degree of latitude or longitude anywhere on Earth
_DIGITS = re.compile(r"[0-9][0-9._]*")
UUID_CHUNK = 500


def lookback_s(config: DetectConfig) -> int:
    return max(86400, seconds(config.spray_window), seconds(config.after_attack_window))


def _any_type(types: tuple[str, ...]) -> Node:
    return Or(*(Compare(("eventType",), "eq", t) for t in types))


def _one_of(path: tuple[str, ...], values: list[str]) -> Node:
    items = [Compare(path, "eq", v) for v in values]
    return items[0] if len(items) == 1 else Or(*items)


SUCCESS_START = And(Compare(("eventType",), "eq", "user.session.start"),
                    Compare(("outcome", "result"), "eq", "SUCCESS"))
FAILED = And(_any_type(SIGN_IN_TYPES[:4]), Compare(("outcome", "result"), "eq", "FAILURE"),
             Or(Compare(("outcome", "reason"), "eq", "INVALID_CREDENTIALS"),
                Compare(("outcome", "reason"), "eq", "UNKNOWN_USER")))
SIGNED_IN = And(_any_type(SIGN_IN_TYPES), Compare(("outcome", "result"), "eq", "SUCCESS"), Present(IP))


def _session_base(path: tuple[str, ...]) -> Node:
    return And(Present(path), Present(IP), Compare(IP, "ne", "null"), Present(UA))


def probes() -> list[Probe]:
    """What an incremental run needs to know about the new events to decide which keys to re-judge."""
    return [Probe("b:travel", SUCCESS_START, (ACTOR,)),
            Probe("b:esid", _session_base(ESID), (ESID,)),
            Probe("b:dthash", _session_base(DTHASH), (DTHASH,)),
            Probe("b:failed", FAILED, ()),
            Probe("b:signin", SIGNED_IN, (ACTOR, IP))]


def run_behaviours(run: Run) -> list[Finding]:
    out: list[Finding] = []
    out += impossible_travel(run)
    out += session_hijack(run, ESID, "external_session_id")
    out += session_hijack(run, DTHASH, "dt_hash")
    out += distributed_spray(run)
    out += success_after_attack(run, [*run.findings, *out])
    return out


def _keyed(run: Run, node: Node, path: tuple[str, ...], probe: str, col: int = 3) -> list[Node] | None:
    """Incremental: `node` restricted to the keys the new events touched (chunked); None when none were."""
    keys = sorted({r[col] for r in run.new.get(probe, []) if r[col] is not None})
    if not keys:
        return None
    return [And(node, any_key((path,), [(k,) for k in chunk])) for chunk in chunks(keys, 250)]  # type: ignore[list-item]


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


def _json_fields(run: Run, rows: list[tuple[Any, ...]], paths: tuple[tuple[str, ...], ...]) -> dict[str, tuple]:
    """uuid → values of `paths` for the given rows (seq, ms, uuid, ...) only: hot columns when the store has them,
    else the JSON of just these events, read in time-ordered uuid chunks so the store skips other row groups."""
    out: dict[str, tuple] = {}
    ordered = sorted(rows, key=lambda r: r[1])
    for chunk in chunks(ordered, UUID_CHUNK):
        q = run.query(_one_of(("uuid",), [r[2] for r in chunk]), from_ms(chunk[0][1]), from_ms(chunk[-1][1] + 1))
        for r in project(run.store, run.org, q, list(paths)):
            out[r[2]] = tuple(r[3:])
    return out


def impossible_travel(run: Run) -> list[Finding]:
    cfg: DetectConfig = run.config
    hot = [ACTOR, (*GEO, "geolocation", "lat"), (*GEO, "geolocation", "lon"), IP, (*GEO, "city"), (*GEO, "country"),
           ("client", "zone")]
    vpn_hot = all(resolve(p).hot is not None for p in VPN_PATHS)
    wanted = hot + (list(VPN_PATHS) if vpn_hot or not run.duck else [])
    if run.incremental:
        nodes = _keyed(run, SUCCESS_START, ACTOR, "b:travel")
        if nodes is None:
            return []
        since, until = run.window(run.lo_ms - FAMILIAR_DAYS * DAY_MS, run.hi_ms)
    else:
        nodes, since, until = [SUCCESS_START], run.since, run.until
    tail = "ORDER BY published, seq"
    if run.duck:
        # only accounts whose sign-ins span at least travel_min_km can travel that far (a bounding-box bound)
        w = "OVER (PARTITION BY actor_alternate_id)"
        tail = (f"QUALIFY {KM_PER_DEGREE} * ((max(lat) {w} - min(lat) {w}) + (max(lon) {w} - min(lon) {w})) "
                f">= {float(cfg.travel_min_km)!r} ORDER BY published, seq")
    rows: list[tuple[Any, ...]] = []
    for node in nodes:
        q = run.query(node, since, until)
        if run.duck:
            rows += run.store.sql(run.org, q, ", ".join(["seq", "epoch_ms(published)", "uuid",
                                                         *(sql_expression(p) for p in wanted)]), tail)
        else:
            rows += project(run.store, run.org, q, wanted)
    rows.sort(key=lambda r: (r[1], r[0]))
    if not rows:
        return []
    if len(wanted) == len(hot):
        extra = _json_fields(run, [r for r in rows if r[3] is not None and r[4] is not None], VPN_PATHS)
        rows = [(*r, *extra.get(r[2], (None, None, None))) for r in rows]
    last: dict[str, tuple[Any, ...]] = {}
    known: dict[str, set[Any]] = defaultdict(set)
    out = []
    for r in rows:
        _seq, ts, uid, actor, lat, lon, ip, city, country, zone, proxy, as_org, asn = r
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
        if km >= cfg.travel_min_km and kmh > cfg.travel_kmh and run.is_new([uid]):
            out.append(Finding(
                "gl_impossible_travel", "gl_impossible_travel", "Impossible travel between sign-ins", "high",
                ("T1078.004",), ("initial-access",), "behaviour", {"actor.alternateId": actor}, prev[1], ts,
                [prev[2], uid], 2,
                summary=f"{actor}: {prev[7] or '?'}, {prev[8] or '?'} → {city or '?'}, {country or '?'} "
                        f"({km:.0f} km in {hours * 60:.0f} min, {kmh:.0f} km/h)",
                details={"from": {"ip": prev[6], "city": prev[7], "country": prev[8]},
                         "to": {"ip": ip, "city": city, "country": country}, "km": round(km),
                         "kmh": round(kmh)}, ips=sorted({str(prev[6]), str(ip)})))
    return out


# -- session hijack -----------------------------------------------------------------------------------------

def _ua_family(ua: Any) -> str:
    return _DIGITS.sub("", str(ua or "")).strip().lower()


def session_hijack(run: Run, path: tuple[str, ...], column: str) -> list[Finding]:
    base = _session_base(path)
    if run.incremental:
        nodes = _keyed(run, base, path, "b:esid" if path == ESID else "b:dthash")
        if nodes is None:
            return []
        since, until = run.window(run.lo_ms - DAY_MS, run.hi_ms)
    else:
        nodes, since, until = [base], run.since, run.until
    wanted = [path, ACTOR, IP, UA]
    rows: list[tuple[Any, ...]] = []
    for node in nodes:
        q = run.query(node, since, until)
        if run.duck:
            # a superset in SQL (another IP and another exact user agent in the session); families in Python
            w = f'OVER (PARTITION BY "{column}")'
            tail = (f"QUALIFY count(DISTINCT client_ip) {w} > 1 AND count(DISTINCT client_user_agent) {w} > 1 "
                    "ORDER BY published, seq")
            rows += run.store.sql(run.org, q, ", ".join(["seq", "epoch_ms(published)", "uuid",
                                                         *(sql_expression(p) for p in wanted)]), tail)
        else:
            rows += project(run.store, run.org, q, wanted)
    rows.sort(key=lambda r: (r[1], r[0]))
    sessions: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        sessions[r[3]].append(r)
    out: list[Finding] = []
    for key, items in sessions.items():
        out += [f for f in _hijack(key, items, path) if run.is_new(f.uuids)]
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
                 "reused_from": [{"ip": r[5], "userAgent": r[6]} for r in foreign[:20]]}, ips=ips)]


# -- distributed spray --------------------------------------------------------------------------------------

def distributed_spray(run: Run) -> list[Finding]:
    cfg: DetectConfig = run.config
    window = seconds(cfg.spray_window)
    if run.incremental:
        if not run.new.get("b:failed"):
            return []
        since, until = run.window(run.lo_ms - window * 1000, run.hi_ms + window * 1000)
    else:
        since, until = run.since, run.until
    rows = project(run.store, run.org, run.query(FAILED, since, until), [ACTOR, IP])
    if not rows:
        return []
    pad = window * 1000
    lo = from_ms(ms(since) - pad) if since.year > 1970 else since
    hi = from_ms(ms(until) + pad) if until.year < 9999 else until
    ok_q = run.query(SIGNED_IN, lo, hi)
    if run.duck:
        good = {r[0] for r in run.store.sql(run.org, ok_q, "DISTINCT client_ip")}
    else:
        good = {r[3] for r in project(run.store, run.org, ok_q, [IP])}
    occ = [(r[1], (r[2],), (), r[3], 0) for r in rows if r[4] is not None and r[4] not in good]
    ip_of = {r[2]: r[4] for r in rows}
    out = []
    for hit in correlate.value_count(occ, window, "gte", cfg.spray_min_accounts):
        ips = sorted({ip_of[u] for u in hit.uuids})
        if len(ips) < cfg.spray_min_ips or not run.is_new(hit.uuids):
            continue
        accounts = sorted({str(v) for v in hit.values})
        out.append(Finding(
            "gl_password_spray_distributed", "gl_password_spray_distributed",
            "Distributed password spray / credential stuffing", "high", ("T1110.003", "T1110.004"),
            ("credential-access",), "behaviour", {"scope": "org"}, hit.first_ms, hit.last_ms, hit.uuids, hit.count,
            summary=f"{len(accounts)} accounts failed from {len(ips)} sources that never signed anyone in",
            details={"accounts": accounts[:200], "ips": ips[:200]}, ips=ips[:500]))
    return out


# -- success after a credential attack ----------------------------------------------------------------------

def success_after_attack(run: Run, findings: list[Finding] | None = None) -> list[Finding]:
    """One read of the successful sign-ins from every attack source (over the attacks' windows plus the
    familiarity lookback), then each attack judged in Python."""
    cfg: DetectConfig = run.config
    window = seconds(cfg.after_attack_window) * 1000
    current = [f for f in (run.findings if findings is None else findings) if f.rule_name in CREDENTIAL_ATTACKS]
    if run.incremental and not current and not run.new.get("b:signin"):
        return []
    attacks: list[tuple[int, int, str, list[str], bool]] = []  # first, last, rule, ips, found in this run
    for f in current:
        attacks.append((f.first_ms, f.last_ms, f.rule_name, f.ips or _ips_of(run, f.uuids[:400], f.first_ms,
                                                                          f.last_ms), True))
    for doc in _stored_attacks(run, window):
        ips = doc.get("ips") or _ips_of(run, doc["uuids"][:400], doc["first_ms"], doc["last_ms"])
        attacks.append((doc["first_ms"], doc["last_ms"], doc["rule_name"], ips, False))
    attacks = [a for a in attacks if a[3]]
    if not attacks:
        return []
    if run.incremental:
        # an attack known before this run only matters for the new sign-ins
        fresh_ips = {r[4] for r in run.new.get("b:signin", [])}
        attacks = [a for a in attacks if a[4] or set(a[3]) & fresh_ips]
        if not attacks:
            return []
    all_ips = sorted({ip for a in attacks for ip in a[3] if ip and ip != "null"})
    lo = min(a[0] for a in attacks) - FAMILIAR_DAYS * DAY_MS
    hi = max(a[1] for a in attacks) + window
    since, until = from_ms(max(lo, 0)), from_ms(hi + 1)
    by_ip: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in chunks(all_ips, 200):
        for r in project(run.store, run.org, run.query(And(SIGNED_IN, _one_of(IP, chunk)), since, until),
                         [ACTOR, IP, ("eventType",)]):
            by_ip[r[4]].append(r)
    # per IP the successes in time order, per (account, IP) their times: each attack is then judged with
    # bisections (an office IP that trips the spray threshold daily must not cost attacks x sign-ins)
    pair_times: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    for rows in by_ip.values():
        rows.sort(key=lambda r: (r[1], r[0]))
        for r in rows:
            pair_times[(r[3], r[4])].append(r[1])
    ip_times = {ip: [r[1] for r in rows] for ip, rows in by_ip.items()}
    familiar_ms = FAMILIAR_DAYS * DAY_MS
    out: list[Finding] = []
    seen: set[str] = set()
    for first, last, name, ips, is_current in sorted(attacks, key=lambda a: (a[0], a[1])):
        for ip in ips:
            rows = by_ip.get(ip)
            if not rows:
                continue
            times = ip_times[ip]
            for k in range(bisect.bisect_left(times, first), bisect.bisect_right(times, last + window)):
                r = rows[k]
                if r[2] in seen or (not is_current and not run.is_new([r[2]])):
                    continue
                before = pair_times[(r[3], r[4])]
                pos = bisect.bisect_left(before, first)
                if pos and before[pos - 1] >= first - familiar_ms:
                    continue  # the account signed in from this IP in the 30 days before the attack
                seen.add(r[2])
                out.append(Finding(
                    "gl_success_after_credential_attack", "gl_success_after_credential_attack",
                    "Successful sign-in from a credential attack source", "critical", ("T1078.004", "T1110"),
                    ("initial-access", "credential-access"), "behaviour", {"actor.alternateId": r[3]}, r[1], r[1],
                    [r[2]], 1, summary=f"{r[3]} signed in ({r[5]}) from {r[4]}, a source of {name}",
                    details={"attack_rule": name, "ip": r[4]}, ips=[r[4]]))
    return out


def _stored_attacks(run: Run, window: int) -> list[dict[str, Any]]:
    floor = (run.lo_ms if run.incremental else ms(run.since)) - window
    return [doc for _, doc in run.store.list_meta(run.org, "alert")
            if doc.get("rule_name") in CREDENTIAL_ATTACKS and doc.get("last_ms", 0) >= floor
            and doc.get("state") != "closed"]


def _ips_of(run: Run, uuids: list[str], first: int, last: int) -> list[str]:
    if not uuids:
        return []
    q = run.query(_one_of(("uuid",), uuids), from_ms(first), from_ms(last + 1))
    return sorted({r[3] for r in project(run.store, run.org, q, [IP]) if r[3] and r[3] != "null"})
