"""The `q` keyword search (reference §4).

`q` is space-separated keywords; an event matches when every keyword equals, ignoring case, a token of some
attribute *value* (never a key). A value's tokens are the whole value, its whitespace-separated words, and the
parts of hyphenated words: `XOxBw-2JIRnCFd0gG0GjHAAABjY` is found by `XOxBw`, `2JIRnCFd0gG0GjHAAABjY` or the whole.
Numbers and booleans are values too, as one token each (their JSON text); null is not.

SQL cannot tokenise cheaply, so the store runs `compile_keywords_prefilter` (a case-insensitive substring test on
the stored JSON: a superset of the matches) and confirms candidates with `matches_keywords`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from glasslog.errors import GlasslogError
from glasslog.query.coercion import json_text, number

MAX_KEYWORDS = 10
_JSON_ESCAPED = re.compile(r'["\\/]|[^\x20-\x7e]')  # may be escaped in the stored JSON
MAX_KEYWORD_LENGTH = 40


def parse_keywords(q: str) -> tuple[str, ...]:
    """Split `q` into keywords; more than 10, or one longer than 40 characters → E0000001."""
    if not isinstance(q, str):
        raise GlasslogError("E0000001", "q must be a string")
    words = tuple(q.split())
    if len(words) > MAX_KEYWORDS:
        raise GlasslogError("E0000001", f"q: at most {MAX_KEYWORDS} keywords are allowed, got {len(words)}")
    for word in words:
        if len(word) > MAX_KEYWORD_LENGTH:
            raise GlasslogError("E0000001", f"q: keyword '{word[:50]}' is longer than {MAX_KEYWORD_LENGTH} "
                                            "characters")
    return words


def _value_tokens(value: Any) -> Iterator[str]:
    """Every token of every value under `value`, lower-cased (keys are not values)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield from value_tokens(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif v is not None:
            yield json_text(v)


def value_tokens(text: str) -> Iterator[str]:
    """The tokens of one string value, lower-cased."""
    low = text.lower()
    yield low
    for word in low.split():
        yield word
        if "-" in word:
            yield from word.split("-")


def event_tokens(event: dict[str, Any]) -> set[str]:
    """All tokens of all attribute values of an event, lower-cased."""
    return set(_value_tokens(event))


def matches_keywords(keywords: Iterable[str], event: dict[str, Any]) -> bool:
    """Does every keyword equal (ignoring case) some token of the event's values?"""
    wanted = {k.lower() for k in keywords}
    if not wanted:
        return True
    for token in _value_tokens(event):
        if token in wanted:
            wanted.discard(token)
            if not wanted:
                return True
    return False


def prefilter_keywords(keywords: Iterable[str]) -> list[str]:
    """Lower-cased substrings the stored JSON must contain (ignoring case) for an event to match.

    Characters JSON may escape (quote, backslash, slash, controls) split a keyword into parts that must each
    occur: `Python-urllib/2.7` may be stored as `Python-urllib\\/2.7`, but both parts are there as written.
    A keyword with non-ASCII letters (whose case folding may differ between Python and the database), or that
    could be a fractional number's text (the stored JSON may spell 1.5 as 1.50 or 15e-1), is left to the exact
    check."""
    out = []
    for k in keywords:
        if not k.isascii():
            continue
        if number(k) is not None and any(c in k for c in ".eE"):
            continue
        out += [part.lower() for part in _JSON_ESCAPED.split(k) if part]
    return out
