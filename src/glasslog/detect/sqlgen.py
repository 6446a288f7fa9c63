"""SQL building blocks for the detection engine on the DuckDB store (through `store.sql`, which adds the org guard
and the WHERE clause from a SearchQuery; the SELECT list and the tail written here are code, never user input).

- `inline_filter(node)`: a filter AST as a boolean SQL expression with its values written as literals, for the
  SELECT list (one boolean column per rule in a single scan; `store.sql` binds parameters for WHERE only).
- `is_duck(store)`: whether the window-function/QUALIFY optimisations apply (other stores get the same answers
  from the plain projection path, only slower).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from glasslog.query.ast import And, Compare, Node, Or
from glasslog.query.compiler import compile_filter
from glasslog.query.sql_duckdb import DuckDBPrinter

_TOKEN = "\x00P\x00"


class _InlinePrinter(DuckDBPrinter):
    """DuckDB printer whose placeholders are markers, replaced by literals after compiling."""

    def placeholder(self) -> str:
        return _TOKEN


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"CAST('{value}' AS DOUBLE)"
        return repr(value)
    if isinstance(value, datetime):
        return "TIMESTAMP '" + value.replace(tzinfo=None).isoformat(sep=" ") + "'"
    return "'" + str(value).replace("'", "''") + "'"


def inline_filter(node: Node) -> str:
    """`node` as SQL with literal values (safe: strings are quoted, numbers formatted, nothing else inlined)."""
    sql, params = compile_filter(node, _InlinePrinter())
    parts = sql.split(_TOKEN)
    if len(parts) != len(params) + 1:  # pragma: no cover - a printer wrote the marker itself
        raise ValueError("parameter count mismatch while inlining a filter")
    out = [parts[0]]
    for value, rest in zip(params, parts[1:], strict=True):
        out += [literal(value), rest]
    return "".join(out)


def is_duck(store: Any) -> bool:
    from glasslog.store.duckdb_store import DuckDBStore

    return isinstance(store, DuckDBStore)


def any_key(paths: tuple[tuple[str, ...], ...], keys: list[tuple[Any, ...]]) -> Node | None:
    """A filter selecting events whose `paths` values equal one of `keys` (None when there are no usable keys)."""
    items: list[Node] = []
    for key in keys:
        if not paths or any(v is None for v in key):
            continue
        parts = [Compare(p, "eq", v) for p, v in zip(paths, key, strict=True)]
        items.append(parts[0] if len(parts) == 1 else And(*parts))
    if not items:
        return None
    return items[0] if len(items) == 1 else Or(*items)


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
