"""The matcher's idea of an attribute's text and of an instant equals DuckDB's (the hot columns and the SQL
path read values through DuckDB)."""

from __future__ import annotations

import duckdb
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasslog.query import value_expression
from glasslog.query.coercion import RFC3339_PATTERN, instant_us, value_text

CON = duckdb.connect()

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_value_text_is_json_extract_string(value: object) -> None:
    doc = orjson.dumps({"a": value}, option=orjson.OPT_PASSTHROUGH_SUBCLASS) if not _big(value) else None
    if doc is None:
        return
    got = CON.execute("SELECT json_extract_string(?, '$.a')", [doc.decode()]).fetchone()[0]
    assert got == value_text(value)


def _big(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) <= value < 2**64  # orjson cannot write these
    if isinstance(value, list):
        return any(_big(v) for v in value)
    if isinstance(value, dict):
        return any(_big(v) for v in value.values())
    return False


@pytest.mark.parametrize("text", [
    "2024-08-13T15:58:20.353Z", "2024-08-13t15:58:20z", "2024-08-13 15:58:20.5-01:30",
    "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "2024-02-30T00:00:00Z", "2024-08-13T24:00:00Z",
    "0000-01-01T00:00:00Z", "2024-08-13T15:58:60Z", "2024-08-13T15:58:20.1234567Z", "2024-08-13", "x",
])
def test_instants_agree_with_duckdb(text: str) -> None:
    sql = ("SELECT CASE WHEN regexp_full_match(?, ?) THEN epoch_us(TRY_CAST(upper(?) AS TIMESTAMPTZ)) END")
    assert CON.execute(sql, [text, RFC3339_PATTERN, text]).fetchone()[0] == instant_us(text)


def test_value_expression() -> None:
    assert value_expression("eventType") == ("json_extract_string(\"raw\", '/eventType')", False)
    assert value_expression("actor.id") == ('"actor_id"', False)
    sql, is_list = value_expression("target.displayName")
    assert is_list and "list_transform" in sql
    row = CON.execute(f"SELECT {sql} FROM (SELECT ? AS raw)",
                      ['{"target":[{"displayName":"Box"},{"x":1}]}']).fetchone()
    assert row[0] == ["Box", None]
