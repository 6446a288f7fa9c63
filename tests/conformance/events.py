"""Generated LogEvents for the conformance suite: each named, so expectations can be stated by hand."""

from __future__ import annotations

import copy
from typing import Any

BASE: dict[str, Any] = {
    "published": "2024-08-13T15:58:20.353Z",
    "eventType": "user.session.start",
    "version": "0",
    "severity": "INFO",
    "displayMessage": "User login to Okta",
    "actor": {"id": "00uGEN1", "type": "User", "alternateId": "ada@example.org", "displayName": "Ada Lovelace"},
    "client": {"ipAddress": "192.0.2.10", "zone": "null",
               "userAgent": {"rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64)"},
               "geographicalContext": {"country": "United Kingdom", "city": "London"}},
    "outcome": {"result": "SUCCESS", "reason": None},
    "authenticationContext": {"externalSessionId": "idxGenSession-AAA"},
    "securityContext": {"isProxy": False},
    "request": {"ipChain": [{"ip": "192.0.2.10", "geographicalContext": {"country": "United Kingdom"}}]},
    "debugContext": {"debugData": {"requestId": "ReqGen1", "threatSuspected": "false"}},
    "target": None,
}


def _merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict) and value:
            _merge(into[key], value)
        else:
            into[key] = value


def gen(name: str, minute: int, **changes: Any) -> dict[str, Any]:
    """A well-formed event `gen-<name>`; `changes` are deep-merged (an empty dict replaces)."""
    ev = copy.deepcopy(BASE)
    _merge(ev, changes)
    ev["uuid"] = f"gen-{name}"
    ev["published"] = f"2024-08-13T16:{minute:02d}:00.000Z"
    return ev


APP = {"id": "0oaBOX", "type": "AppInstance", "alternateId": "Box", "displayName": "App Name"}
APPUSER = {"id": "0uaADA", "type": "AppUser", "alternateId": "ada@example.org", "displayName": "Ada Lovelace"}
USER = {"id": "00uGEN2", "type": "User", "alternateId": "bob@example.org", "displayName": "Bob Builder"}
GROUP = {"id": "00gADM", "type": "UserGroup", "alternateId": "unknown", "displayName": "Admins"}


def generated() -> list[dict[str, Any]]:
    """One event per scenario of the incident-response guide, plus near misses."""
    return [
        gen("unknown-user", 1, outcome={"result": "FAILURE", "reason": "UNKNOWN_USER"},
            actor={"alternateId": "nobody@example.org", "id": "unknown"}),
        gen("unknown-user-lower", 2, outcome={"result": "FAILURE", "reason": "unknown_user"}),
        gen("bad-password", 3, outcome={"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}),
        gen("lock", 4, eventType="user.account.lock", outcome={"result": "SUCCESS", "reason": "LOCKED_OUT"}),
        gen("login-ok", 5),
        gen("login-python", 6, client={"ipAddress": "198.51.100.66",
                                       "userAgent": {"rawUserAgent": "Python-urllib/2.7"}},
            request={"ipChain": [{"ip": "198.51.100.66", "geographicalContext": {"country": "United States"}},
                                 {"ip": "203.0.113.254", "geographicalContext": {"country": "Germany"}}]}),
        gen("mfa-ok", 7, eventType="user.authentication.auth_via_mfa"),
        gen("mfa-fail", 8, eventType="user.authentication.auth_via_mfa",
            outcome={"result": "FAILURE", "reason": "VERIFICATION_ERROR"}),
        gen("richclient", 9, eventType="user.authentication.auth_via_richclient"),
        gen("not-auth", 10, eventType="user.authentication.sso_x", displayMessage="User single sign on"),
        gen("admin-app", 11, eventType="user.session.access_admin_app"),
        gen("factor-off", 12, eventType="user.mfa.factor.deactivate", target=[USER]),
        gen("reset", 13, eventType="user.account.reset_password", target=[USER]),
        gen("update-pw", 14, eventType="user.account.update_password", target=[USER]),
        gen("zone", 15, eventType="zone.update", target=[{"id": "nzoX", "type": "Zone", "displayName": "Corp"}]),
        gen("grant-super", 16, eventType="user.account.privilege.grant", target=[USER],
            debugContext={"debugData": {"privilegeGranted": "Super administrator"}}),
        gen("grant-readonly", 17, eventType="user.account.privilege.grant", target=[USER],
            debugContext={"debugData": {"privilegeGranted": "Read-only administrator"}}),
        gen("group-add", 18, eventType="group.user_membership.add", target=[USER, GROUP]),
        gen("sso-app", 19, eventType="user.authentication.sso", target=[APP, APPUSER]),
        gen("sso-other", 20, eventType="user.authentication.sso", client={"ipAddress": "198.51.100.66"},
            target=[{**APP, "displayName": "Other App"}, APPUSER]),
        gen("token-ok", 21, eventType="user.lifecycle.create", transaction={"type": "WEB", "id": "T1",
                                                                             "detail": {"requestApiTokenId": "00T1"}}),
        gen("token-allow", 22, eventType="policy.evaluate_sign_on", outcome={"result": "ALLOW"},
            transaction={"detail": {"requestApiTokenId": "00T2"}}),
        gen("token-empty", 23, eventType="user.lifecycle.create", transaction={"detail": {"requestApiTokenId": ""}}),
        gen("new-device", 24, debugContext={"debugData": {
            "behaviors": "{New Geo-Location=NEGATIVE, New Device=POSITIVE, New IP=NEGATIVE}"}}),
        gen("session-pivot", 25, eventType="user.authentication.sso", target=[APP],
            authenticationContext={"externalSessionId": "102bZDNFfWaQSyEZQuDgWt-uQ"}),
        gen("session-pivot-case", 26, authenticationContext={"externalSessionId": "102BZDNFFWAQSYEZQUDGWT-UQ"}),
    ]
