"""Tokens of the filter language.

Words (attribute paths, operators, `and`/`or`/`not`, `true`/`false`/`null`) are one token kind: which one a
word is depends on where it stands, and the parser decides (so an attribute may be called `type`, and errors can
say "expected an operator after attribute 'x'"). Strings are JSON strings with JSON escapes; numbers follow
JSON's grammar. Every token carries its 0-based position for error messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import orjson

from glasslog.errors import FilterError

Kind = Literal["word", "string", "number", "lparen", "rparen", "end"]


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # the source text of the token
    pos: int
    value: str | int | float | None = None  # decoded string or number


_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.:-]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4})*"')
_SPACE = frozenset(" \t\r\n")


def tokenize(text: str) -> list[Token]:
    """Split filter text into tokens, ending with an `end` token; raises FilterError on a bad character or
    a malformed string or number."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
            continue
        if c == "(":
            tokens.append(Token("lparen", c, i))
            i += 1
        elif c == ")":
            tokens.append(Token("rparen", c, i))
            i += 1
        elif c == '"':
            m = _STRING.match(text, i)
            if m is None:
                raise FilterError(_string_problem(text, i), _string_problem_pos(text, i))
            try:
                decoded = orjson.loads(m.group(0))
            except orjson.JSONDecodeError:  # e.g. a lone surrogate escape
                raise FilterError("invalid escape in string literal", i) from None
            tokens.append(Token("string", m.group(0), i, decoded))
            i = m.end()
        elif c == "-" or c.isdigit():
            m = _NUMBER.match(text, i)
            if m is None:
                raise FilterError("expected a number", i)
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_.$"):
                raise FilterError(f"unexpected character '{text[end]}' in a number", end)
            raw = m.group(0)
            value: int | float = int(raw) if re.fullmatch(r"-?[0-9]+", raw) else float(raw)
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                raise FilterError(f"number {raw} is out of range", i)
            tokens.append(Token("number", raw, i, value))
            i = end
        else:
            m = _WORD.match(text, i)
            if m is None:
                raise FilterError(f"unexpected character '{c}'", i)
            tokens.append(Token("word", m.group(0), i))
            i = m.end()
    tokens.append(Token("end", "", n))
    return tokens


def _string_problem_pos(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == '"':
            return i
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in '"\\/bfnrtu':
                return i
            if text[i + 1] == "u" and not re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2:i + 6]):
                return i
            i += 6 if text[i + 1] == "u" else 2
            continue
        if ord(c) < 0x20:
            return i
        i += 1
    return start


def _string_problem(text: str, start: int) -> str:
    pos = _string_problem_pos(text, start)
    if pos == start:
        return "unterminated string literal (expected a closing '\"')"
    if text[pos] == "\\":
        return "invalid escape in string literal (JSON escapes: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"
    return "control character in string literal (escape it)"
