"""A hot column holds an attribute's text as `json_extract_string` gives it, which is what the matcher compares
(coercion.json_text). DuckDB's `json_transform`, which derives the columns at ingest, writes a double with an
exponent differently (1e+20 for 100000000000000000000.0, 1.5e-06 for 0.0000015): such rows must still agree."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from glasslog.events.validate import validate_event
from glasslog.query import matches
from glasslog.query.coercion import json_text
from glasslog.query.parser import parse_filter
from glasslog.store.base import SearchQuery
from glasslog.store.duckdb_store import DuckDBStore

VALUES = [1e20, 1e21, 1.5e-6, 1e-6, 1e-7, 2.5e-12, -3e17, 5.0, 0.25, 12, "1e-06", "1e+20", "2e-3x"]
FIELDS = ["severity", "displayMessage", "actor.id", "client.ipAddress", "securityContext.asNumber"]


def _event(i: int, field: str, value: object) -> dict:
    ev: dict = {"uuid": f"d{i}", "published": "2024-05-01T00:00:00Z", "eventType": "t"}
    node = ev
    *parents, leaf = field.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return ev


def _open(backend: str, path: Path):  # noqa: ANN202
    if backend == "duckdb":
        return DuckDBStore(path)
    from glasslog.store.clickhouse import open_clickhouse

    return open_clickhouse(f"chdb://{path}")


@pytest.mark.parametrize("backend", ["duckdb", "clickhouse"])
@pytest.mark.parametrize("field", FIELDS)
def test_doubles_in_hot_columns_compare_as_the_matcher_sees_them(tmp_path: Path, field: str, backend: str) -> None:
    events = [_event(i, field, v) for i, v in enumerate(VALUES)]
    store = _open(backend, tmp_path)
    try:
        store.ingest("o", [validate_event(e) for e in events])
        texts = {json_text(v) if not isinstance(v, str) else v for v in VALUES}
        texts |= {"1e-06", "1e+20", "1.5e-06"}
        for text in sorted(texts):
            for op in ("eq", "sw", "co"):
                node = parse_filter(f'{field} {op} "{text}"')
                q = SearchQuery(filter=node, since=datetime(2024, 1, 1, tzinfo=UTC),
                                until=datetime(2025, 1, 1, tzinfo=UTC), limit=None)
                got = sorted(e.uuid for e in store.search("o", q).events)
                assert got == sorted(e["uuid"] for e in events if matches(node, e)), (field, op, text)
    finally:
        store.close()
