"""The field list the search box autocompletes: every attribute path of the query engine's field table, with
the alias spellings people paste from Okta's guides (`event_type`, `client.IpAddress`) and the operators each
type accepts.

The console reads the query engine's table instead of keeping its own, so a field the engine learns appears
in the autocomplete without touching the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

STRING_OPS = ("eq", "ne", "sw", "ew", "co", "gt", "ge", "lt", "le", "pr")
ORDERED_OPS = ("eq", "ne", "gt", "ge", "lt", "le", "pr")
BOOLEAN_OPS = ("eq", "ne", "pr")
OPERATORS: dict[str, str] = {
    "eq": "equals",
    "ne": "does not equal",
    "sw": "starts with",
    "ew": "ends with",
    "co": "contains",
    "gt": "greater than",
    "ge": "greater than or equal",
    "lt": "less than",
    "le": "less than or equal",
    "pr": "is present",
}
# Well-known spellings from Okta's own documents, beyond the mechanical snake_case ones.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "client.ipAddress": ("client.IpAddress", "client.ip_address"),
    "eventType": ("event_type",),
    "displayMessage": ("display_message",),
    "authenticationContext.externalSessionId": ("authentication_context.external_session_id",),
}
# The fields a newcomer needs most often come first in the suggestion list.
POPULAR = (
    "eventType", "outcome.result", "outcome.reason", "actor.alternateId", "actor.displayName",
    "client.ipAddress", "target.displayName", "authenticationContext.externalSessionId",
    "client.userAgent.rawUserAgent", "client.geographicalContext.country", "displayMessage", "severity",
)


@dataclass(frozen=True)
class FieldEntry:
    path: str
    type: str
    aliases: tuple[str, ...]
    array: bool
    free_map: bool

    def as_dict(self) -> dict[str, Any]:
        ops = BOOLEAN_OPS if self.type == "boolean" else ORDERED_OPS if self.type in ("number", "timestamp") \
            else STRING_OPS
        return {"path": self.path, "type": self.type, "aliases": list(self.aliases), "array": self.array,
                "freeMap": self.free_map, "operators": list(ops), "popular": self.path in POPULAR}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _walk(specs: Any, prefix: tuple[str, ...], in_array: bool, out: list[FieldEntry]) -> None:
    for spec in specs:
        path = (*prefix, spec.name)
        array = in_array or bool(getattr(spec, "array", False))
        children = getattr(spec, "children", None)
        if children:
            _walk(children, path, array, out)
            continue
        dotted = ".".join(path)
        snake = ".".join(_snake(p) for p in path)
        aliases = tuple(dict.fromkeys(a for a in (snake, *EXTRA_ALIASES.get(dotted, ())) if a != dotted))
        out.append(FieldEntry(dotted, spec.type, aliases, array, spec.type == "object"))


@lru_cache(maxsize=1)
def field_entries() -> tuple[FieldEntry, ...]:
    """Every leaf path of the query engine's field table (free maps included as `path.*` prefixes)."""
    from glasslog.query import fields

    out: list[FieldEntry] = []
    _walk(fields.TOP_LEVEL, (), False, out)
    rank = {p: i for i, p in enumerate(POPULAR)}
    return tuple(sorted(out, key=lambda f: (rank.get(f.path, len(rank)), f.path.lower())))


def canonical_path(path: str) -> tuple[str, Any]:
    """The canonical dotted path of a field name as typed (aliases allowed) and its resolved Field.
    Raises FilterError for an unknown field, like the filter itself would."""
    from glasslog.query import fields

    field = fields.resolve(path)
    return field.dotted, field
