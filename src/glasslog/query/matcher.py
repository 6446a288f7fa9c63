"""`matches(node, event)`: the Python evaluator used by streams and detections.

The AST is compiled once into nested closures (cached per node), so evaluating an event is a few dict lookups
and string comparisons, with no tree walking. The semantics are the ones the SQL compiler prints (see
`coercion.py` for how values and literals are compared, `fields.py` for names and arrays):

- `ne` is `not eq`: true on a missing or null attribute; on an array, no element equals;
- `gt ge lt le sw ew co` are false on a missing attribute;
- `pr` is false for null, "", [] and {} (for hot attributes: on the column's text, so also for "[]" and "{}");
- a path through an array matches when any element does, each predicate on its own.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from glasslog.events.timeparse import parse_rfc3339
from glasslog.query.access import element_getter, elements_getter, path_getter
from glasslog.query.ast import And, Compare, Node, Not, Or, Present
from glasslog.query.coercion import instant_us, number, value_text
from glasslog.query.fields import Field, resolve
from glasslog.query.parser import check_node

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Event = dict[str, Any]
Predicate = Callable[[Event], bool]
TextTest = Callable[[str | None], bool]

_ORDER = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le, "eq": operator.eq}
_CACHE: dict[Node, Predicate] = {}
_CACHE_SIZE = 4096


def matches(node: Node, event: Event) -> bool:
    """Does `event` (a parsed LogEvent) satisfy the filter `node`?"""
    fn = _CACHE.get(node)
    if fn is None:
        fn = compile_matcher(node)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[node] = fn
    return fn(event)


def compile_matcher(node: Node) -> Predicate:
    """Turn a filter AST into a fast `event -> bool` function."""
    check_node(node)
    return _compile(node)


def _compile(node: Node) -> Predicate:
    if isinstance(node, And):
        parts = tuple(_compile(i) for i in node.items)
        if len(parts) == 2:
            a, b = parts
            return lambda ev: a(ev) and b(ev)
        return lambda ev: all(p(ev) for p in parts)
    if isinstance(node, Or):
        parts = tuple(_compile(i) for i in node.items)
        if len(parts) == 2:
            a, b = parts
            return lambda ev: a(ev) or b(ev)
        return lambda ev: any(p(ev) for p in parts)
    if isinstance(node, Not):
        inner = _compile(node.item)
        return lambda ev: not inner(ev)
    if isinstance(node, Present):
        return _present(resolve(node.path))
    if isinstance(node, Compare):
        return _compare(resolve(node.path), node)
    raise TypeError(f"not a filter node: {node!r}")


# -- reading values ---------------------------------------------------------------------------------------


def _texts(field: Field) -> Callable[[Event], list[str | None]] | Callable[[Event], str | None]:
    """event → the attribute's text (scalar fields) or the elements' texts (array fields)."""
    if field.array:
        elements = elements_getter(field)
        member = element_getter(field)
        return lambda ev: [value_text(member(e)) for e in elements(ev)]
    get = path_getter(field.path, field.known)
    return lambda ev: value_text(get(ev))


def _any(field: Field, test: TextTest) -> Predicate:
    """The predicate over the attribute: ANY element for arrays."""
    if field.array:
        elements = elements_getter(field)
        member = element_getter(field)
        return lambda ev: any(test(value_text(member(e))) for e in elements(ev))
    get = path_getter(field.path, field.known)
    return lambda ev: test(value_text(get(ev)))


def _is_present_value(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _is_present_text(text: str | None) -> bool:
    return text is not None and text not in ("", "[]", "{}")


def _present(field: Field) -> Predicate:
    hot = field.hot is not None or field.hot_member is not None
    if hot:
        return _any(field, _is_present_text)
    if field.array:
        elements = elements_getter(field)
        member = element_getter(field)
        return lambda ev: any(_is_present_value(member(e)) for e in elements(ev))
    get = path_getter(field.path, field.known)
    return lambda ev: _is_present_value(get(ev))


# -- comparisons ------------------------------------------------------------------------------------------


def _compare(field: Field, node: Compare) -> Predicate:
    op, value = node.op, node.value
    if value is None:
        has_value = _any(field, lambda s: s is not None)
        if op == "eq":
            return lambda ev: not has_value(ev)
        if op == "ne":
            return has_value
        raise AssertionError("checked by check_node")
    positive = _any(field, text_test(field, "eq" if op == "ne" else op, value))
    if op == "ne":
        return lambda ev: not positive(ev)
    return positive


def text_test(field: Field, op: str, value: str | int | float | bool) -> TextTest:
    """The test one text (a scalar attribute, or one element's) must pass for `op value`."""
    if isinstance(value, bool):
        wanted = "true" if value else "false"
        return lambda s: s is not None and s.lower() == wanted
    if isinstance(value, int | float):
        cmp = _ORDER[op]
        lit = float(value)

        def numeric(s: str | None) -> bool:
            if s is None:
                return False
            n = number(s)
            return n is not None and cmp(n, lit)

        return numeric
    exact = field.exact
    lit_s = value if exact else value.lower()
    if op in ("sw", "ew", "co"):
        if op == "sw":
            return (lambda s: s is not None and s.startswith(lit_s)) if exact else \
                (lambda s: s is not None and s.lower().startswith(lit_s))
        if op == "ew":
            return (lambda s: s is not None and s.endswith(lit_s)) if exact else \
                (lambda s: s is not None and s.lower().endswith(lit_s))
        return (lambda s: s is not None and lit_s in s) if exact else \
            (lambda s: s is not None and lit_s in s.lower())
    cmp = _ORDER[op]
    lit_us = instant_us(value)
    if lit_us is None:
        if exact:
            return lambda s: s is not None and cmp(s, lit_s)
        return lambda s: s is not None and cmp(s.lower(), lit_s)
    to_instant = _published_us if field.path == ("published",) else instant_us

    def instant_or_string(s: str | None) -> bool:
        if s is None:
            return False
        us = to_instant(s)
        if us is not None:
            return cmp(us, lit_us)
        return cmp(s, lit_s) if exact else cmp(s.lower(), lit_s)

    return instant_or_string


def _published_us(text: str) -> int | None:
    """`published` is compared the way the store parsed it at ingest (its TIMESTAMP column)."""
    try:
        dt = parse_rfc3339(text)
    except (ValueError, OverflowError):
        return None
    return (dt - _EPOCH) // _MICROSECOND
