"""The ClickHouse printer: ClickHouse's JSON functions on the raw text, `arrayExists`/`arrayMap` lambdas
(`x -> ...`), `{?}` value markers that the ClickHouse store binds as typed server-side parameters.

Free-map keys (exact-first, then case-insensitive) cost one `JSONExtractRaw` of the full path in the common
case; only rows where that exact path is missing walk the keys with `arrayFold` over `JSONExtractKeys`,
mirroring the DuckDB printer's `list_reduce`. JSON array positions are 1-based in ClickHouse, 0-based in the
filter language (`target.0.id`).
"""

from __future__ import annotations

from glasslog.query.dialect import Printer
from glasslog.query.fields import is_index

MARKER = "{?}"  # must equal glasslog.store.clickhouse_exec.MARKER


def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


class ClickHousePrinter(Printer):
    name = "clickhouse"

    # -- names, parameters, constants -------------------------------------------------------------------

    def placeholder(self) -> str:
        return MARKER

    def column(self, name: str) -> str:
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"

    def const(self, text: str) -> str:
        # ClickHouse string literals treat backslash as an escape character (regex patterns contain some)
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    # -- logic ------------------------------------------------------------------------------------------

    def true(self) -> str:
        return "true"

    def false(self) -> str:
        return "false"

    def coalesce_false(self, expr: str) -> str:
        return f"coalesce({expr}, false)"

    def case_when(self, cond: str, then: str, otherwise: str) -> str:
        return f"if({cond}, {then}, {otherwise})"

    # -- scalar operations ------------------------------------------------------------------------------

    def lower(self, expr: str) -> str:
        return f"lowerUTF8({expr})"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"startsWith({text}, {prefix})"

    def ends_with(self, text: str, suffix: str) -> str:
        return f"endsWith({text}, {suffix})"

    def contains(self, text: str, part: str) -> str:
        return f"(position({text}, {part}) > 0)"

    def contains_ignoring_case(self, text: str) -> str:
        return f"match({text}, {self.placeholder()})"  # RE2, as on DuckDB

    def instant_us(self, text: str, pattern: str) -> str:
        return (f"if(match({text}, {self.const(_full(pattern))}), "
                f"toUnixTimestamp64Micro(parseDateTime64BestEffortOrNull(upper({text}), 6, 'UTC')), NULL)")

    def number(self, text: str, pattern: str) -> str:
        return f"if(match({text}, {self.const(_full(pattern))}), toFloat64OrNull({text}), NULL)"

    # -- JSON -------------------------------------------------------------------------------------------

    def _args(self, path: tuple[str, ...]) -> str:
        """JSON function path arguments: keys as string constants, array positions 1-based."""
        return "".join(f", {int(seg) + 1}" if is_index(seg) else f", {self.const(seg)}" for seg in path)

    def _raw(self, base: str, path: tuple[str, ...]) -> str:
        return f"nullIf(JSONExtractRaw({base}{self._args(path)}), '')" if path else base

    def json_at(self, base: str, path: tuple[str, ...], known: int) -> str:
        exact = self._raw(base, path)
        if known >= len(path):
            return exact
        start = self._raw(base, path[:known])
        j, k, x = self.fresh("j"), self.fresh("k"), self.fresh("x")
        by_key = (f"if(JSONHas({j}, {k}), JSONExtractRaw({j}, {k}), "
                  f"JSONExtractRaw({j}, arrayFirst({x} -> lowerUTF8({x}) = lowerUTF8({k}), JSONExtractKeys({j}))))")
        step = (f"if(JSONType({j}) = 'Array' AND match({k}, '^[0-9]+$'), "
                f"JSONExtractRaw({j}, toInt64({k}) + 1), {by_key})")
        keys = "[" + ", ".join(self.const(s) for s in path[known:]) + "]"
        walk = f"nullIf(arrayFold(({j}, {k}) -> {step}, {keys}, assumeNotNull({start})), '')"
        return f"coalesce({exact}, if({start} IS NULL, NULL, {walk}))"

    def json_text_at(self, base: str, path: tuple[str, ...], known: int) -> str:
        value = self.json_at(base, path, known)
        text = f"if(JSONType({value}) = 'String', JSONExtractString({value}), nullIf({value}, 'null'))"
        if not path or known < len(path):
            return text
        # ClickHouse re-serialises what it extracts and writes an integral double without its fraction (5.0 as
        # `5`, typed Int64 from then on); DuckDB and the matcher (coercion.json_text) keep `5.0`, so where the
        # path is read straight from the document its own type puts the fraction back. (A path found through
        # another key case is walked raw, which loses the type: there 5.0 still reads as `5`.)
        return (f"if(JSONType({base}{self._args(path)}) = 'Double' AND match({value}, '^-?[0-9]+$'), "
                f"concat({value}, '.0'), {text})")

    def json_present(self, value: str) -> str:
        return (f"coalesce({value} IS NOT NULL AND multiIf(JSONType({value}) = 'Null', false, "
                f"JSONType({value}) = 'String', JSONExtractString({value}) != '', "
                f"JSONType({value}) IN ('Array', 'Object'), JSONLength({value}) > 0, true), false)")

    def json_elements(self, base: str, path: tuple[str, ...]) -> str:
        return f"JSONExtractArrayRaw({base}{self._args(path)})"

    # -- lists ------------------------------------------------------------------------------------------

    def struct_field(self, value: str, name: str) -> str:
        return f"tupleElement({value}, {self.const(name)})"

    def any_element(self, items: str, var: str, predicate: str) -> str:
        return f"arrayExists({var} -> coalesce({predicate}, false), {items})"

    def list_transform(self, items: str, var: str, expr: str) -> str:
        return f"arrayMap({var} -> {expr}, {items})"
