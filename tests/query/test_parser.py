"""parse_filter: every operator, precedence, literals and escapes, names and aliases, error positions."""

from __future__ import annotations

import pytest

from glasslog.errors import FilterError
from glasslog.query import And, Compare, Not, Or, Present, parse_filter, to_filter_text

E = ("eventType",)


@pytest.mark.parametrize("op", ["eq", "ne", "gt", "ge", "lt", "le", "sw", "ew", "co"])
def test_every_value_operator(op: str) -> None:
    assert parse_filter(f'eventType {op} "x"') == Compare(E, op, "x")
    assert parse_filter(f'eventType {op.upper()} "x"') == Compare(E, op, "x")


def test_pr() -> None:
    assert parse_filter("transaction.detail.requestApiTokenId pr") == Present(
        ("transaction", "detail", "requestApiTokenId"))
    assert parse_filter("actor.id PR") == Present(("actor", "id"))


def test_and_binds_tighter_than_or() -> None:
    a, b, c = (Compare(E, "eq", v) for v in "abc")
    assert parse_filter('eventType eq "a" or eventType eq "b" and eventType eq "c"') == Or(a, And(b, c))
    assert parse_filter('eventType eq "a" and eventType eq "b" or eventType eq "c"') == Or(And(a, b), c)
    assert parse_filter('(eventType eq "a" or eventType eq "b") and eventType eq "c"') == And(Or(a, b), c)
    assert parse_filter('eventType eq "a" AND eventType eq "b" Or eventType eq "c"') == Or(And(a, b), c)


def test_not_applies_to_next_comparison_or_group() -> None:
    a, b = Compare(E, "eq", "a"), Compare(E, "eq", "b")
    assert parse_filter('not eventType eq "a" and eventType eq "b"') == And(Not(a), b)
    assert parse_filter('NOT (eventType eq "a" or eventType eq "b")') == Not(Or(a, b))
    assert parse_filter('not not eventType eq "a"') == Not(Not(a))


def test_literals() -> None:
    assert parse_filter("securityContext.isProxy eq true").value is True
    assert parse_filter("securityContext.isProxy eq FALSE").value is False
    assert parse_filter("outcome.reason eq null").value is None
    assert parse_filter("securityContext.asNumber eq 12345").value == 12345
    assert parse_filter("securityContext.asNumber gt -1.5e3").value == -1500.0
    assert parse_filter("authenticationContext.authenticationStep ge 0").value == 0


def test_json_escapes() -> None:
    node = parse_filter(r'displayMessage eq "a \"b\" \\ \/ \n\t \u00e9\ud83d\ude00"')
    assert node.value == 'a "b" \\ / \n\t \u00e9\U0001F600'


def test_names_are_canonicalised_and_aliases_accepted() -> None:
    assert parse_filter('client.IpAddress eq "1.2.3.4"').path == ("client", "ipAddress")
    assert parse_filter('event_type eq "x"').path == E
    assert parse_filter('display_message eq "x"').path == ("displayMessage",)
    assert parse_filter('authenticationContext.external_session_id eq "x"').path == (
        "authenticationContext", "externalSessionId")
    assert parse_filter('ACTOR.alternateid eq "x"').path == ("actor", "alternateId")
    assert parse_filter('target.0.DISPLAYNAME eq "x"').path == ("target", "0", "displayName")


def test_free_map_keys_are_kept_as_written() -> None:
    node = parse_filter('debugContext.debugData.SupportAction.reason.Type eq "x"')
    assert node.path == ("debugContext", "debugData", "supportAction", "reason", "Type")
    assert parse_filter('actor.detailEntry.methodTypeUsed eq "x"').path[-1] == "methodTypeUsed"


def test_unknown_top_level_attribute() -> None:
    with pytest.raises(FilterError) as info:
        parse_filter('eventType eq "a" and foo.bar eq "x"')
    assert info.value.code == "E0000053"
    assert "field is not valid: foo" in str(info.value)
    assert info.value.position == 21


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("eventType", 9, "expected an operator (eq, ne"),
        ('eventType equals "x"', 10, "expected an operator"),
        ("eventType eq", 12, "expected a value"),
        ("eventType eq user", 13, "expected a value"),
        ('(eventType eq "x"', 17, "expected ')'"),
        ('eventType eq "x")', 16, "expected 'and', 'or' or the end"),
        ('eventType eq "x" eventType eq "y"', 17, "expected 'and', 'or'"),
        ('eventType eq "x" and', 20, "expected an attribute"),
        ('eventType eq "abc', 13, "unterminated string"),
        ('eventType eq "a\\qb"', 15, "invalid escape"),
        ('eventType eq "x" # y', 17, "unexpected character '#'"),
        ("", 0, "empty filter"),
        ("and eq 1", 0, "expected an attribute"),
    ],
)
def test_syntax_errors_name_position_and_expectation(text: str, position: int, expected: str) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    assert info.value.code == "E0000053"
    assert info.value.position == position, str(info.value)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    "text",
    ['eventType sw 5', 'eventType co true', 'eventType gt null', 'securityContext.isProxy sw "t"',
     'securityContext.isProxy gt true'],
)
def test_unsupported_operator_for_value_or_field(text: str) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    assert info.value.code == "E0000031"


def test_text_round_trip() -> None:
    text = ('not (eventType sw "user.auth" or target.displayName co "A\\"pp") and '
            '(outcome.result eq "SUCCESS" or outcome.result eq "ALLOW") and securityContext.asNumber ge 12')
    node = parse_filter(text)
    assert parse_filter(to_filter_text(node)) == node


def test_hand_built_nodes() -> None:
    assert Compare("eventType", "EQ", "x") == Compare(("eventType",), "eq", "x")
    assert And([Present("actor.id")]) == And(Present(("actor", "id")))
    with pytest.raises(ValueError):
        Compare(E, "pr", None)
    with pytest.raises(ValueError):
        Compare(E, "like", "x")
