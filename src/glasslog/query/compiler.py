"""Filter AST → a boolean SQL expression over the `events` table, for any dialect with a printer.

What the compiler decides (the printer only spells it):
- **Where a value comes from.** A hot attribute (store/columns.py) is read from its column; for "lower" columns
  the parameter is lower-cased here, so `eq` is a plain `col = ?` that DuckDB can push into the scan and prune
  with zone maps. Array attributes with a hot member use the list-of-structs column; everything else is read
  from `raw` through JSON functions. `published` compared with an instant uses the TIMESTAMP column.
- **Prefilters.** A text test on a list member that has a joined column (`request.ipChain.ip`, columns.py) is
  preceded by `contains` on that plain string column, a superset test that spares the lambda over the list for
  nearly every row; the list predicate still decides, so results do not change.
- **How it is compared.** Exactly the rules of `coercion.py`, the same ones the Python matcher runs.
- **Three-valued logic.** SQL comparisons are NULL on a missing value, and `NOT NULL` is NULL, which would make
  `ne` and `not` wrong on missing attributes. The compiler pushes negations down to the comparisons
  (De Morgan) and negates each one NULL-safely, so positive comparisons stay simple (and index-friendly).
- **Safety.** Every value is a bound parameter; attribute names are validated by the field table and quoted by
  the printer.
"""

from __future__ import annotations

from typing import Any

from glasslog.query.ast import And, Compare, Node, Not, Or, Present
from glasslog.query.coercion import NUMBER_PATTERN, RFC3339_PATTERN, instant_us
from glasslog.query.dialect import Printer
from glasslog.query.fields import Field, resolve
from glasslog.query.keywords import prefilter_keywords
from glasslog.query.parser import check_node
from glasslog.query.sql_duckdb import DuckDBPrinter
from glasslog.store.columns import JOINED_BY_MEMBER, SEPARATOR

PRINTERS: dict[str, type[Printer]] = {"duckdb": DuckDBPrinter}


def register_printer(name: str, printer: type[Printer]) -> None:
    """Add a dialect (e.g. ClickHouse) without touching the compiler."""
    PRINTERS[name] = printer


def printer_for(dialect: str | Printer) -> Printer:
    if isinstance(dialect, Printer):
        return dialect
    try:
        return PRINTERS[dialect]()
    except KeyError:
        raise ValueError(f"unknown SQL dialect {dialect!r}; known: {', '.join(sorted(PRINTERS))}") from None


def compile_filter(node: Node, dialect: str | Printer = "duckdb") -> tuple[str, list[Any]]:
    """A boolean SQL expression (unqualified `events` columns, `?`-style placeholders) and its parameters."""
    check_node(node)
    compiler = _Compiler(printer_for(dialect))
    return compiler.node(node, negated=False), compiler.params


class _Compiler:
    def __init__(self, printer: Printer) -> None:
        self.p = printer
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return self.p.placeholder()

    # -- logic ------------------------------------------------------------------------------------------

    def node(self, node: Node, negated: bool) -> str:
        if isinstance(node, And | Or):
            parts = [self.node(i, negated) for i in node.items]
            conjunction = isinstance(node, And) != negated  # De Morgan
            return self.p.and_(parts) if conjunction else self.p.or_(parts)
        if isinstance(node, Not):
            return self.node(node.item, not negated)
        if isinstance(node, Present):
            return self.finish(self.present(resolve(node.path)), negated)
        if isinstance(node, Compare):
            return self.compare(resolve(node.path), node, negated)
        raise TypeError(f"not a filter node: {node!r}")

    def finish(self, positive: tuple[str, bool], negated: bool) -> str:
        """`positive` is (sql, may_be_null); negate it NULL-safely when needed."""
        sql, nullable = positive
        if not negated:
            return sql
        return self.p.not_(self.p.coalesce_false(sql) if nullable else sql)

    # -- values -----------------------------------------------------------------------------------------

    def over(self, field: Field, test: Any) -> tuple[str, bool]:
        """Apply `test(text_sql, lowered) -> sql` to the attribute's text; ANY element for arrays."""
        p = self.p
        if field.hot is not None:
            return test(p.column(field.hot.column), field.hot.case == "lower"), True
        if field.array:
            var = p.fresh("e")
            if field.hot_list is not None and field.hot_member is not None:
                items = p.column(field.hot_list.column)
                text = p.struct_field(var, field.hot_member.column)
                return p.any_element(items, var, test(text, field.hot_member.case == "lower")), False
            items = p.json_elements(p.column("raw"), field.path[: field.array])
            text = p.json_text_at(var, field.element_path, field.element_known)
            return p.any_element(items, var, test(text, False)), False
        return test(p.json_text_at(p.column("raw"), field.path, field.known), False), True

    def present(self, field: Field) -> tuple[str, bool]:
        p = self.p
        if field.hot is not None or field.hot_member is not None:
            return self.over(field, lambda s, _low: p.and_([p.is_not_null(s), p.not_in(s, ("", "[]", "{}"))]))
        if field.array:
            var = p.fresh("e")
            items = p.json_elements(p.column("raw"), field.path[: field.array])
            value = p.json_at(var, field.element_path, field.element_known)
            return p.any_element(items, var, p.json_present(value)), False
        return p.json_present(p.json_at(p.column("raw"), field.path, field.known)), False

    # -- comparisons ------------------------------------------------------------------------------------

    def compare(self, field: Field, node: Compare, negated: bool) -> str:
        op, value = node.op, node.value
        if op == "ne":
            op, negated = "eq", not negated
        p = self.p
        if value is None:  # eq null: no value; ne null: has a value
            has_value = self.over(field, lambda s, _low: p.is_not_null(s))
            return self.finish(has_value, not negated)
        if (field.path == ("published",) and isinstance(value, str) and op not in ("sw", "ew", "co")
                and (micros := instant_us(value)) is not None):
            return self.finish((p.compare(p.column("published"), op, self.bind(p.instant_param(micros))), False),
                               negated)
        if negated and field.hot is not None and op == "eq" and isinstance(value, str) \
                and instant_us(value) is None:
            # `col IS DISTINCT FROM ?` is NULL-safe and cheap
            lit = value.lower() if field.hot.case == "lower" or not field.exact else value
            return p.is_distinct(p.column(field.hot.column), self.bind(lit))
        prefilter = self.joined_prefilter(field, op, value)  # bound first: its SQL comes first
        sql, nullable = self.over(field, lambda s, low: self.text_test(field, op, value, s, low))
        if prefilter is not None:
            sql, nullable = p.and_([prefilter, sql]), True
        return self.finish((sql, nullable), negated)

    def joined_prefilter(self, field: Field, op: str, value: Any) -> str | None:
        """`contains` on the member's joined column (columns.JoinedMember) when it is a sound superset of the text
        test: the test compares the member's text as the list holds it (no lower() applied in SQL) with a string
        literal by eq/sw/ew/co, never as an instant. For a value `v` in the list the joined text holds " v ",
        so eq needs " lit ", sw " lit", ew "lit " and co "lit". Marked nullable so a negation is NULL-safe even
        if a row lacked the column's value."""
        if field.hot_list is None or field.hot_member is None or not isinstance(value, str) \
                or op not in ("eq", "sw", "ew", "co"):
            return None
        joined = JOINED_BY_MEMBER.get((field.hot_list.column, field.hot_member.column))
        lowered = field.hot_member.case == "lower"
        if joined is None or (not lowered and not field.exact) or (op == "eq" and instant_us(value) is not None):
            return None
        lit = value.lower() if not field.exact or lowered else value  # as text_test binds it
        part = {"eq": SEPARATOR + lit + SEPARATOR, "sw": SEPARATOR + lit, "ew": lit + SEPARATOR, "co": lit}[op]
        return self.p.contains(self.p.column(joined.column), self.bind(part))

    def text_test(self, field: Field, op: str, value: Any, s: str, lowered: bool) -> str:
        """SQL for one text `s` passing `op value` (see coercion.py). `lowered`: s is already lower-case."""
        p = self.p
        if isinstance(value, bool):
            text = s if lowered else p.lower(s)
            return p.compare(text, "eq", self.bind("true" if value else "false"))
        if isinstance(value, int | float):
            return p.compare(p.number(s, NUMBER_PATTERN), op, self.bind(float(value)))
        ci = not field.exact
        text = p.lower(s) if ci and not lowered else s
        lit = value.lower() if ci or lowered else value
        if op == "sw":
            return p.starts_with(text, self.bind(lit))
        if op == "ew":
            return p.ends_with(text, self.bind(lit))
        if op == "co":
            return p.contains(text, self.bind(lit))
        micros = instant_us(value)
        if micros is None:
            return p.compare(text, op, self.bind(lit))
        instant = p.instant_us(s, RFC3339_PATTERN)
        as_instant = p.compare(instant, op, self.bind(micros))  # bound in the order the SQL reads
        return p.case_when(p.is_not_null(instant), as_instant, p.compare(text, op, self.bind(lit)))


def compile_keywords_prefilter(keywords: tuple[str, ...] | list[str],
                               dialect: str | Printer = "duckdb") -> tuple[str, list[Any]]:
    """A cheap condition on `raw` that every event matching `keywords` satisfies (a superset): each usable
    keyword must occur, ignoring case, in the stored JSON. Confirm candidates with `matches_keywords`."""
    p = printer_for(dialect)
    words = prefilter_keywords(keywords)
    if not words:
        return p.true(), []
    raw = p.column("raw")
    return p.and_([p.contains_ignoring_case(raw) for _ in words]), [p.ignoring_case_param(w) for w in words]


def value_expression(path: str | tuple[str, ...], dialect: str | Printer = "duckdb") -> tuple[str, bool]:
    """An SQL expression for an attribute's value, to GROUP BY (top actors, targets, event types):
    the text in its original case (from `raw`, or from an exact-case hot column), and whether it is a list
    (array paths: one value per element)."""
    p = printer_for(dialect)
    field = resolve(tuple(path.split(".")) if isinstance(path, str) else tuple(path))
    if field.array:
        var = p.fresh("e")
        items = p.json_elements(p.column("raw"), field.path[: field.array])
        return p.list_transform(items, var, p.json_text_at(var, field.element_path, field.element_known)), True
    if field.hot is not None and field.hot.case == "exact":
        return p.column(field.hot.column), False
    return p.json_text_at(p.column("raw"), field.path, field.known), False
