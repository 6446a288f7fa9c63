"""`q` keyword search: parsing limits and whole-token matching (reference §4)."""

from __future__ import annotations

import pytest

from glasslog.errors import GlasslogError
from glasslog.query import compile_keywords_prefilter, event_tokens, matches_keywords, parse_keywords

EV = {
    "uuid": "u-1",
    "eventType": "user.session.start",
    "displayMessage": "User login to Okta",
    "authenticationContext": {"externalSessionId": "XOxBw-2JIRnCFd0gG0GjHAAABjY"},
    "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (Macintosh)"}, "zone": None},
    "securityContext": {"asNumber": 64496, "isProxy": False},
}


def test_parse_keywords() -> None:
    assert parse_keywords("  a  B\tc ") == ("a", "B", "c")
    assert parse_keywords("") == ()
    assert len(parse_keywords(" ".join("k" * 40 for _ in range(10)))) == 10


@pytest.mark.parametrize("q", [" ".join(str(i) for i in range(11)), "x" * 41])
def test_limits(q: str) -> None:
    with pytest.raises(GlasslogError) as info:
        parse_keywords(q)
    assert info.value.code == "E0000001"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("XOxBw", True), ("2jirncfd0gg0gjhaaabjy", True), ("xoxbw-2JIRnCFd0gG0GjHAAABjY", True),
        ("XOx", False),  # not a whole token
        ("login", True), ("LOGIN okta", True), ("login nope", False),
        ("user.session.start", True), ("session", False),
        ("displayMessage", False),  # keys are not values
        ("64496", True), ("false", True), ("null", False),
        ("Mozilla/5.0", True), ("(Macintosh)", True),
    ],
)
def test_whole_token_matching(q: str, expected: bool) -> None:
    assert matches_keywords(parse_keywords(q), EV) is expected


def test_event_tokens() -> None:
    tokens = event_tokens(EV)
    assert {"user login to okta", "user", "login", "xoxbw", "2jirncfd0gg0gjhaaabjy"} <= tokens
    assert "displaymessage" not in tokens


def test_prefilter_is_a_case_insensitive_substring_test() -> None:
    sql, params = compile_keywords_prefilter(("XOxBw", "Login"))
    assert params == ["xoxbw", "login"] and sql.count("?") == 2
    sql, params = compile_keywords_prefilter(('a"b', "1.50"))  # left to the exact check
    assert params == [] and sql == "TRUE"
