"""Shared pieces of the conformance tests: the wide time range and how results are compared."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from glasslog.query import matches, matches_keywords, parse_filter, parse_keywords

SINCE = "2000-01-01T00:00:00.000Z"


def until() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def found(log: Any, org: str, filter: str | None = None, q: str | None = None) -> set[str]:
    rows = log.search(org=org, filter=filter, q=q, since=SINCE, until=until(), limit=1000,
                      sort_order="ASCENDING")
    return {r["uuid"] for r in rows}


def by_matcher(events: list[dict[str, Any]], filter: str | None = None, q: str | None = None) -> set[str]:
    """The expected answer computed independently, by the Python matcher."""
    node = parse_filter(filter) if filter else None
    words = parse_keywords(q) if q else ()
    return {e["uuid"] for e in events
            if (node is None or matches(node, e)) and (not words or matches_keywords(words, e))}


def generated_names(uuids: set[str]) -> set[str]:
    return {u[len("gen-"):] for u in uuids if u.startswith("gen-")}
