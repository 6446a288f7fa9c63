"""Reading an attribute out of a parsed event, the same way the SQL printers read it out of the stored JSON.

Known segments are looked up by their canonical name only; free-map keys exact-first, then case-insensitively
(first key in document order). A numeric segment indexes a list (JSON-pointer style); on an object it is a key.
Hot attributes are read exactly as the store extracts its columns (`$.a.b.c`, objects only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glasslog.query.fields import Field, is_index

MISSING: Any = None  # missing and JSON null are the same to every operator

Getter = Callable[[Any], Any]


def step(value: Any, segment: str, ci: bool) -> Any:
    if isinstance(value, dict):
        if segment in value:
            return value[segment]
        if ci:
            wanted = segment.lower()
            for key, item in value.items():
                if key.lower() == wanted:
                    return item
        return MISSING
    if isinstance(value, list) and is_index(segment):
        i = int(segment)
        return value[i] if i < len(value) else MISSING
    return MISSING


def path_getter(path: tuple[str, ...], known: int) -> Getter:
    """A function event → value at `path` (the first `known` segments exact, the rest free-map keys)."""
    steps = tuple((seg, i >= known) for i, seg in enumerate(path))
    if all(not ci for _, ci in steps) and not any(is_index(s) for s, _ in steps):
        keys = tuple(s for s, _ in steps)
        if len(keys) == 1:
            (k0,) = keys

            def get1(ev: Any) -> Any:
                return ev.get(k0) if isinstance(ev, dict) else None

            return get1

        def get_exact(ev: Any) -> Any:
            v = ev
            for k in keys:
                if not isinstance(v, dict):
                    return None
                v = v.get(k)
                if v is None:
                    return None
            return v

        return get_exact

    def get(ev: Any) -> Any:
        v = ev
        for seg, ci in steps:
            v = step(v, seg, ci)
            if v is None:
                return None
        return v

    return get


def elements_getter(field: Field) -> Callable[[Any], list[Any]]:
    """For array fields: event → the array's elements (none when the attribute is not an array)."""
    get_array = path_getter(field.path[: field.array], field.array)

    def elements(ev: Any) -> list[Any]:
        v = get_array(ev)
        return v if isinstance(v, list) else []

    return elements


def element_getter(field: Field) -> Getter:
    """For array fields: element → value at the rest of the path."""
    return path_getter(field.element_path, field.element_known)
