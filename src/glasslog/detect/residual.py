"""The one Sigma construct the filter language cannot say yet: a regular expression (`|re`, `|cidr`, `?` and
inner `*` wildcards, `|cased`). It is kept as a `ResidualLeaf` inside an otherwise ordinary AST tree.

Why not a second matcher: every comparison, every `and/or/not`, every field lookup still goes through
`glasslog.query` (`matches` for the Python side, `compile_filter` for SQL). A residual leaf only adds one
test on the attribute's text, read through the query package's own accessors. For SQL, `prefilter()` relaxes the
tree into a pure AST that is a *superset* of the rule (a residual leaf becomes its `hint`, or TRUE, where it
counts positively and FALSE under a `not`), and candidates are confirmed in Python with `evaluate()`.

Once the query language grows a regex operator this module shrinks to nothing: `to_pure()` will produce it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glasslog.query.access import element_getter, elements_getter, path_getter
from glasslog.query.ast import And, Compare, Node, Not, Or, Present
from glasslog.query.coercion import value_text
from glasslog.query.fields import resolve
from glasslog.query.matcher import compile_matcher

TRUE: Node = Present(("uuid",))  # every stored event has a uuid
FALSE: Node = Not(TRUE)


@dataclass(frozen=True)
class ResidualLeaf:
    """`path` text satisfies `kind` ("re": regex search, "cidr": IP inside network). `hint` is a pure AST
    condition every match also satisfies (used for the SQL superset), or None."""

    path: tuple[str, ...]
    kind: str
    pattern: str
    flags: int = 0
    hint: Node | None = None

    def test(self) -> Callable[[str | None], bool]:
        if self.kind == "re":
            rx = re.compile(self.pattern, self.flags)
            return lambda s: s is not None and rx.search(s) is not None
        if self.kind == "cidr":
            net = ipaddress.ip_network(self.pattern, strict=False)

            def inside(s: str | None) -> bool:
                try:
                    return s is not None and ipaddress.ip_address(s) in net
                except ValueError:
                    return False

            return inside
        raise ValueError(f"unknown residual kind {self.kind!r}")

    def __str__(self) -> str:
        return f"{'.'.join(self.path)} {self.kind} {self.pattern!r}"


def has_residual(node: Any) -> bool:
    if isinstance(node, ResidualLeaf):
        return True
    if isinstance(node, And | Or):
        return any(has_residual(i) for i in node.items)
    if isinstance(node, Not):
        return has_residual(node.item)
    return False


def prefilter(node: Any, negated: bool = False) -> Node:
    """A pure AST that every event matching `node` matches (a superset), for pushing down to SQL."""
    if isinstance(node, ResidualLeaf):
        if negated:
            return FALSE  # under `not`, FALSE relaxes to TRUE
        return node.hint if node.hint is not None else TRUE
    if isinstance(node, And):
        return simplify(And(*(prefilter(i, negated) for i in node.items)))
    if isinstance(node, Or):
        return simplify(Or(*(prefilter(i, negated) for i in node.items)))
    if isinstance(node, Not):
        return simplify(Not(prefilter(node.item, not negated)))
    return node


def simplify(node: Node) -> Node:
    """Drop TRUE/FALSE constants introduced by relaxation."""
    if isinstance(node, And):
        items = [i for i in node.items if i != TRUE]
        if any(i == FALSE for i in items):
            return FALSE
        return TRUE if not items else items[0] if len(items) == 1 else And(*items)
    if isinstance(node, Or):
        items = [i for i in node.items if i != FALSE]
        if any(i == TRUE for i in items):
            return TRUE
        return FALSE if not items else items[0] if len(items) == 1 else Or(*items)
    if isinstance(node, Not):
        if node.item == TRUE:
            return FALSE
        if node.item == FALSE:
            return TRUE
        if isinstance(node.item, Not):
            return node.item.item
    return node


Predicate = Callable[[dict[str, Any]], bool]


def evaluator(node: Any) -> Predicate:
    """event → bool for a tree that may hold residual leaves; pure subtrees run through the query matcher."""
    if not has_residual(node):
        return compile_matcher(node)
    if isinstance(node, ResidualLeaf):
        return _leaf(node)
    if isinstance(node, And):
        parts = [evaluator(i) for i in node.items]
        return lambda ev: all(p(ev) for p in parts)
    if isinstance(node, Or):
        parts = [evaluator(i) for i in node.items]
        return lambda ev: any(p(ev) for p in parts)
    if isinstance(node, Not):
        inner = evaluator(node.item)
        return lambda ev: not inner(ev)
    raise TypeError(f"not a rule node: {node!r}")


def _leaf(leaf: ResidualLeaf) -> Predicate:
    fld = resolve(leaf.path)
    test = leaf.test()
    if fld.array:
        elements = elements_getter(fld)
        member = element_getter(fld)
        return lambda ev: any(test(value_text(member(e))) for e in elements(ev))
    get = path_getter(fld.path, fld.known)
    return lambda ev: test(value_text(get(ev)))


def describe(node: Any) -> str:
    """Filter text for a rule, with residual leaves shown in brackets (for rule listings and alerts)."""
    if isinstance(node, ResidualLeaf):
        return f"[{node}]"
    if isinstance(node, And):
        return " and ".join(f"({describe(i)})" if isinstance(i, Or) else describe(i) for i in node.items)
    if isinstance(node, Or):
        return " or ".join(describe(i) for i in node.items)
    if isinstance(node, Not):
        return f"not ({describe(node.item)})"
    if isinstance(node, Compare | Present):
        return str(node)
    return str(node)
