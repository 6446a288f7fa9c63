"""What a SQL printer offers the compiler: every piece of SQL whose spelling differs between databases.

The compiler (`compiler.py`) decides *what* to test (which column or JSON path, which coercion, which
operator); a printer decides *how that is spelled* in one database: function names, lambdas, JSON paths,
placeholders, how a timestamp parameter is bound. A new backend (ClickHouse) is one new subclass; the
compiler does not change.

Every method returns SQL text. Values never appear in that text: the compiler binds them as parameters
(`placeholder()`); the only literals printers write are their own constants and JSON paths built from
attribute names the field table has already validated (and which printers quote anyway).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime
from itertools import count
from typing import Any


class Printer(ABC):
    """A SQL dialect. Subclasses implement the abstract methods; standard SQL ones have defaults."""

    name: str = ""

    def __init__(self) -> None:
        self._names = count(1)

    # -- names, parameters, constants -------------------------------------------------------------------

    def fresh(self, stem: str) -> str:
        """A lambda variable name no user text can collide with."""
        return f"_gl_{stem}{next(self._names)}"

    def placeholder(self) -> str:
        return "?"

    def column(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def const(self, text: str) -> str:
        """A string constant of ours (never a user value)."""
        return "'" + text.replace("'", "''") + "'"

    def instant_param(self, micros: int) -> Any:
        """The bound value to compare with the `published` column for an instant in µs since the epoch."""
        from datetime import timedelta

        return datetime(1970, 1, 1) + timedelta(microseconds=micros)

    # -- logic ------------------------------------------------------------------------------------------

    def true(self) -> str:
        return "TRUE"

    def false(self) -> str:
        return "FALSE"

    def and_(self, parts: list[str]) -> str:
        return "(" + " AND ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def or_(self, parts: list[str]) -> str:
        return "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def not_(self, expr: str) -> str:
        return f"(NOT {expr})"

    def coalesce_false(self, expr: str) -> str:
        return f"coalesce({expr}, FALSE)"

    def is_null(self, expr: str) -> str:
        return f"({expr} IS NULL)"

    def is_not_null(self, expr: str) -> str:
        return f"({expr} IS NOT NULL)"

    def case_when(self, cond: str, then: str, otherwise: str) -> str:
        return f"(CASE WHEN {cond} THEN {then} ELSE {otherwise} END)"

    # -- scalar operations ------------------------------------------------------------------------------

    def compare(self, left: str, op: str, right: str) -> str:
        symbol = {"eq": "=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
        return f"({left} {symbol} {right})"

    def is_distinct(self, left: str, right: str) -> str:
        return f"({left} IS DISTINCT FROM {right})"

    def lower(self, expr: str) -> str:
        return f"lower({expr})"

    def not_in(self, expr: str, constants: tuple[str, ...]) -> str:
        return f"({expr} NOT IN ({', '.join(self.const(c) for c in constants)}))"

    @abstractmethod
    def starts_with(self, text: str, prefix: str) -> str: ...

    @abstractmethod
    def ends_with(self, text: str, suffix: str) -> str: ...

    @abstractmethod
    def contains(self, text: str, part: str) -> str: ...

    @abstractmethod
    def contains_ignoring_case(self, text: str) -> str:
        """Does `text` contain a match of the bound RE2 pattern `ignoring_case_param(word)`?"""

    def ignoring_case_param(self, word: str) -> Any:
        """An RE2 pattern for `word` (printable ASCII, see prefilter_keywords) in any letter case, as Python's
        lower() sees it: each letter in either case, and `k` also as the Kelvin sign (U+212A), the one
        character outside ASCII that lower-cases to an ASCII letter. Explicit classes rather than RE2's `(?i)`,
        whose Unicode folding makes the scan several times slower for words with `k` or `s`."""
        parts = []
        for ch in word.lower():
            if ch == "k":
                parts.append("(?:[kK]|\\x{212A})")
            elif "a" <= ch <= "z":
                parts.append(f"[{ch}{ch.upper()}]")
            else:
                parts.append(re.escape(ch))
        return "".join(parts)

    @abstractmethod
    def instant_us(self, text: str, pattern: str) -> str:
        """µs since the epoch of `text` when it fully matches the RFC 3339 `pattern` and is a real instant,
        else NULL."""

    @abstractmethod
    def number(self, text: str, pattern: str) -> str:
        """The DOUBLE value of `text` when it fully matches the JSON-number `pattern`, else NULL."""

    # -- JSON and lists ---------------------------------------------------------------------------------

    @abstractmethod
    def json_at(self, base: str, path: tuple[str, ...], known: int) -> str:
        """The JSON value at `path` under `base` (a JSON or JSON-text expression); SQL NULL when missing.
        The first `known` segments are looked up exactly, the rest exact-first then case-insensitively;
        numeric segments index arrays."""

    @abstractmethod
    def json_text_at(self, base: str, path: tuple[str, ...], known: int) -> str:
        """The text of that value (as `json_extract_string` gives it; NULL for missing and JSON null)."""

    @abstractmethod
    def json_present(self, value: str) -> str:
        """A JSON value (from json_at) that is not missing, null, "", [] or {}."""

    @abstractmethod
    def json_elements(self, base: str, path: tuple[str, ...]) -> str:
        """The elements of the array at `path` (exact keys) as a list; empty when it is not an array."""

    @abstractmethod
    def struct_field(self, value: str, name: str) -> str: ...

    @abstractmethod
    def any_element(self, items: str, var: str, predicate: str) -> str:
        """TRUE when `predicate` (over the lambda variable `var`) is TRUE for some element; never NULL."""

    @abstractmethod
    def list_transform(self, items: str, var: str, expr: str) -> str: ...
