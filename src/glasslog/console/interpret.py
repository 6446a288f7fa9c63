"""What the one search box understood: a filter expression or keywords (Okta's console tells the user which).

Rule: text that parses as a filter is a filter. Text that does not parse is keywords, unless it plainly
tries to be a filter (it has a quote, a parenthesis or an operator word after a field name), in which case
the user meant a filter and gets the syntax error at its position instead of a silent keyword search.
"""

from __future__ import annotations

import re
from typing import Any

from glasslog.errors import FilterError, GlasslogError

OPERATOR_WORDS = {"eq", "ne", "gt", "ge", "lt", "le", "sw", "ew", "co", "pr"}
_WORD = re.compile(r"\S+")


def looks_like_filter(text: str) -> bool:
    """A quote, a parenthesis, or an operator word that follows another word."""
    if '"' in text or "(" in text or ")" in text:
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    return any(w in OPERATOR_WORDS for w in words[1:])


def interpret(text: str | None) -> dict[str, Any]:
    """`{"kind": "empty" | "filter" | "keywords" | "error", ...}` with the error's message and position."""
    text = (text or "").strip()
    if not text:
        return {"kind": "empty"}
    from glasslog.query import parse_filter, parse_keywords

    try:
        parse_filter(text)
        return {"kind": "filter", "filter": text}
    except FilterError as exc:
        if looks_like_filter(text):
            return {"kind": "error", "as": "filter", "message": _message(exc), "position": exc.position,
                    "errorCode": exc.code}
    try:
        parse_keywords(text)
    except GlasslogError as exc:
        return {"kind": "error", "as": "keywords", "message": _message(exc), "position": None,
                "errorCode": exc.code}
    return {"kind": "keywords", "q": text}


def _message(exc: GlasslogError) -> str:
    text = exc.causes[0] if exc.causes else (exc.detail or exc.summary)
    return re.sub(r" at position \d+$", "", text)
