"""Turning validated events into the Arrow columns of ClickHouse INSERTs.

Two ways, one result. A hot column must hold exactly what the DuckDB backend would store: the attribute's
text with the matcher's coercion (`coercion.value_text`, what DuckDB's `json_extract_string` gives).

- **Ordinary events** (`needs_python` is false: nearly all of them) go as `raw_table`: org, published, uuid,
  seq, expires and the JSON text only. ClickHouse fills the hot columns from the JSON itself, through the
  DEFAULT expressions of the schema (clickhouse_schema.hot_defaults). That spares Python a parse of every
  event and the building of ~30 Arrow columns, which was most of the ingest time.
- **Other events** go as `event_table`: every column derived here from the parsed event. ClickHouse's
  `JSONExtract` gives the same text only for strings, null, booleans, integers and numeric coordinates, in
  objects and arrays of the expected shape; it re-writes floats (`2.0` → `2`), objects and arrays its own way,
  maps a JSON array onto a tuple by position, and its `lowerUTF8` knows characters newer than Python's
  Unicode tables. `needs_python` is a byte-level check that sends every event where any of that could matter
  (and some where it does not) here.

Both tables feed both transports (chdb and clickhouse-connect) as Arrow.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

import orjson
import pyarrow as pa

from glasslog.query.coercion import value_text
from glasslog.store.base import ValidEvent
from glasslog.store.columns import JOINED, LISTS, SCALARS, HotColumn, joined_text

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


# -- which events ClickHouse can derive itself -----------------------------------------------------------------


def _leaf_check(var: str, lower: bool, indent: str) -> list[str]:
    """Lines that return True when the leaf value in `var` is one ClickHouse would derive differently."""
    lines = [f"{indent}if {var} is not None and type({var}) is not str and not _plain({var}): return True"]
    if lower:
        lines.append(f"{indent}if type({var}) is str and not {var}.isascii() and _unknown_char({var}): return True")
    return lines


def _object_lines(tree: dict, var: str, indent: str, names: list[str]) -> list[str]:
    lines = []
    for key, leaf in tree.items():
        v = f"_{len(names)}"
        names.append(v)
        lines.append(f"{indent}{v} = {var}.get({key!r})")
        if isinstance(leaf, dict):  # an object on the way to hot paths: missing, null or an object
            lines.append(f"{indent}if {v} is None: {v} = _E")
            lines.append(f"{indent}elif type({v}) is not dict: return True")
            lines += _object_lines(leaf, v, indent, names)
        elif leaf == "coordinate":
            lines.append(f"{indent}if {v} is not None and not _coordinate_plain({v}): return True")
        elif isinstance(leaf, tuple):  # a hot list: missing, null or an array of (mostly) objects
            # ClickHouse keeps a list's elements only when at least one of them yields a field (else it
            # gives []): require an element with a hot member that is a string right in it
            element = leaf[1]
            direct = tuple(k for k, member in element.items() if not isinstance(member, dict))
            lines.append(f"{indent}if {v} is not None:")
            lines.append(f"{indent}    if type({v}) is not list: return True")
            lines.append(f"{indent}    _found = not {v}")
            lines.append(f"{indent}    for _it in {v}:")
            lines.append(f"{indent}        if type(_it) is list: return True")
            lines.append(f"{indent}        if type(_it) is dict:")
            lines.append(f"{indent}            if not _found:")
            lines.append(f"{indent}                _found = any(type(_it.get(k)) is str for k in {direct!r})")
            lines += _object_lines(element, "_it", indent + "            ", names)
            lines.append(f"{indent}    if not _found: return True")
        else:
            lines += _leaf_check(v, leaf == "lower", indent)
    return lines


def _compile_odd() -> Callable[[dict[str, Any]], bool]:
    """One straight-line function over a parsed event: True when any hot path holds a value whose text
    ClickHouse's DEFAULT expressions would not derive exactly as `event_table` does. What ClickHouse gets
    right: strings (lowered, except characters Python's Unicode tables do not know), null and missing values,
    booleans, integers of up to 18 digits, numeric coordinates; objects on the way; list elements that are
    objects or scalars, provided one element has a hot member holding a string. Everything else (floats and
    objects where text is expected, an array where an object or a list element is expected, text or booleans
    as coordinates, ...) goes through Python."""
    root: dict = {}

    def put(tree: dict, path: tuple[str, ...], leaf: object) -> None:
        for key in path[:-1]:
            tree = tree.setdefault(key, {})
        tree[path[-1]] = leaf

    for c in SCALARS:
        if c.column != "uuid":
            put(root, c.path, c.case)
    for lst in LISTS:
        element: dict = {}
        for m in lst.members:
            put(element, m.path, m.case)
        put(root, lst.path, ("list", element))
    put(root, (*_GEO, "lat"), "coordinate")
    put(root, (*_GEO, "lon"), "coordinate")
    lines = ["def odd(o):", *_object_lines(root, "o", "    ", []), "    return False"]
    scope: dict[str, Any] = {"_E": {}, "_plain": _plain, "_coordinate_plain": _coordinate_plain,
                             "_unknown_char": _unknown_char}
    exec("\n".join(lines), scope)  # noqa: S102 - the source is built from columns.py, not from input
    return scope["odd"]


def _plain(value: Any) -> bool:
    """A non-string leaf whose text ClickHouse writes as Python does: a boolean or a not-too-long integer."""
    return type(value) is bool or (type(value) is int and -10**18 < value < 10**18)


def _coordinate_plain(value: Any) -> bool:
    return type(value) is float or (type(value) is int and -2**53 < value < 2**53)


@functools.cache  # built on first use: walking every code point takes a moment
def _unassigned() -> re.Pattern[str]:
    """Characters this Python's Unicode tables do not know: the only ones where ClickHouse's `lowerUTF8` was
    found to lower differently from `str.lower` (tests/clickhouse check every code point against the engine)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x80, sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) == "Cn":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                    for a, b in ranges) + "]")


def _unknown_char(text: str) -> bool:
    return _unassigned().search(text) is not None


_ODD = _compile_odd()
_MAX_OPENERS = 256  # an event nested deeper than this goes through Python (both parsers stop near 1,000)


def needs_python(event: ValidEvent) -> bool:
    """True unless ClickHouse's DEFAULT expressions are sure to derive this event's hot columns exactly as
    `event_table` would (see the module docstring). False for nearly every real event."""
    raw = event.raw
    if raw.count(b"[") + raw.count(b"{") > _MAX_OPENERS:
        return True
    return _ODD(event.obj or orjson.loads(raw))


def _expires(pub_us: Sequence[int], retention_days: int) -> list[int]:
    if retention_days > 0:
        keep = retention_days * 86400
        return [min(p // 1_000_000 + keep, _FOREVER_S) for p in pub_us]
    return [_FOREVER_S] * len(pub_us)


def raw_table(org: str, events: Sequence[ValidEvent], seqs: Sequence[int], retention_days: int) -> pa.Table:
    """The Arrow table of an INSERT that lets ClickHouse derive the hot columns (the JSON texts copied once
    into one buffer: converting them one by one costs several times more)."""
    n = len(events)
    pub_us = array("q", [micros(e.published) for e in events])
    texts = [e.raw for e in events]
    offsets = array("q", accumulate(map(len, texts), initial=0))
    return pa.table({
        "org": pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array([org], pa.string()))
        .cast(pa.string()),
        "published": pa.Array.from_buffers(pa.timestamp("us", tz="UTC"), n, [None, pa.py_buffer(pub_us)]),
        "uuid": pa.array([e.uuid for e in events], pa.string()),
        "seq": pa.array(seqs, pa.int64()),
        "expires": pa.array(_expires(pub_us, retention_days), pa.int64()).cast(pa.timestamp("s", tz="UTC")),
        "raw": pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(b"".join(texts)))
        .cast(pa.string()),
    })


def list_type(members: Sequence[str]) -> pa.DataType:
    return pa.list_(pa.struct([(m, pa.string()) for m in members]))


def event_table(org: str, events: Sequence[ValidEvent], seqs: Sequence[int],
                retention_days: int) -> pa.Table:
    """The Arrow table for one INSERT (columns named as the events table's)."""
    n = len(events)
    pub_us = [micros(e.published) for e in events]
    expires = _expires(pub_us, retention_days)
    columns: dict[str, pa.Array] = {
        "org": pa.array([org] * n, pa.string()),
        "published": pa.array(pub_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "uuid": pa.array([e.uuid for e in events], pa.string()),
        "seq": pa.array(seqs, pa.int64()),
        "expires": pa.array(expires, pa.int64()).cast(pa.timestamp("s", tz="UTC")),
    }
    # bulk import and the HTTP path keep only the text (ValidEvent.obj is {}), so parse it back when needed
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
        for j in JOINED:
            if j.list == name:  # from the list's own (lowered) texts, as the DEFAULT over the list would
                columns[j.column] = pa.array([joined_text([it[j.member] for it in items]) for items in lists],
                                             pa.string())
    columns["lat"] = pa.array([_coordinate(_at(o, (*_GEO, "lat"))) for o in objs], pa.float64())
    columns["lon"] = pa.array([_coordinate(_at(o, (*_GEO, "lon"))) for o in objs], pa.float64())
    columns["raw"] = pa.array([e.raw for e in events], pa.binary()).cast(pa.string())
    return pa.table(columns)
