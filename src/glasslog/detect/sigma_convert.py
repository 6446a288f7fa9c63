"""Sigma detection logic → the glasslog filter AST (a walker over pySigma's parsed condition tree).

pySigma parses a rule's `detection` and resolves its `condition` (`and/or/not`, `1 of x*`, `all of them`) into a
tree of ConditionAND / ConditionOR / ConditionNOT over ConditionFieldEqualsValueExpression leaves, with value
lists already turned into ORs and `|all` into ANDs, and modifiers already applied to the values (`contains` is
`*v*`, `base64offset` an expansion, ...). This module prints that tree as AST nodes, which is all a backend
does; a pySigma `Backend` subclass would add text-query machinery (string templates, precedence, escaping) we
do not need, so a walker is the simpler honest choice.

Value mapping (Sigma strings match case-insensitively; the AST does too, except for identifier fields):
    `v`        → eq          `*v*` → co        `v*` → sw        `*v` → ew        `*` → ne null
    `a*b`, `a?b`, `|re`, `|cidr`, `|cased` → a residual leaf (see residual.py) with a superset hint
    number     → eq number   `|gt|gte|lt|lte` → gt/ge/lt/le     bool → eq bool    null → eq null
    `|exists`  → ne null / eq null
    placeholder (`|expand %name%`) → the values configured for it, or matches nothing when unset
Constructs with no meaning for a LogEvent (keyword search without a field, `|fieldref`, query expressions)
raise `UnsupportedSigma` naming the rule and the construct.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from glasslog.detect.residual import FALSE, TRUE, ResidualLeaf, simplify
from glasslog.detect.sigma_pipeline import canonical_path
from glasslog.errors import FilterError
from glasslog.query.ast import And, Compare, Node, Not, Or

_COMPARE = {CompareOperators.GT: "gt", CompareOperators.GTE: "ge", CompareOperators.LT: "lt",
            CompareOperators.LTE: "le"}
_RE_FLAGS = {SigmaRegularExpressionFlag.IGNORECASE: re.IGNORECASE, SigmaRegularExpressionFlag.MULTILINE: re.M,
             SigmaRegularExpressionFlag.DOTALL: re.S}


class UnsupportedSigma(ValueError):
    """A Sigma construct glasslog cannot evaluate on a LogEvent."""


def convert_condition(tree: Any, placeholders: Mapping[str, Sequence[str]] | None = None,
                      rule_name: str = "rule") -> Any:
    """pySigma's postprocessed condition tree → AST (possibly holding residual leaves)."""
    return _Walker(placeholders or {}, rule_name).node(tree)


class _Walker:
    def __init__(self, placeholders: Mapping[str, Sequence[str]], rule_name: str) -> None:
        self.placeholders = placeholders
        self.rule = rule_name

    def fail(self, what: str) -> UnsupportedSigma:
        return UnsupportedSigma(f"{self.rule}: {what} cannot be evaluated on a LogEvent")

    def node(self, item: Any) -> Any:
        if isinstance(item, ConditionAND):
            return simplify(And(*(self.node(a) for a in item.args)))
        if isinstance(item, ConditionOR):
            return simplify(Or(*(self.node(a) for a in item.args)))
        if isinstance(item, ConditionNOT):
            return simplify(Not(self.node(item.args[0])))
        if isinstance(item, ConditionFieldEqualsValueExpression):
            return self.leaf(item.field, item.value)
        if isinstance(item, ConditionValueExpression):
            raise self.fail(f"a keyword search without a field ({item.value!r})")
        raise self.fail(f"the condition element {type(item).__name__}")

    def leaf(self, field_name: str | None, value: Any) -> Any:
        if field_name is None:
            raise self.fail("a value without a field")
        try:
            path = canonical_path(field_name)
        except FilterError as exc:
            raise self.fail(f"the field '{field_name}' ({exc})") from None
        if isinstance(value, SigmaExpansion):
            return simplify(Or(*(self.leaf(field_name, v) for v in value.values)))
        if isinstance(value, SigmaCasedString):
            return self.regex(path, _wildcard_regex(value), 0, hint=self.string(path, value, residual_ok=False))
        if isinstance(value, SigmaString):
            return self.string(path, value)
        if isinstance(value, SigmaBool):
            return Compare(path, "eq", bool(value.boolean))
        if isinstance(value, SigmaNumber):
            return Compare(path, "eq", value.number)
        if isinstance(value, SigmaNull):
            return Compare(path, "eq", None)
        if isinstance(value, SigmaExists):
            return Compare(path, "ne" if value.exists else "eq", None)
        if isinstance(value, SigmaCompareExpression):
            return Compare(path, _COMPARE[value.op], value.number.number)
        if isinstance(value, SigmaRegularExpression):
            flags = 0
            for f in value.flags:
                flags |= _RE_FLAGS.get(f, 0)
            return self.regex(path, value.regexp.to_plain(), flags, hint=None)
        if isinstance(value, SigmaCIDRExpression):
            return ResidualLeaf(path, "cidr", str(value.network))
        raise self.fail(f"the value {type(value).__name__} on '{field_name}'")

    def regex(self, path: tuple[str, ...], pattern: str, flags: int, hint: Node | None) -> ResidualLeaf:
        try:
            re.compile(pattern, flags)
        except re.error as exc:
            raise self.fail(f"the regular expression {pattern!r} ({exc})") from None
        return ResidualLeaf(path, "re", pattern, flags, hint if hint not in (TRUE,) else None)

    def string(self, path: tuple[str, ...], value: SigmaString, residual_ok: bool = True) -> Any:
        if value.contains_placeholder():
            expanded = self.expand(value)
            if not expanded:
                return FALSE
            return simplify(Or(*(self.string(path, v, residual_ok) for v in expanded)))
        parts = list(value.s)
        if not parts:
            return Compare(path, "eq", "")
        if all(p == SpecialChars.WILDCARD_MULTI for p in parts):
            return Compare(path, "ne", None)
        lead = parts[0] == SpecialChars.WILDCARD_MULTI
        trail = parts[-1] == SpecialChars.WILDCARD_MULTI
        core = parts[int(lead): len(parts) - int(trail)]
        if len(core) == 1 and isinstance(core[0], str):
            op = "co" if lead and trail else "ew" if lead else "sw" if trail else "eq"
            return Compare(path, op, core[0])
        # inner wildcards: a regex, with a superset hint made of the literal pieces
        literals = [p for p in parts if isinstance(p, str)]
        hints: list[Node] = []
        if isinstance(parts[0], str):
            hints.append(Compare(path, "sw", parts[0]))
        if isinstance(parts[-1], str) and len(parts) > 1:
            hints.append(Compare(path, "ew", parts[-1]))
        hints += [Compare(path, "co", lit) for lit in literals[1:-1]]
        hint = simplify(And(*hints)) if hints else None
        if not residual_ok:
            return hint if hint is not None else Compare(path, "ne", None)
        return ResidualLeaf(path, "re", _wildcard_regex(value), re.IGNORECASE, hint)

    def expand(self, value: SigmaString) -> list[SigmaString]:
        """Replace each `%name%` by each configured value (no values: the string matches nothing)."""
        out = [SigmaString("")]
        for part in value.s:
            if isinstance(part, Placeholder):
                values = list(self.placeholders.get(part.name, ()))
                out = [o + SigmaString(v) for o in out for v in values]
            else:
                out = [o + part for o in out]
        return out


def _wildcard_regex(value: SigmaString) -> str:
    """A Sigma string with wildcards as a full-match regular expression."""
    return "^" + value.to_regex().regexp.to_plain() + "$"


__all__ = ["FALSE", "TRUE", "UnsupportedSigma", "convert_condition"]
