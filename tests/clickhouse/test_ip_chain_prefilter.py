"""The ClickHouse store (chdb) against the DuckDB test's odd ipChain events and filters
(tests/query/test_ip_chain_prefilter.py): the same prefilter on `ip_chain_ips`, the same answers as the matcher,
and the joined column is the reference text of the list whichever ingest path filled it."""

from __future__ import annotations

from typing import Any

from tests.query.test_ip_chain_prefilter import check_agreement, events, wide

from glasslog.store.clickhouse import ClickHouseStore
from glasslog.store.clickhouse_rows import needs_python
from glasslog.store.columns import joined_text


def test_ip_chain_filters_agree_with_the_matcher(ch: ClickHouseStore) -> None:
    corpus = events()
    routed = [needs_python(e) for e in corpus]
    assert any(routed) and not all(routed)  # both ingest paths fill the columns
    ch.ingest("acme", corpus)
    check_agreement(lambda node: {e.uuid for e in ch.search("acme", wide(node)).events}, corpus, "clickhouse")
    rows: list[Any] = ch._rows(  # noqa: SLF001
        f"SELECT ip_chain_ips, arrayMap(x -> tupleElement(x, 'ip'), ip_chain) FROM {ch.events}")
    assert len(rows) == len(corpus)
    assert all(joined == joined_text(ips) for joined, ips in rows), rows
