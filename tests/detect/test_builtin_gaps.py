"""Built-in rules that had no asserting test: credential stuffing, lockout bursts, session hijack by `dtHash`, and
impossible travel's VPN awareness by AS org / AS number. Each with a positive case and a benign near-miss, over
a real DuckDB store with the real pack."""

from __future__ import annotations

from tests.detect.events import BROWSER, FIREFOX, event

from glasslog.detect.config import DetectConfig, load_config, save_config
from glasslog.detect.engine import Engine
from glasslog.detect.rules import load_pack

ATTACKER = "198.51.100.66"


def fired(glog, events, config: DetectConfig | None = None, org="acme") -> dict[str, list]:
    glog.ingest(events, org=org)
    out: dict[str, list] = {}
    for f in Engine(load_pack(), config).run(glog.store, org):
        out.setdefault(f.rule_name, []).append(f)
    return out


def fail(minutes, actor, ip=ATTACKER, reason="INVALID_CREDENTIALS"):
    return event("user.session.start", minutes=minutes, actor=actor, ip=ip, result="FAILURE", reason=reason,
                 session=None)


# -- credential stuffing: one source, >= 10 distinct account names (existing or not) in 1h -------------------

def stuffing(n, step=2.0, ip=ATTACKER):
    # alternate unknown users and wrong passwords: a leaked list holds both
    return [fail(i * step, f"victim{i}@example.com", ip, "UNKNOWN_USER" if i % 2 else "INVALID_CREDENTIALS")
            for i in range(n)]


def test_credential_stuffing_fires_on_ten_accounts_from_one_source(glog):
    evs = stuffing(10)
    f = fired(glog, evs)
    assert [x.group for x in f["gl_credential_stuffing"]] == [{"client.ipAddress": ATTACKER}]
    hit = f["gl_credential_stuffing"][0]
    assert sorted(hit.uuids) == sorted(e["uuid"] for e in evs)
    assert hit.details["values"] == sorted(f"victim{i}@example.com" for i in range(10))
    assert hit.level == "high" and "T1110.004" in hit.techniques
    # neither half alone is a password spray (5 bad passwords) or enumeration (5 unknown users) at this scale;
    # they are, at 5 each, which is the point of the mixed list
    assert "gl_password_spray" in f and "gl_username_enumeration" in f


def test_credential_stuffing_near_misses_are_quiet(glog):
    evs = stuffing(9, ip="198.51.100.1")  # one account short
    evs += stuffing(10, step=7.0, ip="198.51.100.2")  # ten accounts, but over 63 minutes
    evs += [fail(i, "same@example.com", "198.51.100.3") for i in range(10)]  # ten failures, one account
    assert "gl_credential_stuffing" not in fired(glog, evs)


def test_credential_stuffing_behind_a_busy_office_address_is_quiet(glog):
    office = "203.0.113.10"
    evs = stuffing(10, ip=office)
    # the same address signs in more people than failed: a shared NAT, not an attacker
    evs += [event("user.session.start", minutes=i, actor=f"staff{i}@example.com", ip=office) for i in range(12)]
    assert "gl_credential_stuffing" not in fired(glog, evs)


# -- lockout burst: >= 3 distinct accounts locked within 30 minutes, org-wide -------------------------------

def lock(minutes, actor):
    return event("user.account.lock", minutes=minutes, actor=actor, result="SUCCESS")


def test_lockout_burst_fires_on_three_accounts_in_half_an_hour(glog):
    evs = [lock(0, "a@example.com"), lock(12, "b@example.com"), lock(25, "c@example.com")]
    f = fired(glog, evs)
    assert len(f["gl_lockout_burst"]) == 1
    hit = f["gl_lockout_burst"][0]
    assert hit.group == {} and sorted(hit.uuids) == sorted(e["uuid"] for e in evs)
    assert hit.details["values"] == ["a@example.com", "b@example.com", "c@example.com"]
    assert hit.level == "medium"


def test_lockout_burst_near_misses_are_quiet(glog):
    evs = [lock(i * 5, "a@example.com") for i in range(4)]  # one account locked again and again
    evs += [lock(60, "b@example.com"), lock(80, "c@example.com"), lock(100, "d@example.com")]  # 20 min apart each,
    # but any 30 minutes hold only two of them
    assert "gl_lockout_burst" not in fired(glog, evs)


def test_lockout_burst_threshold_is_configurable_per_org(glog):
    evs = [lock(0, "a@example.com"), lock(10, "b@example.com")]
    cfg = save_config(glog.store, "acme", {"thresholds": {"gl_lockout_burst": {"count": 2}}})
    assert load_config(glog.store, "acme").thresholds == cfg.thresholds
    assert "gl_lockout_burst" in fired(glog, evs, load_config(glog.store, "acme"))
    assert "gl_lockout_burst" not in fired(glog, [], DetectConfig())  # same events, default threshold 3


# -- session hijack by dtHash ---------------------------------------------------------------------------------

DT = ("debugContext.debugData.dtHash",)


def test_session_hijack_by_dt_hash_with_fresh_session_ids(glog):
    """The attacker replays the device token: each request gets its own session id, so only dtHash links them."""
    origin = event("user.session.start", actor="p@example.com", session="102victim", dt_hash="dtSTOLEN",
                   ip="203.0.113.5", ua=BROWSER)
    replay = [event("user.authentication.sso", minutes=5 + i, actor="p@example.com", session=f"102evil{i}",
                    dt_hash="dtSTOLEN", ip=ATTACKER, ua=FIREFOX) for i in range(2)]
    f = fired(glog, [origin, *replay])
    hijacks = f["gl_session_hijack"]
    assert [x.group for x in hijacks] == [{"debugContext.debugData.dtHash": "dtSTOLEN",
                                           "actor.alternateId": "p@example.com"}]
    assert hijacks[0].uuids == [origin["uuid"], *(e["uuid"] for e in replay)]
    assert hijacks[0].ips == [ATTACKER]
    # (user agents and cities come from the store's lower-cased hot columns: compared case-insensitively)
    assert hijacks[0].details["origin"]["ip"] == "203.0.113.5"
    assert hijacks[0].details["origin"]["userAgent"].lower() == BROWSER.lower()
    assert [r["userAgent"].lower() for r in hijacks[0].details["reused_from"]] == [FIREFOX.lower()] * 2


def test_dt_hash_near_misses_are_quiet(glog):
    newer = BROWSER.replace("Version/17.5", "Version/17.6")
    evs = [
        # same device token from a new IP, same browser family (an update): roaming, not theft
        event("user.session.start", actor="q@example.com", session="102q1", dt_hash="dtQ", ip="203.0.113.6"),
        event("user.authentication.sso", minutes=5, actor="q@example.com", session="102q2", dt_hash="dtQ",
              ip="198.51.100.77", ua=newer),
        # a different browser on the same IP (a second browser on the same laptop)
        event("user.session.start", actor="r@example.com", session="102r1", dt_hash="dtR", ip="203.0.113.7"),
        event("user.authentication.sso", minutes=5, actor="r@example.com", session="102r2", dt_hash="dtR",
              ip="203.0.113.7", ua=FIREFOX),
        # another IP and browser, but a different device token: two devices of one person
        event("user.session.start", actor="s@example.com", session="102s1", dt_hash="dtS1", ip="203.0.113.8"),
        event("user.session.start", minutes=5, actor="s@example.com", session="102s2", dt_hash="dtS2",
              ip="198.51.100.78", ua=FIREFOX),
    ]
    assert "gl_session_hijack" not in fired(glog, evs)


# -- impossible travel: VPN egress by AS org or AS number ----------------------------------------------------

def trip(actor, as_org="Example ISP", asn=64500, minutes=60):
    return [event("user.session.start", actor=actor, city="nyc", ip="203.0.113.21"),
            event("user.session.start", minutes=minutes, actor=actor, city="london", ip="198.51.100.21",
                  as_org=as_org, asn=asn)]


def test_travel_through_a_vpn_as_org_is_not_travel(glog):
    evs = trip("u1@example.com") + trip("u2@example.com", as_org="NordVPN, S.A.", asn=64501)
    f = fired(glog, evs)
    # the only difference between the two is the AS org of the second sign-in
    assert [x.group for x in f["gl_impossible_travel"]] == [{"actor.alternateId": "u1@example.com"}]


def test_vpn_as_numbers_are_per_org_configuration(glog):
    evs = trip("u3@example.com", as_org="Corp Egress Ltd", asn=65010)
    glog.ingest(evs, org="acme")
    pack = load_pack()
    assert [x.group for x in Engine(pack).run(glog.store, "acme") if x.rule_name == "gl_impossible_travel"] == \
        [{"actor.alternateId": "u3@example.com"}]
    save_config(glog.store, "acme", {"vpn_asns": [65010]})
    cfg = load_config(glog.store, "acme")
    assert [x for x in Engine(pack, cfg).run(glog.store, "acme") if x.rule_name == "gl_impossible_travel"] == []
    # an AS org named in the settings works the same way
    cfg = DetectConfig.from_dict({"vpn_as_orgs": ["corp egress"]})
    assert [x for x in Engine(pack, cfg).run(glog.store, "acme") if x.rule_name == "gl_impossible_travel"] == []


def test_a_vpn_hop_does_not_hide_real_travel_around_it(glog):
    evs = [event("user.session.start", actor="u4@example.com", city="nyc", ip="203.0.113.31"),
           event("user.session.start", minutes=30, actor="u4@example.com", city="london", ip="198.51.100.31",
                 as_org="Mullvad VPN AB", asn=39351),
           event("user.session.start", minutes=90, actor="u4@example.com", city="moscow", ip="198.51.100.32")]
    travel = fired(glog, evs)["gl_impossible_travel"]
    assert len(travel) == 1
    assert travel[0].uuids == [evs[0]["uuid"], evs[2]["uuid"]]
    assert travel[0].details["from"]["city"].lower() == "new york"
    assert travel[0].details["to"]["city"].lower() == "moscow"
