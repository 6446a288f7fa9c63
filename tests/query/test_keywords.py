"""`q` keyword search: parsing limits and whole-token matching (reference §4)."""

from __future__ import annotations

import duckdb
import orjson
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
    assert params == ["[xX][oO][xX][bB][wW]", "[lL][oO][gG][iI][nN]"] and sql.count("?") == 2
    sql, params = compile_keywords_prefilter(("1.50", "café"))  # left to the exact check
    assert params == [] and sql == "TRUE"


def test_prefilter_splits_keywords_where_json_may_escape() -> None:
    # `Python-urllib/2.7` may be stored as `Python-urllib\/2.7`: each side of the slash must still be there
    sql, params = compile_keywords_prefilter(("Python-urllib/2.7", 'say"hi'))
    assert len(params) == 4 and sql.count("?") == 4  # python-urllib, 2.7, say, hi
    con = duckdb.connect()
    stored = ['{"ua": "Python-urllib\\/2.7"}', '{"ua": "python-URLLIB/2.7", "m": "say \\"hi\\""}',
              '{"ua": "Python-urllib/3.1"}', '{"ua": "Python-urllib 2x7"}']
    assert _prefiltered(con, ("Python-urllib/2.7",), stored) == stored[:2]


def _prefiltered(con: duckdb.DuckDBPyConnection, keywords: tuple[str, ...], stored: list[str]) -> list[str]:
    sql, params = compile_keywords_prefilter(keywords)
    return [r for r in stored
            if con.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS raw)", [*params, r]).fetchall()[0][0]]


def test_prefilter_lets_through_every_exact_match_whatever_the_case() -> None:
    # Python lower-cases the Kelvin sign (U+212A) to an ASCII `k`: the exact check finds `key` in it, so the
    # prefilter must let it through too; the dotted capital I lower-cases to two characters and cannot.
    con = duckdb.connect()
    events = [{"v": "\u212aey"}, {"v": "KEY"}, {"v": "kEy"}, {"v": "keys"}, {"v": "\u0130stanbul"}, {"v": "ISTANBUL"}]
    for word, expected in (("key", 3), ("istanbul", 1)):
        exact = [orjson.dumps(e).decode() for e in events if matches_keywords((word,), e)]
        assert len(exact) == expected
        assert set(exact) <= set(_prefiltered(con, (word,), [orjson.dumps(e).decode() for e in events])), word
