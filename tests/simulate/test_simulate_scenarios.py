"""Each scenario's labelled events: present, consistent, plausible; benign data unchanged by attacks;
distributions within the stated ranges."""

from __future__ import annotations

from collections import Counter

import pytest

from glasslog.simulate import EXPECTED, SCENARIOS, distribution_stats
from glasslog.simulate.core import resolve_scenarios
from glasslog.simulate.geo import distance_km


def by_uuid(events):
    return {e["uuid"]: e for e in events}


def label_events(month, name):
    sim, events = month
    idx = by_uuid(events)
    labels = [lab for lab in sim.labels if lab["scenario"] == name]
    assert len(labels) == 1, name
    lab = labels[0]
    evs = [idx[u] for u in lab["event_uuids"]]
    return lab, evs


@pytest.mark.parametrize("name", SCENARIOS)
def test_label_is_consistent(month, name):
    lab, evs = label_events(month, name)
    assert evs and lab["event_count"] == len(evs)
    stamps = [e["published"] for e in evs]
    assert stamps == sorted(stamps)
    assert lab["start"] == stamps[0] and lab["end"] == stamps[-1]
    assert set(lab["attacker_ips"]) == {e["client"]["ipAddress"] for e in evs}
    office = {"Corporate Offices", "Corporate VPN"}
    assert not any(e["client"]["zone"] in office for e in evs)  # attackers are never on the corporate network
    for sid in lab["session_ids"]:
        assert any(e["authenticationContext"]["externalSessionId"] == sid for e in evs)
    # a labelled session's events come from one place (except the proxy-replayed hijack, checked below)
    sessions = {e["authenticationContext"]["externalSessionId"] for e in evs} - {None}
    if name not in ("api_token_persistence", "storyline"):
        for sid in sessions:
            assert len({e["client"]["ipAddress"] for e in evs if
                        e["authenticationContext"]["externalSessionId"] == sid}) == 1


def test_labels_are_exactly_the_attack_events(month, month_benign):
    """Benign life is identical with and without attacks; the difference is the labelled (+context) events."""
    sim, events = month
    _, benign = month_benign
    a, b = set(by_uuid(events)), set(by_uuid(benign))
    assert b <= a
    labelled = {u for lab in sim.labels for u in lab["event_uuids"] + lab["context_uuids"]}
    assert a - b == labelled


def test_username_enumeration(month):
    lab, evs = label_events(month, "username_enumeration")
    reasons = Counter(e["outcome"]["reason"] for e in evs)
    assert reasons["UNKNOWN_USER"] >= 50 and len(lab["attacker_ips"]) == 1


def test_password_spray_one_ip_many_users(month):
    lab, evs = label_events(month, "password_spray")
    assert len(lab["attacker_ips"]) == 1
    assert len({e["actor"]["alternateId"] for e in evs}) >= 30
    assert all(e["outcome"]["result"] == "FAILURE" for e in evs)


def test_password_spray_distributed_many_ips(month):
    lab, evs = label_events(month, "password_spray_distributed")
    assert len(lab["attacker_ips"]) >= 20
    assert max(Counter(e["client"]["ipAddress"] for e in evs).values()) <= 5


def test_brute_force_ends_in_lock(month):
    lab, evs = label_events(month, "brute_force")
    assert len(lab["accounts"]) == 1
    types = [e["eventType"] for e in evs]
    assert "user.account.lock" in types
    after = types[types.index("user.account.lock") + 1:]
    assert all(e["outcome"]["reason"] == "LOCKED_OUT" for e in evs[len(types) - len(after):])


def test_credential_stuffing(month):
    lab, evs = label_events(month, "credential_stuffing")
    assert len(lab["attacker_ips"]) >= 20
    assert any(e["outcome"]["reason"] == "UNKNOWN_USER" for e in evs)
    assert any(e["eventType"] == "user.session.start" and e["outcome"]["result"] == "SUCCESS" for e in evs)


def test_mfa_fatigue_denies_then_accept(month):
    lab, evs = label_events(month, "mfa_fatigue")
    types = [e["eventType"] for e in evs]
    denies = [i for i, t in enumerate(types) if t == "user.mfa.okta_verify.deny_push"]
    ok = [i for i, e in enumerate(evs) if e["eventType"] == "user.authentication.auth_via_mfa"
          and e["outcome"]["result"] == "SUCCESS"]
    assert len(denies) >= 5 and ok and ok[0] > denies[-1]
    assert len({e["authenticationContext"]["externalSessionId"] for e in evs} - {None}) == 1


def test_session_hijack_reuses_the_session_from_a_proxy(month):
    sim, events = month
    lab, evs = label_events(month, "session_hijack")
    idx = by_uuid(events)
    ctx = [idx[u] for u in lab["context_uuids"] if idx[u]["eventType"] != "user.authentication.auth_via_AD_agent"]
    sid = lab["session_ids"][0]
    assert all(e["authenticationContext"]["externalSessionId"] == sid for e in evs + ctx)
    assert not any(e["eventType"] == "user.session.start" for e in evs)  # no sign-in: a replayed cookie
    assert all(e["securityContext"]["isProxy"] is True for e in evs)
    victim = ctx[0]
    e = evs[0]
    assert e["client"]["ipAddress"] != victim["client"]["ipAddress"]
    assert e["securityContext"]["asNumber"] != victim["securityContext"]["asNumber"]
    assert e["client"]["userAgent"]["rawUserAgent"] != victim["client"]["userAgent"]["rawUserAgent"]


def test_impossible_travel_is_impossible(month):
    sim, events = month
    lab, evs = label_events(month, "impossible_travel")
    idx = by_uuid(events)
    before = idx[lab["context_uuids"][0]]
    after = next(e for e in evs if e["eventType"] == "user.session.start")
    g1, g2 = before["client"]["geographicalContext"]["geolocation"], after["client"]["geographicalContext"][
        "geolocation"]
    km = distance_km(g1["lat"], g1["lon"], g2["lat"], g2["lon"])
    from datetime import datetime
    h = (datetime.fromisoformat(after["published"][:-1]) - datetime.fromisoformat(before["published"][:-1])
         ).total_seconds() / 3600
    assert km > 3000 and km / h > 1000
    assert "Velocity=POSITIVE" in after["debugContext"]["debugData"]["behaviors"]


def test_privilege_escalation(month):
    lab, evs = label_events(month, "privilege_escalation")
    grants = [e for e in evs if e["eventType"] == "user.account.privilege.grant"]
    assert grants and grants[0]["debugContext"]["debugData"]["privilegeGranted"] == "Super administrator"
    assert any(e["eventType"] == "group.user_membership.add" for e in evs)


def test_defense_evasion(month):
    lab, evs = label_events(month, "defense_evasion")
    assert {"user.mfa.factor.deactivate", "zone.update", "policy.rule.update",
            "user.account.reset_password"} <= {e["eventType"] for e in evs}


def test_api_token_persistence(month):
    lab, evs = label_events(month, "api_token_persistence")
    create = [e for e in evs if e["eventType"] == "system.api_token.create"]
    assert create and create[0]["authenticationContext"]["externalSessionId"] in lab["session_ids"]
    tok = create[0]["target"][0]["id"]
    assert any(e["transaction"]["detail"].get("requestApiTokenId") == tok for e in evs)


def test_scripted_client(month):
    lab, evs = label_events(month, "scripted_client")
    assert all(e["client"]["userAgent"]["rawUserAgent"] == "Python-urllib/2.7" for e in evs)


def test_data_access(month):
    lab, evs = label_events(month, "data_access")
    apps = {t["displayName"] for e in evs if e["eventType"] == "user.authentication.sso" for t in e["target"]
            if t["type"] == "AppInstance"}
    assert apps <= {"AWS Account Federation", "Box"} and apps
    assert len({e["authenticationContext"]["externalSessionId"] for e in evs}) == 1


def test_rogue_support_access_has_no_grant(month):
    sim, events = month
    lab, evs = label_events(month, "rogue_support_access")
    assert any(e["eventType"] == "user.session.impersonation.initiate" for e in evs)
    start = lab["start"]
    grants = [e for e in events if e["eventType"] == "user.session.impersonation.grant"
              and start >= e["published"] >= _minus_hours(start, 8)]
    assert not grants


def _minus_hours(stamp, h):
    from datetime import datetime, timedelta
    d = datetime.fromisoformat(stamp[:-1]) - timedelta(hours=h)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def test_storyline_chains_the_lifecycle(month):
    lab, evs = label_events(month, "storyline")
    types = [e["eventType"] for e in evs]
    first = {t: types.index(t) for t in set(types)}
    spray = [e for e in evs if e["outcome"]["reason"] == "INVALID_CREDENTIALS"]
    win = [e for e in evs if e["eventType"] == "user.session.start" and e["outcome"]["result"] == "SUCCESS"]
    assert len(spray) >= 30 and len(win) == 1
    assert spray[0]["client"]["ipAddress"] == win[0]["client"]["ipAddress"]
    order = ["user.session.start", "user.mfa.okta_verify.deny_push", "user.mfa.factor.activate",
             "system.api_token.create", "user.account.privilege.grant", "zone.update"]
    assert [first[t] for t in order] == sorted(first[t] for t in order)
    sid = win[0]["authenticationContext"]["externalSessionId"]
    last = [e for e in evs if e["authenticationContext"]["externalSessionId"] == sid][-1]  # the mission
    mission = [t["displayName"] for t in last["target"] if t["type"] == "AppInstance"]
    assert last["eventType"] == "user.authentication.sso" and mission[0] in ("AWS Account Federation", "Box")
    assert lab["session_ids"] == [sid]


def test_benign_look_alikes_exist(month_benign):
    """Detection must not be trivial: the benign data alone has the attacks' surface signals."""
    _, events = month_benign
    types = Counter(e["eventType"] for e in events)
    reasons = Counter(e["outcome"]["reason"] for e in events)
    assert reasons["INVALID_CREDENTIALS"] > 20 and types["user.account.lock"] >= 1
    assert types["user.mfa.factor.deactivate"] and types["user.account.reset_password"] and types["zone.update"] \
        + types["policy.rule.update"] >= 1
    assert types["user.account.privilege.grant"] >= 1
    assert types["user.mfa.okta_verify.deny_push"] >= 1
    assert any(e["securityContext"]["isProxy"] for e in events)
    assert any(e["client"]["userAgent"] and e["client"]["userAgent"]["rawUserAgent"].startswith("Python-urllib/")
               for e in events)
    assert any(t["displayName"] in ("AWS Account Federation", "Box") for e in events
               if e["eventType"] == "user.authentication.sso" for t in e["target"])
    assert any(e["transaction"]["detail"].get("requestApiTokenId") for e in events)
    countries = Counter()
    for e in events:
        if e["actor"]["type"] == "User" and e["client"]["geographicalContext"]:
            countries[(e["actor"]["alternateId"], e["client"]["geographicalContext"]["country"])] += 1
    travellers = Counter(a for a, _ in countries)
    assert any(n >= 2 for n in travellers.values())  # someone signs in from two countries (travel / VPN)


def test_distributions_within_stated_ranges(month, month_benign):
    for sim, events in (month, month_benign):
        st = distribution_stats(events, sim.users, sim.days)
        for k, (lo, hi) in EXPECTED.items():
            assert lo <= st[k] <= hi, (k, st[k])


def test_distribution_check_can_fail():
    fake = [{"actor": {"type": "User", "alternateId": "a"}, "eventType": "user.session.start",
             "outcome": {"result": "FAILURE"}, "client": {}, "published": "2026-01-01T00:00:00.000Z"}]
    st = distribution_stats(fake, 10, 30)
    assert not EXPECTED["signin_success_rate"][0] <= st["signin_success_rate"]
    assert not EXPECTED["events_per_user_per_workday"][0] <= st["events_per_user_per_workday"]


def test_scenario_names():
    assert resolve_scenarios(["all"]) == list(SCENARIOS)
    assert resolve_scenarios(["storyline", "storyline"]) == ["storyline", "storyline"]
    assert resolve_scenarios(None, attacks=False) == []
    with pytest.raises(ValueError):
        resolve_scenarios(["nope"])
