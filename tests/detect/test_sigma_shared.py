"""Every shared Sigma rule loads unmodified, fires on an event it describes and not on a near miss."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.detect.conftest import SHARED_SIGMA
from tests.detect.events import event, tweak

from glasslog.detect.rules import load_paths, load_yaml
from glasslog.detect.sigma_convert import UnsupportedSigma

ADMIN_URI = {"requestUri": "/api/v1/admin/users"}

# rule file → (matching event, near miss)
CASES = {
    "okta_admin_activity_from_proxy_query.yml": (
        event("user.session.access_admin_app", proxy=True, debug=ADMIN_URI),
        event("user.session.access_admin_app", proxy=False, debug=ADMIN_URI)),
    "okta_admin_role_assigned_to_user_or_group.yml": (
        event("group.privilege.grant"), event("group.user_membership.add")),
    "okta_admin_role_assignment_created.yml": (
        event("iam.resourceset.bindings.add"), event("iam.resourceset.bindings.delete")),
    "okta_api_token_created.yml": (event("system.api_token.create"), event("system.api_token.revoke")),
    "okta_api_token_revoked.yml": (event("system.api_token.revoke"), event("system.api_token.create")),
    "okta_application_modified_or_deleted.yml": (
        event("application.lifecycle.delete"), event("application.lifecycle.create")),
    "okta_application_sign_on_policy_modified_or_deleted.yml": (
        event("application.policy.sign_on.rule.delete"), event("application.policy.sign_on.rule.create")),
    "okta_apt_suspicious_user_creation.yml": (
        event("user.lifecycle.create", target=[{"type": "User", "displayName": "svc_network_backup"}]),
        event("user.lifecycle.create", target=[{"type": "User", "displayName": "svc_backup"}])),
    "okta_fastpass_phishing_detection.yml": (
        event("user.authentication.auth_via_mfa", result="FAILURE", reason="FastPass declined phishing attempt"),
        event("user.authentication.auth_via_mfa", result="FAILURE", reason="INVALID_CREDENTIALS")),
    "okta_identity_provider_created.yml": (
        event("system.idp.lifecycle.create"), event("system.idp.lifecycle.update")),
    "okta_mfa_reset_or_deactivated.yml": (event("user.mfa.factor.reset_all"), event("user.mfa.factor.activate")),
    "okta_network_zone_deactivated_or_deleted.yml": (event("zone.delete"), event("zone.update")),
    "okta_new_behaviours_admin_console.yml": (
        event("policy.evaluate_sign_on", target=[{"type": "AppInstance", "displayName": "Okta Admin Console"}],
              debug={"behaviors": "{New Device=POSITIVE, New IP=NEGATIVE}"}),
        event("policy.evaluate_sign_on", target=[{"type": "AppInstance", "displayName": "Okta Admin Console"}],
              debug={"behaviors": "{New Device=NEGATIVE, New IP=NEGATIVE}"})),
    "okta_password_health_report_query.yml": (
        event("system.report.view", debug={"requestUri": "/reports/password-health/async_csv_download_schedule"}),
        event("system.report.view", debug={"requestUri": "/reports/user-health/"})),
    "okta_password_in_alternateid_field.yml": (
        event("user.session.start", actor="Hunter2!Summer", result="FAILURE",
              legacy="core.user_auth.login_failed"),
        event("user.session.start", actor="alice@example.com", result="FAILURE",
              legacy="core.user_auth.login_failed")),
    "okta_policy_modified_or_deleted.yml": (event("policy.lifecycle.delete"), event("policy.lifecycle.create")),
    "okta_policy_rule_modified_or_deleted.yml": (event("policy.rule.update"), event("policy.rule.add")),
    "okta_security_threat_detected.yml": (event("security.threat.detected"), event("security.request.blocked")),
    "okta_session_impersonation_granted.yml": (
        event("user.session.impersonation.grant", actor="admin@example.com"),
        event("user.session.impersonation.grant", actor="system@okta.com")),
    "okta_suspicious_activity_enduser_report.yml": (
        event("user.account.report_suspicious_activity_by_enduser"), event("user.account.update_profile")),
    "okta_unauthorized_access_to_app.yml": (
        event("app.generic.unauth_app_access_attempt", display="User attempted unauthorized access to app"),
        event("user.authentication.sso", display="User single sign on to app")),
    "okta_user_account_locked_out.yml": (
        event("user.account.lock", display="Max sign in attempts exceeded"),
        event("user.account.unlock", display="Unlock user account")),
    "okta_user_created.yml": (event("user.lifecycle.create"), event("user.lifecycle.activate")),
    "okta_user_session_start_via_anonymised_proxy.yml": (
        event("user.session.start", proxy=True), event("user.session.start", proxy=False)),
}


def test_every_shared_rule_has_a_case_and_loads():
    files = sorted(p.name for p in SHARED_SIGMA.glob("*.yml"))
    assert files, f"no Sigma rules found in {SHARED_SIGMA}"
    assert sorted(CASES) == files
    pack = load_paths([SHARED_SIGMA])
    assert pack.errors == []
    assert len(pack.rules) == len(files)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fires_and_near_miss(name: str):
    pack = load_yaml((SHARED_SIGMA / name).read_text(), name)
    assert pack.errors == [] and len(pack.rules) == 1
    rule = pack.rules[0]
    hit, miss = CASES[name]
    predicate = rule.predicate()
    assert predicate(hit), rule.describe()
    assert not predicate(miss), rule.describe()
    # the SQL filter is a superset of the rule: it must also select the matching event
    from glasslog.query.matcher import matches

    assert matches(rule.filter, hit)


def test_legacy_lowercase_field_names():
    text = """
title: old style
logsource: {product: okta, service: okta}
detection:
    selection:
        eventtype: user.account.lock
        displaymessage|contains: sign in attempts
    condition: selection
level: low
"""
    rule = load_yaml(text, "legacy").rules[0]
    assert rule.predicate()(event("user.account.lock", display="Max sign in attempts exceeded"))
    assert not rule.predicate()(event("user.account.lock", display="Unlock"))


def test_modifiers_and_conditions():
    text = """
title: modifiers
logsource: {product: okta, service: okta}
detection:
    sel_a:
        client.userAgent.rawUserAgent|startswith: python-
        actor.alternateId|endswith: '@example.com'
    sel_b:
        debugContext.debugData.behaviors|contains|all: [New IP=POSITIVE, New Device=POSITIVE]
    sel_c:
        outcome.reason|re: '^INVALID_.*S$'
    filter:
        client.ipAddress: 10.*.1
    condition: (sel_a or all of sel_b) and 1 of sel_c and not filter
level: low
"""
    rule = load_yaml(text, "mods").rules[0]
    p = rule.predicate()
    base = event(ua="python-requests/2.31", reason="INVALID_CREDENTIALS", ip="203.0.113.1")
    assert p(base)
    assert not p(tweak(base, "client.ipAddress", "10.0.0.1"))  # inner wildcard filter hits
    assert not p(tweak(base, "outcome.reason", "UNKNOWN_USER"))
    both = event(debug={"behaviors": "{New IP=POSITIVE, New Device=POSITIVE}"}, reason="INVALID_CREDENTIALS")
    assert p(both)
    one = event(debug={"behaviors": "{New IP=POSITIVE, New Device=NEGATIVE}"}, reason="INVALID_CREDENTIALS")
    assert not p(one)


def test_unsupported_construct_is_reported():
    text = """
title: keywords
logsource: {product: okta, service: okta}
detection:
    keywords: [evil]
    condition: keywords
level: low
"""
    pack = load_yaml(text, "kw")
    assert pack.rules == [] and "keyword" in pack.errors[0]
    assert issubclass(UnsupportedSigma, ValueError)


def test_placeholder_values_from_config():
    path = Path(SHARED_SIGMA / "okta_session_impersonation_granted.yml")
    pack = load_yaml(path.read_text(), "p", placeholders={"legtimate_identifiers": ["@example.com"]})
    p = pack.rules[0].predicate()
    assert not p(event("user.session.impersonation.grant", actor="admin@example.com"))
    assert p(event("user.session.impersonation.grant", actor="evil@other.org"))
