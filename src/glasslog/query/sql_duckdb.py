"""The DuckDB printer: DuckDB's JSON functions (JSON-pointer paths), `list_*` functions and
`lambda x: ...` syntax (DuckDB 1.3+; the `->` arrow is deprecated).

Free-map keys (exact-first, then case-insensitive) cost a full-path `json_extract` in the common case; only
rows where that exact path is missing walk the keys with `list_reduce` over `json_keys`.
"""

from __future__ import annotations

from glasslog.query.dialect import Printer


def _pointer(path: tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901) for exact segments: `~` and `/` escaped, so any key is safe."""
    return "".join("/" + seg.replace("~", "~0").replace("/", "~1") for seg in path)


class DuckDBPrinter(Printer):
    name = "duckdb"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"starts_with({text}, {prefix})"

    def ends_with(self, text: str, suffix: str) -> str:
        return f"suffix({text}, {suffix})"

    def contains(self, text: str, part: str) -> str:
        return f"contains({text}, {part})"

    def contains_ignoring_case(self, text: str) -> str:
        return f"regexp_matches({text}, {self.placeholder()})"  # RE2 reads the text once; lower() copies it

    def instant_us(self, text: str, pattern: str) -> str:
        return (f"(CASE WHEN regexp_full_match({text}, {self.const(pattern)}) "
                f"THEN epoch_us(TRY_CAST(upper({text}) AS TIMESTAMPTZ)) END)")

    def number(self, text: str, pattern: str) -> str:
        return f"(CASE WHEN regexp_full_match({text}, {self.const(pattern)}) THEN TRY_CAST({text} AS DOUBLE) END)"

    # -- JSON -------------------------------------------------------------------------------------------

    def json_at(self, base: str, path: tuple[str, ...], known: int) -> str:
        exact = f"json_extract({base}, {self.const(_pointer(path))})"
        if known >= len(path):
            return exact
        start = f"json_extract({base}, {self.const(_pointer(path[:known]))})" if known else f"({base})::JSON"
        j, k, x = self.fresh("j"), self.fresh("k"), self.fresh("x")
        key = f"list_filter(json_keys({j}), lambda {x}: lower({x}) = lower({k}))[1]"
        escaped = f"replace(replace({key}, '~', '~0'), '/', '~1')"
        step = f"coalesce(json_extract({j}, '/' || {k}), json_extract({j}, '/' || {escaped}))"
        keys = "[" + ", ".join(self.const(s.replace("~", "~0").replace("/", "~1")) for s in path[known:]) + "]"
        walk = f"list_reduce({keys}, lambda {j}, {k}: {step}, {start})"
        return f"coalesce({exact}, {walk})"

    def json_text_at(self, base: str, path: tuple[str, ...], known: int) -> str:
        if known >= len(path):
            return f"json_extract_string({base}, {self.const(_pointer(path))})"
        return f"json_extract_string({self.json_at(base, path, known)}, '$')"

    def json_present(self, value: str) -> str:
        return (f"coalesce(CASE coalesce(json_type({value}), 'NULL') WHEN 'NULL' THEN FALSE "
                f"WHEN 'VARCHAR' THEN json_extract_string({value}, '$') <> '' "
                f"WHEN 'ARRAY' THEN json_array_length({value}) > 0 "
                f"WHEN 'OBJECT' THEN json_extract_string({value}, '$') <> '{{}}' ELSE TRUE END, FALSE)")

    def json_elements(self, base: str, path: tuple[str, ...]) -> str:
        # The store builds its list columns with the same expression, so both agree on non-arrays.
        dollar = "$." + ".".join(f'"{seg}"' for seg in path) + "[*]"
        return f"json_extract({base}, {self.const(dollar)})"

    # -- lists ------------------------------------------------------------------------------------------

    def struct_field(self, value: str, name: str) -> str:
        return f"{value}.{self.column(name)}"

    def any_element(self, items: str, var: str, predicate: str) -> str:
        return f"coalesce(len(list_filter({items}, lambda {var}: {predicate})) > 0, FALSE)"

    def list_transform(self, items: str, var: str, expr: str) -> str:
        return f"list_transform({items}, lambda {var}: {expr})"
