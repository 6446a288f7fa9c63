"""Every pivot key through `GET /api/glasslog/pivot/{kind}` returns exactly the events sharing the value (and none
that merely carry it in another attribute), oldest first; indicators of compromise of an investigation (through
its API view) carry ASNs, user agents, countries, cities and affected accounts with counts and first/last seen."""

from __future__ import annotations

import pytest
from tests.detect.events import BROWSER, FIREFOX, event

CURL = "curl/8.4.0"
A, B, C = "198.51.100.10", "198.51.100.20", "203.0.113.30"


def put(ev, path, value):
    node = ev
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return ev


def ev(minutes, *, actor, ip, ua, session, root, txn, dt, **kw):
    e = event(kw.pop("event_type", "user.session.start"), minutes=minutes, actor=actor, ip=ip, ua=ua,
              session=session, dt_hash=dt, **kw)
    put(e, "authenticationContext.rootSessionId", root)
    put(e, "transaction.id", txn)
    return e


@pytest.fixture()
def world(glog):
    """Nine events whose keys overlap in chosen ways (label → event)."""
    w = {
        # alice's browser session, then a second session under the same root session and device token
        "a1": ev(0, actor="alice@example.com", ip=A, ua=BROWSER, session="S1", root="R1", txn="T1", dt="D1"),
        "a2": ev(1, actor="alice@example.com", ip=A, ua=BROWSER, session="S1", root="R1", txn="T2", dt="D1",
                 event_type="user.authentication.sso",
                 target=[{"type": "AppInstance", "displayName": "Box", "alternateId": "box"}]),
        "a3": ev(2, actor="alice@example.com", ip=B, ua=FIREFOX, session="S2", root="R1", txn="T2", dt="D1",
                 city="london", as_org="Other Net", asn=64777),
        # bob acts on alice (user pivot reaches it, actor pivot does not)
        "b1": ev(3, actor="bob@example.com", ip=A, ua=FIREFOX, session="S3", root="R3", txn="T3", dt="D3",
                 event_type="user.account.reset_password",
                 target=[{"type": "User", "alternateId": "alice@example.com", "displayName": "alice"}]),
        # carol reaches us through a proxy: A is in her IP chain, not her client IP
        "c1": ev(4, actor="carol@example.com", ip=C, ua=CURL, session="S4", root="R4", txn="T4", dt="D4"),
        # decoys: the pivot value in another attribute
        "d1": ev(5, actor="dave@example.com", ip=C, ua=BROWSER, session="R1", root="S1", txn="D1", dt="T1",
                 city="moscow", as_org="Far Away Hosting", asn=64999),
        "d2": ev(6, actor="erin@example.com", ip=C, ua=CURL + " extra", session="S5", root="R5", txn="S1",
                 dt="S2", display="alice@example.com " + A),
        "d3": ev(7, actor="frank@example.com", ip="198.51.100.100", ua=BROWSER, session="S6", root="R6",
                 txn="T6", dt=None),
        "a4": ev(8, actor="alice@example.com", ip=A, ua=BROWSER, session="S1", root="R1", txn="T7", dt="D1",
                 event_type="user.session.end"),
    }
    put(w["c1"], "request.ipChain", [{"ip": C, "geographicalContext": None, "version": "V4", "source": None},
                                     {"ip": A, "geographicalContext": None, "version": "V4", "source": None}])
    glog.ingest(list(w.values()), org="acme")
    glog.ingest([event("user.session.start", actor="alice@example.com", ip=A, session="S1", dt_hash="D1")],
                org="other")  # another org's events never leak in
    return w


PIVOTS = [
    ("session", "S1", ["a1", "a2", "a4"]),
    ("root_session", "R1", ["a1", "a2", "a3", "a4"]),
    ("transaction", "T2", ["a2", "a3"]),
    ("actor", "alice@example.com", ["a1", "a2", "a3", "a4"]),
    ("user", "alice@example.com", ["a1", "a2", "a3", "b1", "a4"]),
    ("ip", A, ["a1", "a2", "b1", "c1", "a4"]),
    ("user_agent", CURL, ["c1"]),
    ("user_agent", FIREFOX, ["a3", "b1"]),
    ("dt_hash", "D1", ["a1", "a2", "a3", "a4"]),
]


@pytest.mark.parametrize(("kind", "value", "labels"), PIVOTS, ids=[f"{k}={v}" for k, v, _ in PIVOTS])
def test_pivot_returns_exactly_the_events_sharing_the_value(client, world, kind, value, labels):
    r = client.get(f"/api/glasslog/pivot/{kind}", params={"value": value})
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == kind and body["value"] == value
    assert [e["uuid"] for e in body["events"]] == [world[x]["uuid"] for x in labels]
    assert [e["published"] for e in body["events"]] == sorted(e["published"] for e in body["events"])


def test_pivot_rows_carry_the_timeline_columns(client, world):
    rows = client.get("/api/glasslog/pivot/transaction", params={"value": "T2"}).json()["events"]
    a2, a3 = world["a2"], world["a3"]
    assert rows[0] == {
        "uuid": a2["uuid"], "published": a2["published"], "eventType": "user.authentication.sso",
        "displayMessage": None, "actor": "alice@example.com", "result": "SUCCESS", "reason": None, "ip": A,
        "city": "New York", "country": "United States", "userAgent": BROWSER, "session": "S1", "targets": ["Box"]}
    assert (rows[1]["ip"], rows[1]["city"], rows[1]["userAgent"], rows[1]["session"]) == \
        (B, "London", FIREFOX, "S2")
    assert rows[1]["uuid"] == a3["uuid"]


def test_pivot_range_and_limit(client, world):
    since, until = world["a2"]["published"], world["a4"]["published"]  # until is exclusive
    rows = client.get("/api/glasslog/pivot/actor", params={"value": "alice@example.com", "since": since,
                                                           "until": until}).json()["events"]
    assert [e["uuid"] for e in rows] == [world["a2"]["uuid"], world["a3"]["uuid"]]
    rows = client.get("/api/glasslog/pivot/ip", params={"value": A, "limit": 2}).json()["events"]
    assert [e["uuid"] for e in rows] == [world["a1"]["uuid"], world["a2"]["uuid"]]


def test_pivot_unknown_kind_and_no_match(client, world):
    r = client.get("/api/glasslog/pivot/displayMessage", params={"value": "x"})
    assert r.status_code == 400 and "session" in r.json()["detail"]["errorSummary"]
    assert client.get("/api/glasslog/pivot/session", params={"value": "S-none"}).json()["events"] == []


# -- indicators of compromise through the investigation view -------------------------------------------------

def by_value(items):
    return {i["value"]: i for i in items}


def test_investigation_iocs_through_the_api(client, world):
    inv = client.post("/api/glasslog/investigations",
                      json={"title": "alice", "pivots": [{"kind": "root_session", "value": "R1"},
                                                         {"kind": "user_agent", "value": CURL}]}).json()
    view = client.get(f"/api/glasslog/investigations/{inv['id']}").json()
    scope = ["a1", "a2", "a3", "c1", "a4"]  # R1's four events and carol's curl
    assert [r["uuid"] for r in view["timeline"]] == [world[x]["uuid"] for x in scope]
    iocs = view["iocs"]
    t = {x: world[x]["published"] for x in scope}

    asns = by_value(iocs["asns"])
    assert set(asns) == {"64500", "64777"}
    assert asns["64500"] == {"value": "64500", "count": 4, "first_seen": t["a1"], "last_seen": t["a4"],
                             "org": "Example ISP"}
    assert asns["64777"] == {"value": "64777", "count": 1, "first_seen": t["a3"], "last_seen": t["a3"],
                             "org": "Other Net"}

    uas = by_value(iocs["user_agents"])
    assert {k: v["count"] for k, v in uas.items()} == {BROWSER: 3, FIREFOX: 1, CURL: 1}
    assert (uas[BROWSER]["first_seen"], uas[BROWSER]["last_seen"]) == (t["a1"], t["a4"])
    assert (uas[CURL]["first_seen"], uas[CURL]["last_seen"]) == (t["c1"], t["c1"])
    assert iocs["user_agents"][0]["value"] == BROWSER  # most frequent first

    countries = by_value(iocs["countries"])
    assert {k: v["count"] for k, v in countries.items()} == {"United States": 4, "United Kingdom": 1}
    assert (countries["United States"]["first_seen"], countries["United States"]["last_seen"]) == (t["a1"], t["a4"])

    cities = by_value(iocs["cities"])
    assert {k: v["count"] for k, v in cities.items()} == {"New York, United States": 4,
                                                          "London, United Kingdom": 1}
    assert (cities["London, United Kingdom"]["first_seen"], cities["London, United Kingdom"]["last_seen"]) == \
        (t["a3"], t["a3"])

    accounts = by_value(iocs["accounts"])
    assert {k: v["count"] for k, v in accounts.items()} == {"alice@example.com": 4, "carol@example.com": 1}
    assert (accounts["alice@example.com"]["first_seen"], accounts["alice@example.com"]["last_seen"]) == \
        (t["a1"], t["a4"])

    ips = by_value(iocs["ips"])
    # carol's chain adds A once more (C is her client IP); a hop equal to the client IP is not double counted
    assert {k: v["count"] for k, v in ips.items()} == {A: 4, B: 1, C: 1}
    assert ips[A]["last_seen"] == t["a4"]
    assert [a["value"] for a in iocs["apps"]] == ["Box"]


def test_iocs_count_target_accounts_and_ignore_unknown_values(client, world, glog):
    extra = [event("user.session.start", minutes=20, actor="zed@example.com", ip="192.0.2.200", city="sf",
                   session="S9", as_org="", asn=64500),
             event("user.session.start", minutes=21, actor="zed@example.com", ip="192.0.2.200", session="S9",
                   city="sf")]
    put(extra[0], "client.geographicalContext.city", None)
    put(extra[0], "client.geographicalContext.country", "unknown")
    glog.ingest(extra, org="acme")
    inv = client.post("/api/glasslog/investigations",
                      json={"title": "reset", "pivots": [{"kind": "session", "value": "S3"},
                                                         {"kind": "session", "value": "S9"}]}).json()
    iocs = client.get(f"/api/glasslog/investigations/{inv['id']}").json()["iocs"]
    accounts = by_value(iocs["accounts"])
    # bob (the actor) and alice (the target of the reset), zed twice
    assert {k: v["count"] for k, v in accounts.items()} == {"bob@example.com": 1, "alice@example.com": 1,
                                                            "zed@example.com": 2}
    assert accounts["alice@example.com"]["first_seen"] == world["b1"]["published"]
    assert {k: v["count"] for k, v in by_value(iocs["countries"]).items()} == {"United States": 2}
    assert {k: v["count"] for k, v in by_value(iocs["cities"]).items()} == {"San Francisco, United States": 1,
                                                                           "New York, United States": 1}
