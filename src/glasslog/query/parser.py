"""`parse_filter`: filter text → AST (see ast.py), with Okta's precedence and error codes.

Grammar (words are case-insensitive):

    filter     := or_expr end
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" or_expr ")" | comparison
    comparison := attrPath "pr" | attrPath op value
    value      := JSON string | number | true | false | null

`and` binds tighter than `or`; `not` applies to the comparison or parenthesised group that follows.
Attribute names are resolved through the field table here, so the AST always holds canonical paths and an
unknown top-level attribute fails at parse time (E0000053).
"""

from __future__ import annotations

from glasslog.errors import FilterError
from glasslog.query.ast import COMPARE_OPS, And, Compare, Literal, Node, Not, Or, Present
from glasslog.query.fields import resolve
from glasslog.query.lexer import Token, tokenize

_OPS_TEXT = ", ".join((*COMPARE_OPS, "pr"))
_KEYWORDS = frozenset({"and", "or", "not"})
_CONSTANTS: dict[str, Literal] = {"true": True, "false": False, "null": None}
MAX_DEPTH = 100


def parse_filter(text: str) -> Node:
    """Parse a filter expression; raises FilterError (E0000053) naming the 0-based position and what was
    expected, or E0000031 for an operator the value cannot be used with."""
    if not isinstance(text, str):
        raise FilterError("filter must be a string", None)
    parser = _Parser(tokenize(text))
    if parser.peek.kind == "end":
        raise FilterError("empty filter (expected an attribute, 'not' or '(')", 0)
    node = parser.or_expr()
    tok = parser.peek
    if tok.kind != "end":
        raise FilterError(f"expected 'and', 'or' or the end of the filter, found {_show(tok)}", tok.pos)
    return node


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at_word(self, word: str) -> bool:
        tok = self.peek
        return tok.kind == "word" and tok.text.lower() == word

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.at_word("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(*items)

    def and_expr(self) -> Node:
        items = [self.unary()]
        while self.at_word("and"):
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(*items)

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(f"filter nests deeper than {MAX_DEPTH} levels", self.peek.pos)
        try:
            tok = self.peek
            if self.at_word("not"):
                self.take()
                return Not(self.unary())
            if tok.kind == "lparen":
                self.take()
                node = self.or_expr()
                close = self.peek
                if close.kind != "rparen":
                    raise FilterError(f"expected ')' to close the '(' at position {tok.pos}, found {_show(close)}",
                                      close.pos)
                self.take()
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Node:
        tok = self.take()
        if tok.kind != "word" or tok.text.lower() in _KEYWORDS:
            raise FilterError(f"expected an attribute, 'not' or '(', found {_show(tok)}", tok.pos)
        field = resolve(tuple(tok.text.split(".")), tok.pos)
        op_tok = self.take()
        op = op_tok.text.lower() if op_tok.kind == "word" else ""
        if op == "pr":
            return Present(field.path)
        if op not in COMPARE_OPS:
            raise FilterError(f"expected an operator ({_OPS_TEXT}) after attribute '{tok.text}', "
                              f"found {_show(op_tok)}", op_tok.pos)
        val_tok = self.take()
        value = _literal(val_tok, op)
        _check_operator(field.dotted, field.type, op, value, op_tok.pos)
        return Compare(field.path, op, value)


def _literal(tok: Token, op: str) -> Literal:
    if tok.kind in ("string", "number"):
        return tok.value
    if tok.kind == "word" and tok.text.lower() in _CONSTANTS:
        return _CONSTANTS[tok.text.lower()]
    raise FilterError(f"expected a value (a \"string\", a number, true, false or null) after '{op}', "
                      f"found {_show(tok)}", tok.pos)


def _check_operator(name: str, value_type: str, op: str, value: Literal, pos: int) -> None:
    """E0000031 for operator/value combinations that cannot mean anything."""
    if op in ("sw", "ew", "co") and not isinstance(value, str):
        raise FilterError(f"operator '{op}' needs a string value (attribute '{name}')", pos, code="E0000031")
    if op in ("gt", "ge", "lt", "le") and (value is None or isinstance(value, bool)):
        raise FilterError(f"operator '{op}' cannot compare with {_literal_name(value)} (attribute '{name}')",
                          pos, code="E0000031")
    if value_type == "boolean" and op not in ("eq", "ne"):
        raise FilterError(f"operator '{op}' is not supported on boolean attribute '{name}'", pos,
                          code="E0000031")


def check_node(node: Node) -> None:
    """Apply the parse-time checks to a hand-built AST (the matcher and compiler call this)."""
    if isinstance(node, Compare):
        field = resolve(node.path)
        _check_operator(field.dotted, field.type, node.op, node.value, 0)
        if isinstance(node.value, float) and node.value != node.value:
            raise FilterError("NaN is not a valid value", None)
    elif isinstance(node, Present):
        resolve(node.path)
    elif isinstance(node, And | Or):
        for item in node.items:
            check_node(item)
    elif isinstance(node, Not):
        check_node(node.item)
    else:
        raise TypeError(f"not a filter node: {node!r}")


def _literal_name(value: Literal) -> str:
    return "null" if value is None else "a boolean"


def _show(tok: Token) -> str:
    return "the end of the filter" if tok.kind == "end" else f"'{tok.text}'"
