"""The filter AST: the one currency between the API, the console, stream filters and detection rules.

Everything that selects events (a typed `filter`, a Sigma rule, a console click) becomes these nodes, and two
back ends consume them: the Python matcher (`matcher.py`) and the SQL compiler (`compiler.py`). The nodes are
frozen dataclasses so they can be built by hand, hashed, cached and compared:

    Compare(("eventType",), "eq", "user.session.start")
    And(Compare("outcome.result", "eq", "SUCCESS"), Not(Present("client.zone")))

A path may be given as a tuple of segments or a dotted string; it is kept as a tuple. Paths built by hand need
not be canonical: the matcher and the compiler resolve names through `fields.resolve` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import orjson

COMPARE_OPS = ("eq", "ne", "gt", "ge", "lt", "le", "sw", "ew", "co")
ALL_OPS = (*COMPARE_OPS, "pr")

Literal = Union[str, int, float, bool, None]  # noqa: UP007 - a runtime alias, kept readable


def _as_path(path: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    if isinstance(path, str):
        return tuple(path.split("."))
    return tuple(path)


@dataclass(frozen=True)
class Compare:
    """`path op value` for every operator except `pr` (which takes no value: see `Present`)."""

    path: tuple[str, ...]
    op: str
    value: Literal

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", _as_path(self.path))
        op = self.op.lower()
        if op == "pr":
            raise ValueError("`pr` takes no value: use Present(path)")
        if op not in COMPARE_OPS:
            raise ValueError(f"unknown operator {self.op!r}; expected one of {', '.join(COMPARE_OPS)}")
        object.__setattr__(self, "op", op)

    def __str__(self) -> str:
        return f"{'.'.join(self.path)} {self.op} {_literal_text(self.value)}"


@dataclass(frozen=True)
class Present:
    """`path pr`: the attribute is non-null and not empty ("", [], {})."""

    path: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", _as_path(self.path))

    def __str__(self) -> str:
        return f"{'.'.join(self.path)} pr"


@dataclass(frozen=True, init=False)
class And:
    """All of `items` hold. Built as `And(a, b, c)`."""

    items: tuple[Node, ...]

    def __init__(self, *items: Node) -> None:
        if len(items) == 1 and isinstance(items[0], list | tuple):
            items = tuple(items[0])
        if not items:
            raise ValueError("And needs at least one item")
        object.__setattr__(self, "items", tuple(items))

    def __str__(self) -> str:
        return " and ".join(_grouped(i, Or) for i in self.items)


@dataclass(frozen=True, init=False)
class Or:
    """Any of `items` holds. Built as `Or(a, b, c)`."""

    items: tuple[Node, ...]

    def __init__(self, *items: Node) -> None:
        if len(items) == 1 and isinstance(items[0], list | tuple):
            items = tuple(items[0])
        if not items:
            raise ValueError("Or needs at least one item")
        object.__setattr__(self, "items", tuple(items))

    def __str__(self) -> str:
        return " or ".join(str(i) for i in self.items)


@dataclass(frozen=True)
class Not:
    """`item` does not hold."""

    item: Node

    def __str__(self) -> str:
        return f"not ({self.item})"


Node = Union[Compare, Present, And, Or, Not]  # noqa: UP007


def _grouped(node: Node, kind: type) -> str:
    return f"({node})" if isinstance(node, kind) else str(node)


def _literal_text(value: Literal) -> str:
    """The literal as filter text, so `str(node)` parses back to an equal node."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    return orjson.dumps(value).decode()


def to_filter_text(node: Node) -> str:
    """Render a node as filter-language text (what `parse_filter` reads back)."""
    return str(node)
