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
