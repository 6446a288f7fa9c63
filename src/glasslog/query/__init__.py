"""The query layer: Okta's `filter` language and `q` keyword search.

    text ──parse_filter──► AST (ast.py) ──matches──────────► bool          (streams, detections)
                                        └─compile_filter───► SQL + params  (stores, one printer per dialect)
    q ─────parse_keywords─► keywords ───matches_keywords───► bool
                                        └─compile_keywords_prefilter─► SQL superset, confirmed in Python

Names, aliases, arrays and case rules live in fields.py; how values and literals are compared in coercion.py.
"""

from glasslog.query.ast import And, Compare, Node, Not, Or, Present, to_filter_text
from glasslog.query.compiler import (
    compile_filter,
    compile_keywords_prefilter,
    register_printer,
    value_expression,
)
from glasslog.query.keywords import event_tokens, matches_keywords, parse_keywords
from glasslog.query.matcher import compile_matcher, matches
from glasslog.query.parser import parse_filter

__all__ = [
    "And",
    "Compare",
    "Node",
    "Not",
    "Or",
    "Present",
    "compile_filter",
    "compile_keywords_prefilter",
    "compile_matcher",
    "event_tokens",
    "matches",
    "matches_keywords",
    "parse_filter",
    "parse_keywords",
    "register_printer",
    "to_filter_text",
    "value_expression",
]
