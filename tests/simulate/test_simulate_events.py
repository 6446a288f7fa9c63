"""Determinism, order and completeness of simulated events."""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import orjson
import ua_parser

from glasslog.simulate import generate
from glasslog.simulate.agents import okta_fields
from glasslog.simulate.geo import lookup_geo, lookup_security

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
REQUIRED = ("uuid", "published", "eventType", "version", "severity", "legacyEventType", "displayMessage", "actor",
            "client", "device", "authenticationContext", "outcome", "target", "transaction", "debugContext",
            "securityContext", "request")
CATALOG = Path(__file__).resolve().parents[3] / "shared" / "data" / "okta-event-types.json"


def small(seed=3, **kw):
    args = dict(org="acme", users=40, days=4, seed=seed, scenarios=["all"], end=END)
    args.update(kw)
    return [orjson.dumps(e) for e in generate(**args)]


def test_same_seed_same_output():
    assert small(3) == small(3)


def test_other_seed_other_output():
    assert small(3) != small(4)


def test_end_bounds_the_window(month):
    sim, events = month
    assert events[0]["published"] >= "2026-01-31T12:00:00.000Z"
    assert events[-1]["published"] <= "2026-03-02T12:00:00.000Z"


def test_sorted_and_well_formed(month):
    _, events = month
    stamps = [e["published"] for e in events]
    assert stamps == sorted(stamps)
    assert all(STAMP.match(s) for s in stamps)
    assert len({e["uuid"] for e in events}) == len(events)


def test_every_event_complete(month):
    _, events = month
    for e in events:
        missing = [k for k in REQUIRED if k not in e]
        assert not missing, (missing, e["eventType"])
        assert e["version"] == "0"
        assert e["severity"] in ("DEBUG", "INFO", "WARN", "ERROR")
        assert e["displayMessage"]
        assert e["outcome"]["result"]
        assert e["transaction"]["type"] in ("WEB", "JOB") and e["transaction"]["id"]
        assert e["debugContext"]["debugData"]["requestId"]
        assert e["debugContext"]["debugData"]["requestUri"]
        assert isinstance(e["securityContext"]["isProxy"], bool)
        if e["actor"]["type"] != "SystemPrincipal":
            c = e["client"]
            assert c["ipAddress"] and c["userAgent"]["rawUserAgent"] and c["geographicalContext"]["country"]
            assert e["request"]["ipChain"][0]["ip"] == c["ipAddress"]
            assert e["request"]["ipChain"][0]["geographicalContext"] == c["geographicalContext"]


def test_successful_sign_ins_carry_device_behaviors_and_risk(month):
    """Okta's risk engine scores every successful sign-in and SSO: `dtHash`, `behaviors` and `risk` are what the
    guide's session-hijack and new-device queries read, so no successful one may lack them (service accounts
    signing in through the API included)."""
    _, events = month
    seen = 0
    for e in events:
        if e["eventType"] in ("user.session.start", "user.authentication.sso") and e["outcome"]["result"] == "SUCCESS":
            seen += 1
            data = e["debugContext"]["debugData"]
            missing = [k for k in ("dtHash", "behaviors", "risk") if not data.get(k)]
            assert not missing, (missing, e["actor"]["alternateId"], e["eventType"])
            assert data["behaviors"].startswith("{") and "level=" in data["risk"]
    assert seen > 1000


def test_event_types_exist_in_okta_catalog(month):
    _, events = month
    used = {e["eventType"] for e in events}
    if CATALOG.exists():
        known = {t["id"] for t in json.loads(CATALOG.read_text())["versions"][0]["eventTypes"]}
        assert used <= known, used - known
    for must in ("user.session.start", "policy.evaluate_sign_on", "user.authentication.auth_via_mfa",
                 "user.authentication.sso", "user.session.access_admin_app", "user.authentication.auth_via_richclient",
                 "user.authentication.auth_via_radius", "user.authentication.auth_via_AD_agent", "user.session.end",
                 "user.account.lock", "user.account.update_password", "user.mfa.factor.activate",
                 "group.user_membership.add", "system.import.start", "support.org.view",
                 "user.session.impersonation.grant"):
        assert must in used, must


def test_geo_and_asn_match_the_geoip_data_set(month):
    _, events = month
    seen = {}
    for e in events:
        ip = e["client"]["ipAddress"]
        if ip and ip not in seen:
            seen[ip] = (e["client"]["geographicalContext"], e["securityContext"])
    assert len(seen) > 100
    for ip, (geo, sec) in seen.items():
        assert geo == lookup_geo(ip), ip
        expected = lookup_security(ip, sec["isProxy"])
        assert sec == expected, ip


def test_user_agent_fields_match_ua_parser(month):
    _, events = month
    seen = {}
    for e in events:
        ua = e["client"]["userAgent"]
        if ua:
            seen[ua["rawUserAgent"]] = (ua, e["client"]["device"])
    assert len(seen) >= 10
    for raw, (ua, device) in seen.items():
        r = ua_parser.parse(raw)
        os_name, browser, dev = okta_fields(r.os.family if r.os else None, r.os.major if r.os else None,
                                            r.user_agent.family if r.user_agent else None)
        assert (ua["os"], ua["browser"], device) == (os_name, browser, dev), raw
    assert seen.keys() & {ua for ua in seen if "Chrome" in ua}


def test_sessions_are_consistent(month):
    """All events of one externalSessionId: one actor; its sign-in events share one transaction id."""
    sim, events = month
    hijacked = {s for lab in sim.labels if lab["scenario"] == "session_hijack" for s in lab["session_ids"]}
    by_session = defaultdict(list)
    for e in events:
        sid = e["authenticationContext"]["externalSessionId"]
        if sid:
            by_session[sid].append(e)
    assert len(by_session) > 1000
    for sid, evs in by_session.items():
        assert len({e["actor"]["id"] for e in evs}) == 1, sid
        assert evs[0]["authenticationContext"]["rootSessionId"] == sid
        starts = [e for e in evs if e["eventType"] == "user.session.start"]
        assert len(starts) == 1, sid  # the session begins once
        assert starts[0] is evs[0] or evs[0]["eventType"] == "user.authentication.auth_via_AD_agent"
        pol = [e for e in evs if e["eventType"] == "policy.evaluate_sign_on"]
        assert pol and pol[0]["transaction"]["id"] == starts[0]["transaction"]["id"]
        if sid not in hijacked:
            assert len({e["client"]["ipAddress"] for e in evs}) == 1, sid
        else:
            assert len({e["client"]["ipAddress"] for e in evs}) == 2


def test_sso_targets(month):
    _, events = month
    sso = [e for e in events if e["eventType"] == "user.authentication.sso"]
    assert sso
    for e in sso:
        types = sorted(t["type"] for t in e["target"])
        assert types == ["AppInstance", "AppUser"]
        assert e["authenticationContext"]["externalSessionId"]


def test_support_actions_carry_a_reason(month):
    _, events = month
    support = [e for e in events if e["eventType"].startswith("support.org.")]
    assert support
    for e in support:
        sa = e["debugContext"]["debugData"]["supportAction"]
        assert set(sa) >= {"id", "type", "description", "reason"}
        assert "type" in sa["reason"]


def test_mfa_challenge_follows_policy(month):
    """Every CHALLENGE in a successful benign sign-in is followed by an MFA event in the same session."""
    sim, events = month
    mfa_sessions = {e["authenticationContext"]["externalSessionId"] for e in events
                    if e["eventType"] == "user.authentication.auth_via_mfa"}
    challenged = [e for e in events if e["eventType"] == "policy.evaluate_sign_on"
                  and e["outcome"]["result"] == "CHALLENGE"]
    assert challenged
    attack_uuids = {u for lab in sim.labels for u in lab["event_uuids"]}
    unanswered = [e for e in challenged if e["authenticationContext"]["externalSessionId"] not in mfa_sessions
                  and e["uuid"] not in attack_uuids]
    assert not unanswered
    allowed = [e for e in events if e["eventType"] == "policy.evaluate_sign_on" and e["outcome"]["result"] == "ALLOW"]
    assert allowed


def test_live_stream_is_current_and_ordered():
    from glasslog.simulate import live

    now = [datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()]
    labels = []

    def clock():
        return now[0]

    def sleep(s):
        now[0] += max(s, 0.001)

    got = list(itertools.islice(live("acme", seed=2, users=30, rate=3.0, attack_every=(60, 120), clock=clock,
                                     sleep=sleep, on_label=labels.append), 800))
    stamps = [e["published"] for e in got]
    assert stamps == sorted(stamps)
    span = (datetime.fromisoformat(stamps[-1].replace("Z", "+00:00")) -
            datetime.fromisoformat(stamps[0].replace("Z", "+00:00"))).total_seconds()
    assert 800 / span > 1.0  # a few events a second
    assert labels  # at least one attack completed
