"""Two small SQL helpers the DuckDB store and its rollup share (the rollup cannot import the store: the store
imports the rollup)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


def sql_string(text: str) -> str:
    """A SQL string literal, for text that is code (a JSON schema, a dim name) or an already-checked name."""
    return "'" + text.replace("'", "''") + "'"


@contextlib.contextmanager
def transaction(cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One explicit transaction: rolled back if the block raises anything, committed otherwise."""
    cur.execute("BEGIN").fetchall()
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK").fetchall()
        raise
    cur.execute("COMMIT").fetchall()
