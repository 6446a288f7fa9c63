"""Property: for random filters over random (odd) events, the ClickHouse store's SQL path (chdb) and the
Python matcher select exactly the same events. The strategies are the DuckDB property's own
(tests/query/test_sql_agrees_with_matcher.py), so both printers are held to one definition."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.query.test_sql_agrees_with_matcher import EVENT, FILTERS, WIDE, _valid

from glasslog.query import Node, compile_filter, matches
from glasslog.store.base import SearchQuery
from glasslog.store.clickhouse import ClickHouseStore, open_clickhouse

_orgs = itertools.count()
EXAMPLES = int(os.environ.get("GLASSLOG_PROPERTY_EXAMPLES", "200"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseStore]:
    s = open_clickhouse(f"chdb://{tmp_path_factory.mktemp('agree-ch')}")
    yield s
    s.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(events=st.lists(EVENT, min_size=1, max_size=25), filters=st.lists(FILTERS, min_size=1, max_size=4))
def test_clickhouse_sql_and_matcher_select_the_same_events(store: ClickHouseStore, events: list[dict[str, Any]],
                                                           filters: list[Node]) -> None:
    org = f"org{next(_orgs)}"
    valid = _valid(events)
    store.ingest(org, valid)
    for node in filters:
        page = store.search(org, SearchQuery(filter=node, since=WIDE[0], until=WIDE[1], limit=None))
        got = {e.uuid for e in page.events}
        expected = {v.uuid for v in valid if matches(node, v.obj)}
        assert got == expected, (str(node), compile_filter(node, "clickhouse"),
                                 [v.obj for v in valid if (v.uuid in got) != (v.uuid in expected)])


@pytest.mark.parametrize("value", [5.0, -5.0, 0.0, -0.0, 1e20, 2.5, 5, -7, 1e-7, 1e21])
def test_a_number_is_compared_as_the_same_text_on_clickhouse(store: ClickHouseStore, value: float) -> None:
    """ClickHouse writes an extracted integral double without its fraction (5.0 as `5`); the matcher's text is
    `5.0`. Found by the property above (`request: 5.0`, `request eq "5"`)."""
    from glasslog.events.validate import validate_event
    from glasslog.query.coercion import json_text
    from glasslog.query.parser import parse_filter

    org = f"org{next(_orgs)}"
    event = {"uuid": f"n-{org}", "published": "2024-01-01T00:00:00Z", "eventType": "x", "request": value}
    store.ingest(org, [validate_event(event)])
    text = json_text(value)
    for literal in sorted({text, text.removesuffix(".0"), f"{text}.0"}):
        node = parse_filter(f'request eq "{literal}"')
        got = [e.uuid for e in store.search(org, SearchQuery(filter=node, since=WIDE[0], until=WIDE[1],
                                                             limit=None)).events]
        assert got == ([event["uuid"]] if matches(node, event) else []), (value, literal)
