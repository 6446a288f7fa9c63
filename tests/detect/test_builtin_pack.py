"""Built-in rules fire on constructed attacks and stay quiet on benign look-alikes (real DuckDB store)."""

from __future__ import annotations

from tests.detect.events import FIREFOX, event

from glasslog.detect.engine import Engine
from glasslog.detect.rules import load_pack


def fired(glog, events, org="acme") -> dict[str, list]:
    glog.ingest(events, org=org)
    out: dict[str, list] = {}
    for f in Engine(load_pack()).run(glog.store, org):
        out.setdefault(f.rule_name, []).append(f)
    return out


def fail(i, **kw):
    kw.setdefault("result", "FAILURE")
    kw.setdefault("reason", "INVALID_CREDENTIALS")
    kw.setdefault("session", None)
    return event("user.session.start", minutes=i, **kw)


def test_password_spray_and_success_after(glog):
    evs = [fail(i, actor=f"u{i}@example.com", ip="198.51.100.7") for i in range(6)]
    evs.append(event("user.session.start", minutes=10, actor="u2@example.com", ip="198.51.100.7"))
    f = fired(glog, evs)
    assert "gl_password_spray" in f and "gl_success_after_credential_attack" in f
    assert f["gl_success_after_credential_attack"][0].group == {"actor.alternateId": "u2@example.com"}


def test_typos_behind_a_shared_office_address_are_not_a_spray(glog):
    office = "203.0.113.10"
    evs = [fail(i, actor=f"u{i}@example.com", ip=office) for i in range(6)]  # six people mistype
    evs += [event("user.session.start", minutes=i, actor=f"ok{i}@example.com", ip=office) for i in range(12)]
    f = fired(glog, evs)
    assert "gl_password_spray" not in f and "gl_success_after_credential_attack" not in f


def test_spray_below_threshold_is_quiet(glog):
    evs = [fail(i, actor=f"u{i}@example.com", ip="198.51.100.7") for i in range(4)]
    assert "gl_password_spray" not in fired(glog, evs)


def test_spray_outside_window_is_quiet(glog):
    evs = [fail(i * 20, actor=f"u{i}@example.com", ip="198.51.100.7") for i in range(6)]  # 100 min apart
    assert "gl_password_spray" not in fired(glog, evs)


def test_typo_then_success_from_usual_ip_is_quiet(glog):
    evs = [event("user.session.start", minutes=-60 * 24, actor="bob@example.com", ip="192.0.2.5")]
    evs += [fail(i, actor=f"u{i}@example.com", ip="192.0.2.5") for i in range(5)]
    evs.append(event("user.session.start", minutes=30, actor="bob@example.com", ip="192.0.2.5"))
    assert "gl_success_after_credential_attack" not in fired(glog, evs)


def test_username_enumeration(glog):
    evs = [fail(i, actor=f"nobody{i}@example.com", reason="UNKNOWN_USER", ip="198.51.100.9") for i in range(5)]
    assert "gl_username_enumeration" in fired(glog, evs)


def test_brute_force_vs_lockout(glog):
    attack = [fail(i * 0.5, actor="carol@example.com", ip="198.51.100.20") for i in range(14)]
    benign = [fail(i, actor="dave@example.com", ip="192.0.2.9") for i in range(8)]
    f = fired(glog, attack + benign)
    assert [x.group for x in f["gl_brute_force"]] == [{"actor.alternateId": "carol@example.com"}]


def test_distributed_spray(glog):
    evs = [fail(i, actor=f"u{i}@example.com", ip=f"198.51.100.{i % 5 + 1}") for i in range(12)]
    assert "gl_password_spray_distributed" in fired(glog, evs)


def test_mfa_fatigue_and_accept(glog):
    evs = [event("user.mfa.okta_verify.deny_push", minutes=i, actor="erin@example.com") for i in range(4)]
    evs.append(event("user.authentication.auth_via_mfa", minutes=5, actor="erin@example.com"))
    f = fired(glog, evs)
    assert "gl_mfa_push_denied" in f and "gl_mfa_fatigue_accept" in f


def test_one_denied_push_is_quiet(glog):
    evs = [event("user.mfa.okta_verify.deny_push", actor="erin@example.com"),
           event("user.authentication.auth_via_mfa", minutes=1, actor="erin@example.com")]
    f = fired(glog, evs)
    assert "gl_mfa_push_denied" not in f and "gl_mfa_fatigue_accept" not in f


def test_session_hijack_vs_roaming(glog):
    evs = [event("user.session.start", actor="f@example.com", session="S1"),
           event("user.authentication.sso", minutes=5, actor="f@example.com", session="S1", ip="203.0.113.99",
                 ua=FIREFOX)]
    # benign: same browser (newer version) from a new IP
    evs += [event("user.session.start", actor="g@example.com", session="S2"),
            event("user.authentication.sso", minutes=5, actor="g@example.com", session="S2", ip="203.0.113.77",
                  ua=event()["client"]["userAgent"]["rawUserAgent"].replace("17.5", "17.6"))]
    f = fired(glog, evs)
    assert [x.group["authenticationContext.externalSessionId"] for x in f["gl_session_hijack"]] == ["S1"]


def test_impossible_travel_and_vpn(glog):
    evs = [event("user.session.start", actor="h@example.com", city="nyc", ip="203.0.113.1"),
           event("user.session.start", minutes=60, actor="h@example.com", city="moscow", ip="198.51.100.50")]
    evs += [event("user.session.start", actor="i@example.com", city="nyc", ip="203.0.113.2"),
            event("user.session.start", minutes=60, actor="i@example.com", city="london", ip="198.51.100.51",
                  proxy=True),
            event("user.session.start", minutes=60 * 9, actor="i@example.com", city="london", ip="198.51.100.52")]
    f = fired(glog, evs)
    assert [x.group for x in f["gl_impossible_travel"]] == [{"actor.alternateId": "h@example.com"}]


def test_single_event_rules(glog):
    evs = [
        event("user.account.privilege.grant", actor="admin@example.com"),
        event("user.mfa.factor.deactivate", minutes=1),
        event("zone.update", minutes=2),
        event("system.api_token.create", minutes=3),
        event("security.threat.detected", minutes=4),
        event("user.session.start", minutes=5, ua="python-requests/2.31.0", actor="j@example.com"),
        event("user.session.start", minutes=6, proxy=True, actor="k@example.com"),
        event("support.org.view", minutes=7, actor="staff@okta.com",
              debug={"supportAction": {"type": "view_org", "reason": {"type": "other", "detail": ""}}}),
        event("user.session.impersonation.initiate", minutes=8, actor="staff@okta.com"),
    ]
    f = fired(glog, evs)
    for name in ("gl_admin_privilege_grant", "gl_mfa_deactivate_reset", "gl_zone_policy_tamper",
                 "gl_api_token_created", "gl_threatinsight", "gl_scripted_user_agent",
                 "gl_anonymising_proxy_signin", "gl_support_access_without_case", "gl_impersonation_without_case"):
        assert name in f, name


def test_benign_look_alikes_are_quiet(glog):
    case = {"type": "customer_initiated_support", "detail": "case 01234567"}
    evs = [
        event("support.org.view", actor="staff@okta.com", debug={"supportAction": {"type": "v", "reason": case}}),
        event("user.session.impersonation.initiate", minutes=1, actor="staff@okta.com",
              debug={"reason": "case 01234567"}),
        event("user.session.start", minutes=2, ua="python-requests/2.31.0",
              transaction={"type": "WEB", "id": "t1", "detail": {"requestApiTokenId": "00T1"}}),
        event("user.session.start", minutes=3),
        event("user.authentication.sso", minutes=4),
    ]
    f = fired(glog, evs)
    assert not set(f) & {"gl_support_access_without_case", "gl_impersonation_without_case",
                         "gl_scripted_user_agent"}
    assert f == {}


NEW_DEVICE_AND_COUNTRY = "{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=POSITIVE, New Country=POSITIVE}"
TRAVELLER = "{New Geo-Location=POSITIVE, New Device=NEGATIVE, New IP=POSITIVE, New Country=POSITIVE}"
NEW_LAPTOP = "{New Geo-Location=NEGATIVE, New Device=POSITIVE, New IP=NEGATIVE, New Country=NEGATIVE}"


def test_unfamiliar_sign_in_is_one_alert_per_session_and_travellers_are_quiet(glog):
    evs = [event("user.session.start", minutes=i, actor="v@example.com", session="102stolen",
                 debug={"behaviors": NEW_DEVICE_AND_COUNTRY}) for i in range(3)]
    evs += [event("user.authentication.sso", minutes=10 + i, actor="v@example.com", session="102stolen",
                  debug={"behaviors": NEW_DEVICE_AND_COUNTRY}) for i in range(4)]
    evs += [
        event("user.session.start", minutes=20, actor="t@example.com", session="102trip",
              debug={"behaviors": TRAVELLER}),
        event("user.session.start", minutes=21, actor="n@example.com", session="102laptop",
              debug={"behaviors": NEW_LAPTOP}),
        event("user.session.start", minutes=22, actor="f@example.com", session=None, result="FAILURE",
              reason="INVALID_CREDENTIALS", debug={"behaviors": NEW_DEVICE_AND_COUNTRY}),
    ]
    found = fired(glog, evs)["gl_unfamiliar_signin"]
    assert [f.group for f in found] == [
        {"actor.alternateId": "v@example.com", "authenticationContext.externalSessionId": "102stolen"}]
    assert len(found[0].uuids) == 7
