"""Compact projections: the few attributes a correlation needs, read for the events a rule's filter selects.

Correlations never walk whole events: the rule's filter runs in the store (SQL through the query compiler,
with the org guard) and only `(seq, published ms, uuid, value...)` comes back. With the DuckDB store this is one
statement reading hot columns; other stores fall back to streaming events and reading the paths in Python
with the query package's own accessors, so both give the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from glasslog.query.access import path_getter
from glasslog.query.coercion import value_text
from glasslog.query.compiler import value_expression
from glasslog.query.fields import resolve
from glasslog.store.base import SearchQuery

Row = tuple[Any, ...]
GEO = ("client", "geographicalContext", "geolocation")
_SPECIAL = {(*GEO, "lat"): "lat", (*GEO, "lon"): "lon", ("published",): "epoch_ms(published)"}


def sql_expression(path: tuple[str, ...]) -> str:
    """SQL for one attribute's value in the events table: a hot column when there is one (lower-cased ones
    are fine for grouping: their comparisons are case-insensitive anyway), else the JSON text."""
    if path in _SPECIAL:
        return _SPECIAL[path]
    field = resolve(path)
    if field.hot is not None:
        return '"' + field.hot.column + '"'
    expr, is_list = value_expression(path)
    if is_list:
        raise ValueError(f"{'.'.join(path)} is an array attribute and cannot be grouped on")
    return expr


def project(store: Any, org: str, query: SearchQuery, paths: Sequence[tuple[str, ...]],
            confirm: Callable[[dict[str, Any]], bool] | None = None, order: str = "published") -> list[Row]:
    """Rows `(seq, published_ms, uuid, *values)` for every event matching `query`, in time order.
    `confirm` is a Python check for rules the SQL filter only approximates (it then needs the raw event)."""
    if hasattr(store, "sql"):
        cols = ["seq", "epoch_ms(published)", "uuid", *(sql_expression(p) for p in paths)]
        if confirm is not None:
            cols.append("raw")
        tail = "ORDER BY published, seq" if order == "published" else "ORDER BY seq"
        rows = store.sql(org, query, ", ".join(cols), tail)
        if confirm is None:
            return rows
        return [r[:-1] for r in rows if confirm(orjson.loads(r[-1]))]
    getters = [_getter(p) for p in paths]
    out: list[Row] = []
    for ev in store.iter_search(org, query):
        doc = orjson.loads(ev.raw)
        if confirm is not None and not confirm(doc):
            continue
        ms = int(ev.published.timestamp() * 1000)
        out.append((ev.seq, ms, ev.uuid, *(g(doc) for g in getters)))
    if order == "published":
        out.sort(key=lambda r: (r[1], r[0]))
    return out


def _getter(path: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    field = resolve(path)
    get = path_getter(field.path, field.known)
    lower = field.hot is not None and field.hot.case == "lower"
    if path[-1] in ("lat", "lon"):
        return lambda doc: get(doc)
    if lower:
        return lambda doc: (lambda t: t.lower() if t is not None else None)(value_text(get(doc)))
    return lambda doc: value_text(get(doc))


def raw_events(store: Any, org: str, query: SearchQuery) -> list[tuple[int, int, str, bytes]]:
    """(seq, published_ms, uuid, raw) for every match, time-ordered."""
    if hasattr(store, "sql"):
        rows = store.sql(org, query, "seq, epoch_ms(published), uuid, raw", "ORDER BY published, seq")
        return [(s, ms, u, r.encode() if isinstance(r, str) else r) for s, ms, u, r in rows]
    return [(e.seq, int(e.published.timestamp() * 1000), e.uuid, e.raw) for e in store.iter_search(org, query)]
