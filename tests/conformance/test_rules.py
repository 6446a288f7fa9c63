"""The filter and q rules of reference §3/§4, on small hand-made events, with hand-stated answers (and the
Python matcher's answer, which must agree)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conformance.events import APP, APPUSER, GROUP, USER, gen
from tests.conformance.helpers import SINCE, by_matcher, found, generated_names, until

from glasslog.errors import FilterError, GlasslogError

ORG = "rules"
EVENTS = [
    gen("both", 1, target=[APP, APPUSER]),
    gen("app-only", 2, target=[APP]),
    gen("user-group", 3, target=[USER, GROUP]),
    gen("no-target", 4, target=None),
    gen("empty-target", 5, target=[]),
    gen("quoted", 6, displayMessage='He said "hi" \\ there\u00e9', outcome={"reason": ""}),
    gen("odd", 7, version=0, client={"zone": "NULL", "ipAddress": "null"}, securityContext={"isProxy": "true"},
        outcome={"result": "success", "reason": None}),
    gen("proxy", 8, securityContext={"isProxy": True, "asNumber": 64496}, debugContext={"debugData": {}}),
    gen("hyphen", 9, authenticationContext={"externalSessionId": "XOxBw-2JIRnCFd0gG0GjHAAABjY"},
        displayMessage="Verify user identity"),
]

CASES: list[tuple[str, set[str]]] = [
    # arrays: any element; each predicate on its own; ne = no element equals
    ('target.type eq "AppUser"', {"both"}),
    ('target.id eq "0oaBOX" and target.id eq "0uaADA"', {"both"}),
    ('target.type eq "AppInstance" and target.displayName eq "Ada Lovelace"', {"both"}),
    ('target.type ne "User"', {"both", "app-only", "no-target", "empty-target", "quoted", "odd", "proxy",
                              "hyphen"}),
    ('target.0.type eq "User"', {"user-group"}),
    ('target.1.displayName eq "admins"', {"user-group"}),
    ("target pr", {"both", "app-only", "user-group"}),
    # case: values case-insensitive, ids exact, names canonicalised
    ('OUTCOME.RESULT EQ "Success"', {e["uuid"][4:] for e in EVENTS}),
    ('authenticationContext.externalSessionId eq "xoxbw-2jirncfd0gg0gjhaaabjy"', set()),
    ('authenticationContext.external_session_id eq "XOxBw-2JIRnCFd0gG0GjHAAABjY"', {"hyphen"}),
    ('target.id eq "0OABOX"', set()),
    ('target.alternateId eq "BOX"', {"both", "app-only"}),
    # ne / pr / null
    ('outcome.reason ne "x"', {e["uuid"][4:] for e in EVENTS}),
    ("outcome.reason pr", set()),
    ("outcome.reason eq null", {e["uuid"][4:] for e in EVENTS} - {"quoted"}),  # "" is a value, not null
    ('client.zone eq "null"', {e["uuid"][4:] for e in EVENTS}),
    ("debugContext.debugData pr", {e["uuid"][4:] for e in EVENTS if e["uuid"] != "gen-proxy"}),
    # booleans and numbers
    ("securityContext.isProxy eq true", {"odd", "proxy"}),
    ('securityContext.isProxy eq "true"', {"odd", "proxy"}),
    ("securityContext.asNumber gt 1000", {"proxy"}),
    ("version eq 0", {e["uuid"][4:] for e in EVENTS}),
    # precedence and not
    ('eventType eq "x" and target.type eq "User" or target.type eq "AppUser"', {"both"}),
    ('eventType eq "x" and (target.type eq "User" or target.type eq "AppUser")', set()),
    ('not (target.type eq "User" or target.type eq "AppUser") and target pr', {"app-only"}),
    ('not target pr and not displayMessage co "login"', {"quoted", "hyphen"}),
    # escapes
    ('displayMessage eq "He said \\"hi\\" \\\\ there\\u00e9"', {"quoted"}),
    ('displayMessage co "\\"HI\\""', {"quoted"}),
    # time
    ('published ge "2024-08-13T18:05:00+02:00" and published lt "2024-08-13T16:07:00Z"',
     {"empty-target", "quoted"}),
]


@pytest.fixture(scope="module")
def rules_log(log: Any) -> Any:
    result = log.ingest(EVENTS, org=ORG)
    assert not result.rejected
    return log


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_filter_rule(rules_log: Any, query: str, expected: set[str]) -> None:
    got = found(rules_log, ORG, filter=query)
    assert generated_names(got) == expected
    assert got == by_matcher(EVENTS, filter=query)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("XOxBw", {"hyphen"}), ("2jirncfd0gg0gjhaaabjy", {"hyphen"}), ("XOxBw-2JIRnCFd0gG0GjHAAABjY", {"hyphen"}),
        ("XOxB", set()), ("identity VERIFY", {"hyphen"}), ("identity nothere", set()),
        ("app name", {"both", "app-only"}), ('"hi"', {"quoted"}), ("targets", set()),
    ],
)
def test_q_tokens(rules_log: Any, q: str, expected: set[str]) -> None:
    got = found(rules_log, ORG, q=q)
    assert generated_names(got) == expected
    assert got == by_matcher(EVENTS, q=q)


def test_q_and_filter_combine(rules_log: Any) -> None:
    got = found(rules_log, ORG, filter='target.type eq "AppUser"', q="app name")
    assert generated_names(got) == {"both"}


def test_errors(rules_log: Any) -> None:
    with pytest.raises(FilterError) as info:
        found(rules_log, ORG, filter='nosuch.thing eq "x"')
    assert info.value.code == "E0000053" and "field is not valid: nosuch" in str(info.value)
    with pytest.raises(FilterError) as info:
        found(rules_log, ORG, filter='eventType eq "x" and')
    assert info.value.code == "E0000053"
    with pytest.raises(GlasslogError) as err:
        rules_log.search(org=ORG, q="x" * 41, since=SINCE, until=until())
    assert err.value.code == "E0000001"
