"""Storage backends behind one protocol (see base.py); `open_store` picks one from a URL or a path."""

from __future__ import annotations

from pathlib import Path

from glasslog.store.base import Store


def open_store(location: str | Path) -> Store:
    """`DIR` or `duckdb://DIR` → the embedded DuckDB store; `chdb://DIR` and `clickhouse://…` → ClickHouse."""
    text = str(location)
    if text.startswith("duckdb://"):
        text = text[len("duckdb://"):]
    elif text.startswith(("chdb://", "clickhouse://", "clickhouses://")):
        from glasslog.store.clickhouse import open_clickhouse  # type: ignore[import-not-found]

        return open_clickhouse(text)
    from glasslog.store.duckdb_store import DuckDBStore

    return DuckDBStore(text)


__all__ = ["Store", "open_store"]
