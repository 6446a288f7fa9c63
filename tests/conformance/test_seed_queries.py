"""Every query of the incident-response guide (seed 001) and of the reference page runs as written and
returns the right events. Placeholders (`""`, `"session_id"`, an e-mail) are filled with values taken from the
sample data at run time, and, where useful, also with values of the generated events."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conformance.conftest import okta_sample_events
from tests.conformance.events import generated
from tests.conformance.helpers import by_matcher, found, generated_names

ORG = "acme"


def _first(events: list[dict[str, Any]], *path: str, event_type: str | None = None) -> str:
    """The first real value at `path`, preferring events of `event_type`."""
    preferred = [ev for ev in events if ev.get("eventType") == event_type]
    for ev in preferred + events:
        v: Any = ev
        for key in path:
            v = v.get(key) if isinstance(v, dict) else None
        if isinstance(v, str) and v and v != "null":
            return v
    raise AssertionError(f"no sample value for {'.'.join(path)}")


SAMPLES = okta_sample_events()
EVENTS = SAMPLES + generated()
SAMPLE_IP = _first(SAMPLES, "client", "ipAddress", event_type="user.session.start")
SAMPLE_SSO_IP = _first(SAMPLES, "client", "ipAddress", event_type="user.authentication.sso")
SAMPLE_SESSION = _first(SAMPLES, "authenticationContext", "externalSessionId")
SAMPLE_LOGIN = _first(SAMPLES, "actor", "alternateId", event_type="user.authentication.sso")
SAMPLE_CHAIN_IP = next(ev["request"]["ipChain"][0]["ip"] for ev in SAMPLES
                       if isinstance(ev.get("request"), dict) and ev["request"].get("ipChain"))

# (query, the generated events it must return — None where only the sample data can answer)
QUERIES: list[tuple[str, set[str] | None]] = [
    ('eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"', {"unknown-user", "unknown-user-lower"}),
    ('eventType eq "user.account.lock"', {"lock"}),
    ('eventType eq "user.session.start" and outcome.reason eq "INVALID_CREDENTIALS"', {"bad-password"}),
    ('eventType eq "user.session.start" and outcome.result eq "SUCCESS"',
     {"login-ok", "login-python", "new-device", "session-pivot-case"}),
    ('eventType sw "user.authentication.auth"', {"mfa-ok", "mfa-fail", "richclient"}),
    (f'authenticationContext.externalSessionId eq "{SAMPLE_SESSION}"', set()),
    ('authenticationContext.externalSessionId eq "idxGenSession-AAA"', None),
    ('eventType eq "user.session.access_admin_app"', {"admin-app"}),
    ('eventType eq "user.mfa.factor.deactivate"', {"factor-off"}),
    ('eventType eq "user.account.reset_password"', {"reset"}),
    ('eventType eq "user.account.update_password"', {"update-pw"}),
    ('eventType eq "zone.update"', {"zone"}),
    ('eventType eq "user.account.privilege.grant"', {"grant-super", "grant-readonly"}),
    ('eventType eq "group.user_membership.add"', {"group-add"}),
    ('eventType eq "user.session.start"',
     {"unknown-user", "unknown-user-lower", "bad-password", "login-ok", "login-python", "new-device",
      "session-pivot-case"}),
    (f'eventType eq "user.session.start" and client.ipAddress eq "{SAMPLE_IP}"', set()),
    ('eventType eq "user.session.start" and client.ipAddress eq "198.51.100.66"', {"login-python"}),
    (f'eventType eq "user.authentication.sso" and client.ipAddress eq "{SAMPLE_SSO_IP}"', set()),
    ('eventType eq "user.authentication.sso" and client.ipAddress eq "198.51.100.66"', {"sso-other"}),
    ('client.userAgent.rawUserAgent eq "Python-urllib/2.7"', {"login-python"}),
    ('eventType eq "user.authentication.auth_via_mfa" and outcome.result eq "FAILURE"', {"mfa-fail"}),
    ('eventType eq "user.session.start" and outcome.result eq "SUCCESS"', None),
    (f'actor.alternateId eq "{SAMPLE_LOGIN}"', set()),
    ('actor.alternateId eq "nobody@example.org"', {"unknown-user"}),
    ('actor.displayName eq "John Smith"', set()),
    ('eventType eq "user.session.access_admin_app"', None),
    (f'eventType eq "user.authentication.sso" and actor.alternateId eq "{SAMPLE_LOGIN}"', set()),
    ('eventType eq "user.authentication.sso" and actor.alternateId eq "ada@example.org"',
     {"sso-app", "sso-other", "session-pivot"}),
    (f'client.IpAddress eq "{SAMPLE_IP}"', set()),
    ('client.IpAddress eq "198.51.100.66"', {"login-python", "sso-other"}),
    (f'request.ipChain.ip eq "{SAMPLE_CHAIN_IP}"', set()),
    ('request.ipChain.ip eq "203.0.113.254"', {"login-python"}),
    ('request.ipChain.geographicalContext.country eq "United States"', {"login-python"}),
    ('target.displayName eq "App Name" and eventType eq "user.authentication.sso"', {"sso-app", "session-pivot"}),
    ('eventType eq "user.account.privilege.grant" and debugContext.debugData.privilegeGranted eq '
     '"Super administrator"', {"grant-super"}),
    # the reference page
    ('transaction.detail.requestApiTokenId pr and (outcome.result eq "SUCCESS" or outcome.result eq "ALLOW")',
     {"token-ok", "token-allow"}),
    ('debugContext.debugData.behaviors co "New Device=POSITIVE"', {"new-device"}),
    ('authenticationContext.externalSessionId eq "102bZDNFfWaQSyEZQuDgWt-uQ"', {"session-pivot"}),
]


@pytest.fixture(scope="module")
def acme(log: Any) -> Any:
    result = log.ingest(EVENTS, org=ORG)
    assert not result.rejected, result.rejected
    return log


@pytest.mark.parametrize(("query", "generated_expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_query(acme: Any, query: str, generated_expected: set[str] | None) -> None:
    got = found(acme, ORG, filter=query)
    assert got == by_matcher(EVENTS, filter=query)
    if generated_expected is not None:
        assert generated_names(got) == generated_expected


def test_sample_placeholders_find_sample_events(acme: Any) -> None:
    """The placeholders filled from the data select real sample events (the queries are not vacuous)."""
    for query in (f'authenticationContext.externalSessionId eq "{SAMPLE_SESSION}"',
                  f'client.ipAddress eq "{SAMPLE_IP}"', f'actor.alternateId eq "{SAMPLE_LOGIN}"',
                  f'request.ipChain.ip eq "{SAMPLE_CHAIN_IP}"'):
        assert found(acme, ORG, filter=query), query


def test_every_sample_event_is_found_by_its_own_uuid_and_type(acme: Any) -> None:
    for ev in SAMPLES:
        got = found(acme, ORG, filter=f'uuid eq "{ev["uuid"]}" and eventType eq "{ev["eventType"]}"')
        assert got == {ev["uuid"]}
