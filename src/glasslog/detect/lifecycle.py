"""The attack lifecycle of the incident-response guide, stage by stage, with the guide's exact queries.

Each query is ordinary filter text: the console can run it with one click, and `lifecycle_counts` counts its
matches in a range through the store (the same compiler as every search)."""

from __future__ import annotations

from typing import Any

STAGES: tuple[dict[str, Any], ...] = (
    {"stage": "reconnaissance", "title": "Initial Reconnaissance", "queries": (
        ("Authentication attempts for unknown users (username enumeration)",
         'eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"'),
        ("Account lockouts", 'eventType eq "user.account.lock"'),
        ("Failed authentications: incorrect password",
         'eventType eq "user.session.start" and outcome.reason eq "INVALID_CREDENTIALS"'),
    )},
    {"stage": "initial_compromise", "title": "Initial Compromise", "queries": (
        ("Correct username and password entered",
         'eventType eq "user.session.start" and outcome.result eq "SUCCESS"'),
        ("Authentication events (MFA, rich client, ...)", 'eventType sw "user.authentication.auth"'),
        ("Failed OTP / MFA attempts",
         'eventType eq "user.authentication.auth_via_mfa" and outcome.result eq "FAILURE"'),
    )},
    {"stage": "foothold_escalation", "title": "Establish Foothold, Escalate Privileges", "queries": (
        ("Access to the Admin app", 'eventType eq "user.session.access_admin_app"'),
        ("Factor removed", 'eventType eq "user.mfa.factor.deactivate"'),
        ("Password reset by admin", 'eventType eq "user.account.reset_password"'),
        ("Password changed by user", 'eventType eq "user.account.update_password"'),
        ("Network zone changed", 'eventType eq "zone.update"'),
        ("Administrator privileges granted", 'eventType eq "user.account.privilege.grant"'),
        ("User added to group", 'eventType eq "group.user_membership.add"'),
    )},
    {"stage": "mission", "title": "Accomplish Mission", "queries": (
        ("Applications accessed by SSO", 'eventType eq "user.authentication.sso"'),
    )},
)


def lifecycle_counts(glog: Any, org: str, since: Any = None, until: Any = None) -> list[dict[str, Any]]:
    """Every stage with its queries and how many events each matches in [since, until)."""
    out = []
    for stage in STAGES:
        queries = []
        for title, text in stage["queries"]:
            q = glog.build_query(org, filter=text, since=since, until=until, limit=None)
            queries.append({"title": title, "filter": text, "count": glog.store.count(org, q)})
        out.append({"stage": stage["stage"], "title": stage["title"], "queries": queries,
                    "count": sum(q["count"] for q in queries)})
    return out
