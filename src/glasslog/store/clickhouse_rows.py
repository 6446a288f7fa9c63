"""Turning validated events into the Arrow columns of one ClickHouse INSERT.

The hot columns are derived in Python from the already-parsed event (`ValidEvent.obj`) with the same coercion
the query matcher uses (`coercion.value_text`: what DuckDB's `json_extract_string` gives), so a hot column
holds exactly what the DuckDB backend would store. Doing it here rather than with ClickHouse's JSON functions
keeps the two backends identical on odd inputs (numbers in string fields, `{}`), and lets one Arrow table feed
both transports (chdb and clickhouse-connect).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

from glasslog.query.coercion import value_text
from glasslog.store.base import ValidEvent
from glasslog.store.columns import LISTS, SCALARS, HotColumn

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FOREVER_S = int((datetime(2106, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds())
_GEO = ("client", "geographicalContext", "geolocation")


def micros(dt: datetime) -> int:
    """µs since the epoch of an aware (or naive-UTC) datetime."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _text(value: Any) -> str | None:
    """`value_text` with the common case (a string) first."""
    if type(value) is str:
        return value
    return None if value is None else value_text(value)


def _compile(columns: Sequence[HotColumn], name: str) -> Callable[[Any], tuple[Any, ...]]:
    """Generate one straight-line function returning every column's value for a parsed object: each
    intermediate object is looked up once (`actor` serves four columns), with no per-path loop. This is the
    hot loop of ingest, so it is worth the few lines of code generation; the semantics are `_text` of the
    value at the path (None when a step is not an object), lower-cased for "lower" columns."""
    lines = [f"def {name}(o):", "    if type(o) is not dict: o = _E"]
    names: dict[tuple[str, ...], str] = {(): "o"}
    exprs = []
    for col in columns:
        for depth in range(1, len(col.path)):
            prefix = col.path[:depth]
            if prefix not in names:
                var = f"_{len(names)}"
                parent = names[prefix[:-1]]
                lines.append(f"    {var} = {parent}.get({prefix[-1]!r})")
                lines.append(f"    if type({var}) is not dict: {var} = _E")
                names[prefix] = var
        value = f"_text({names[col.path[:-1]]}.get({col.path[-1]!r}))"
        if col.case == "lower":
            value = f"_low({value})"
        exprs.append(value)
    lines.append("    return (" + ", ".join(exprs) + ",)")
    scope: dict[str, Any] = {"_E": {}, "_text": _text, "_low": _low}
    exec("\n".join(lines), scope)  # noqa: S102 - the source is built from columns.py, not from input
    return scope[name]


def _low(text: str | None) -> str | None:
    return None if text is None else text.lower()


_SCALAR_COLUMNS = [c for c in SCALARS if c.column != "uuid"]
_SCALARS_OF = _compile(_SCALAR_COLUMNS, "scalars")
_LISTS = [(lst.column, lst.path, [m.column for m in lst.members], _compile(lst.members, f"element_{lst.column}"))
          for lst in LISTS]


def _at(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _coordinate(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def list_type(members: Sequence[str]) -> pa.DataType:
    return pa.list_(pa.struct([(m, pa.string()) for m in members]))


def event_table(org: str, events: Sequence[ValidEvent], seqs: Sequence[int],
                retention_days: int) -> pa.Table:
    """The Arrow table for one INSERT (columns named as the events table's)."""
    n = len(events)
    pub_us = [micros(e.published) for e in events]
    if retention_days > 0:
        keep = retention_days * 86400
        expires = [min(p // 1_000_000 + keep, _FOREVER_S) for p in pub_us]
    else:
        expires = [_FOREVER_S] * n
    columns: dict[str, pa.Array] = {
        "org": pa.array([org] * n, pa.string()),
        "published": pa.array(pub_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "uuid": pa.array([e.uuid for e in events], pa.string()),
        "seq": pa.array(seqs, pa.int64()),
        "expires": pa.array(expires, pa.int64()).cast(pa.timestamp("s", tz="UTC")),
    }
    # bulk import keeps only the text (ValidEvent.obj is {}), so parse it back when needed
    objs = [e.obj or orjson.loads(e.raw) for e in events]
    rows = [_SCALARS_OF(o) for o in objs]
    for col, values in zip(_SCALAR_COLUMNS, zip(*rows, strict=True) if rows else [()] * len(_SCALAR_COLUMNS),
                           strict=True):
        columns[col.column] = pa.array(values, pa.string())
    for name, path, members, element in _LISTS:
        lists = []
        for o in objs:
            items = _at(o, path)
            lists.append([dict(zip(members, element(it), strict=True)) for it in items]
                         if type(items) is list else [])
        columns[name] = pa.array(lists, list_type(members))
    columns["lat"] = pa.array([_coordinate(_at(o, (*_GEO, "lat"))) for o in objs], pa.float64())
    columns["lon"] = pa.array([_coordinate(_at(o, (*_GEO, "lon"))) for o in objs], pa.float64())
    columns["raw"] = pa.array([e.raw for e in events], pa.binary()).cast(pa.string())
    return pa.table(columns)
