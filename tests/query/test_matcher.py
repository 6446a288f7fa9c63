"""The Python matcher, rule by rule (reference §3 and the glasslog decisions)."""

from __future__ import annotations

from typing import Any

import pytest

from glasslog.query import matches, parse_filter


def m(text: str, event: dict[str, Any]) -> bool:
    return matches(parse_filter(text), event)


EV: dict[str, Any] = {
    "uuid": "Abc-1",
    "published": "2024-08-13T15:58:20.353Z",
    "eventType": "user.session.start",
    "version": 0,
    "displayMessage": "User login to Okta",
    "actor": {"id": "00uABC", "type": "User", "alternateId": "John@Example.com", "displayName": "John Smith"},
    "client": {"zone": "null", "ipAddress": "203.0.113.9", "userAgent": {"rawUserAgent": "Python-urllib/2.7"}},
    "outcome": {"result": "SUCCESS", "reason": None},
    "target": [
        {"id": "0oaA", "type": "AppInstance", "displayName": "Box"},
        {"id": "0uaB", "type": "AppUser", "displayName": "John Smith"},
    ],
    "authenticationContext": {"externalSessionId": "102bZDNFfWaQSyEZQuDgWt-uQ"},
    "securityContext": {"isProxy": False, "asNumber": 64496},
    "debugContext": {"debugData": {"threatSuspected": "false", "PrivilegeGranted": "Super administrator",
                                   "behaviors": "{New Device=POSITIVE, New IP=NEGATIVE}",
                                   "when": "2024-08-13T17:58:20+02:00", "list": [], "obj": {}}},
    "request": {"ipChain": [{"ip": "203.0.113.9", "geographicalContext": {"country": "United States"}},
                            {"ip": "198.51.100.1"}]},
}


def test_case_insensitive_strings_exact_ids() -> None:
    assert m('eventType eq "USER.SESSION.START"', EV)
    assert m('actor.alternateId eq "john@example.com"', EV)  # alternateId is not an id
    assert m('actor.id eq "00uABC"', EV)
    assert not m('actor.id eq "00uabc"', EV)
    assert m('uuid eq "Abc-1"', EV) and not m('uuid eq "abc-1"', EV)
    assert not m('authenticationContext.externalSessionId eq "102bzdnffwaqsyezqudgwt-uq"', EV)
    assert m('authenticationContext.externalSessionId sw "102bZ"', EV)
    assert not m('authenticationContext.externalSessionId sw "102BZ"', EV)


def test_sw_ew_co_ordering() -> None:
    assert m('eventType sw "User.Session"', EV)
    assert m('eventType ew ".START"', EV)
    assert m('displayMessage co "LOGIN"', EV)
    assert m('debugContext.debugData.behaviors co "New Device=POSITIVE"', EV)
    assert m('actor.displayName gt "john a"', EV) and not m('actor.displayName lt "JOHN A"', EV)
    assert m('actor.displayName ge "john smith"', EV) and m('actor.displayName le "JOHN SMITH"', EV)


def test_missing_attribute() -> None:
    for op in ("gt", "ge", "lt", "le", "sw", "ew", "co", "eq"):
        assert not m(f'legacyEventType {op} "x"', EV)
    assert m('legacyEventType ne "x"', EV)  # ne = not eq: true on missing
    assert m('outcome.reason ne "x"', EV)  # and on null
    assert m("outcome.reason eq null", EV) and m("legacyEventType eq null", EV)
    assert m("outcome.result ne null", EV) and not m("outcome.result eq null", EV)


def test_pr() -> None:
    assert m("actor.id pr", EV)
    assert not m("outcome.reason pr", EV)  # null
    assert not m("legacyEventType pr", EV)  # missing
    assert not m("debugContext.debugData.list pr", EV)  # []
    assert not m("debugContext.debugData.obj pr", EV)  # {}
    assert not m("device pr", {**EV, "device": {}})
    assert not m("displayMessage pr", {**EV, "displayMessage": ""})
    assert m("client.zone pr", EV)  # the string "null" is a value
    assert m('client.zone eq "NULL"', EV)


def test_arrays_any_element_each_predicate_on_its_own() -> None:
    assert m('target.type eq "AppUser"', EV)
    assert m('target.id eq "0oaA" and target.id eq "0uaB"', EV)
    assert m('target.type eq "AppInstance" and target.displayName eq "John Smith"', EV)
    assert not m('target.type ne "AppUser"', EV)  # ne on arrays: no element equals
    assert m('target.type ne "User"', EV)
    assert m('request.ipChain.ip eq "198.51.100.1"', EV)
    assert m('request.ipChain.geographicalContext.country eq "united states"', EV)
    assert m('target.type ne "User"', {**EV, "target": None})
    assert not m('target.type eq "User"', {**EV, "target": {"type": "User"}})  # not an array: no elements


def test_positions() -> None:
    assert m('target.0.displayName eq "Box"', EV)
    assert not m('target.1.displayName eq "Box"', EV)
    assert m('target.1.type eq "appuser"', EV)
    assert not m("target.5.type pr", EV)
    assert m('request.ipChain.1.ip eq "198.51.100.1"', EV)


def test_not_and_precedence() -> None:
    assert m('not eventType eq "x"', EV)
    assert not m('not (eventType eq "x" or actor.type eq "user")', EV)
    assert m('eventType eq "x" and actor.type eq "nope" or actor.type eq "user"', EV)
    assert not m('eventType eq "x" and (actor.type eq "nope" or actor.type eq "user")', EV)


def test_booleans_match_true_and_string_true() -> None:
    assert m("securityContext.isProxy eq false", EV)
    assert m('securityContext.isProxy eq "false"', EV)
    assert m("debugContext.debugData.threatSuspected eq false", EV)
    assert m('debugContext.debugData.threatSuspected eq "FALSE"', EV)
    assert not m("securityContext.isProxy eq true", EV)
    assert m("securityContext.isProxy ne true", EV)


def test_numbers_compare_numerically() -> None:
    assert m("securityContext.asNumber gt 9999", EV)  # 64496 > 9999 (a string compare would say no)
    assert m("securityContext.asNumber eq 64496.0", EV)
    assert m('securityContext.asNumber eq "64496"', EV)
    assert m("version eq 0", EV) and m('version eq "0"', EV)
    assert m("version eq 0", {**EV, "version": "0"})
    assert not m("securityContext.asNumber gt 9999", {**EV, "securityContext": {"asNumber": "AS64496"}})


def test_timestamps_compare_as_instants() -> None:
    assert m('published gt "2024-08-13T17:00:00+02:00"', EV)  # 15:00Z
    assert m('published eq "2024-08-13T17:58:20.353+02:00"', EV)
    assert m('published lt "2024-08-13T15:58:20.354Z"', EV)
    # any RFC 3339 value compared with an RFC 3339 literal
    assert m('debugContext.debugData.when eq "2024-08-13T15:58:20Z"', EV)
    assert m('debugContext.debugData.when lt "2024-08-13T15:58:21Z"', EV)
    # a literal that is not an instant compares as a string
    assert m('published sw "2024-08-13T15"', EV)
    assert m('published gt "2024-08"', EV)


def test_free_map_keys_exact_first_then_case_insensitive() -> None:
    assert m('debugContext.debugData.privilegeGranted eq "Super administrator"', EV) is False  # a known
    # key: looked up by its canonical spelling only ("privilegeGranted"), the event spells it differently
    assert m('debugContext.debugData.behaviors co "new ip"', EV)
    ev = {**EV, "debugContext": {"debugData": {"Foo": {"BAR": "x"}, "foo": {"bar": "y"}}}}
    assert m('debugContext.debugData.foo.bar eq "y"', ev)  # exact key wins
    assert m('debugContext.debugData.FOO.Bar eq "x"', ev)  # first case-insensitive match
    assert m('actor.detailEntry.METHOD eq "push"', {**EV, "actor": {"detailEntry": {"method": "PUSH"}}})


def test_hot_attribute_coercion() -> None:
    ev = {**EV, "outcome": {"result": {"a": 1}, "reason": ["x"]}, "severity": 5}
    assert m('outcome.result eq "{\\"a\\":1}"', ev)  # objects compare as their JSON text
    assert m("severity eq 5", ev) and m('severity eq "5"', ev)
    assert not m("outcome.result pr", {**EV, "outcome": {"result": {}}})
    assert not m("outcome.reason pr", {**EV, "outcome": {"reason": "[]"}})  # the column's text is "[]"


def test_odd_events_never_raise() -> None:
    for ev in ({}, {"target": "x"}, {"actor": [1, 2]}, {"request": {"ipChain": [None, 3, "x"]}},
               {"debugContext": None}, {"client": {"userAgent": "ua"}}):
        for text in ('target.type eq "x"', 'actor.id ne "x"', "request.ipChain.ip pr",
                     'debugContext.debugData.a.b co "x"', 'client.userAgent.rawUserAgent sw "u"',
                     "target.0.id pr", "published gt \"2020-01-01T00:00:00Z\""):
            m(text, ev)


@pytest.mark.parametrize("text", ["eventType eq \"x\"", "target.type ne \"y\""])
def test_compiled_predicates_are_cached(text: str) -> None:
    node = parse_filter(text)
    assert matches(node, EV) == matches(node, EV)
