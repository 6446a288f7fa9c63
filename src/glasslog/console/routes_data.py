"""JSON endpoints behind the console's charts and search box. Every one answers from a server-side aggregate
over the same query parameters the events table sends to `/api/v1/logs`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from glasslog.console import aggregates, buckets
from glasslog.console.fields_catalog import OPERATORS, canonical_path, field_entries
from glasslog.console.interpret import interpret
from glasslog.console.params import ConsoleParams, iso
from glasslog.errors import validation_error
from glasslog.log import Log

MAX_VALUES = 100


def router(log: Log, require_reader: Any) -> APIRouter:
    r = APIRouter(prefix="/api/glasslog", tags=["console"])

    @r.get("/fields")
    def fields(principal: Any = Depends(require_reader)) -> dict[str, Any]:
        """The filter language's fields (with aliases) and operators, for autocomplete."""
        return {"fields": [f.as_dict() for f in field_entries()], "operators": OPERATORS}

    @r.get("/fields/values")
    def values(
        field: str = Query(..., description="filter path (aliases allowed)"),
        prefix: str = Query("", max_length=200),
        limit: int = Query(20, ge=1, le=MAX_VALUES),
        p: ConsoleParams = Depends(),
        principal: Any = Depends(require_reader),
    ) -> dict[str, Any]:
        """The most frequent values of a field in the current range (not the current filter: while typing
        a filter, the one being edited should not narrow its own suggestions)."""
        path, resolved = canonical_path(field)
        p.filter, p.q = None, None
        query = p.query(log, principal.org)
        if prefix and resolved.type == "string":
            from dataclasses import replace

            from glasslog.query.ast import Compare

            query = replace(query, filter=Compare(path, "sw", prefix))
        rows = aggregates.top_values(log.store, principal.org, query, path, limit)
        return {"field": path, "values": [{"value": v, "count": n} for v, n in rows]}

    @r.get("/interpret")
    def interpret_text(text: str = Query("", max_length=8000),
                       principal: Any = Depends(require_reader)) -> dict[str, Any]:
        """Whether the search box holds a filter or keywords, or the syntax error and its position."""
        return interpret(text)

    @r.get("/histogram")
    def histogram(
        p: ConsoleParams = Depends(),
        bucket: int | None = Query(None, ge=1, description="bucket seconds; default: chosen from the range"),
        principal: Any = Depends(require_reader),
    ) -> dict[str, Any]:
        """Matching events per bucket (dense, aligned to the zone's local time)."""
        query = p.query(log, principal.org)
        assert query.since is not None and query.until is not None
        size = bucket or buckets.bucket_size(query.since, query.until)
        if (query.until - query.since).total_seconds() / size > 5000:
            raise validation_error("bucket: too many buckets for the range (at most 5000)")
        rows = buckets.zoned_histogram(log.store, principal.org, query, size, p.zone())
        return {
            "since": iso(query.since), "until": iso(query.until), "bucketSeconds": size,
            "bucketLabel": buckets.describe(size), "total": sum(b.count for b in rows),
            "buckets": [{"start": iso(b.start), "count": b.count} for b in rows],
        }

    @r.get("/trends")
    def trends(
        p: ConsoleParams = Depends(),
        limit: int = Query(5, ge=1, le=50),
        principal: Any = Depends(require_reader),
    ) -> dict[str, Any]:
        """Top actors, targets and event types of the matching events, with counts and shares."""
        return aggregates.trends(log.store, principal.org, p.query(log, principal.org), limit)

    @r.get("/places")
    def places(
        p: ConsoleParams = Depends(),
        limit: int = Query(2000, ge=1, le=10000),
        principal: Any = Depends(require_reader),
    ) -> dict[str, Any]:
        """Matching events by client location, with outcome counts, for the map."""
        return aggregates.places(log.store, principal.org, p.query(log, principal.org), limit)

    return r
