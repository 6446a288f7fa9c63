"""The query every console endpoint answers: the same `filter`, `q`, `since`, `until` and `sortOrder` the
Okta API takes, turned into a SearchQuery by `Log.build_query`, so a chart, the table (which reads
`/api/v1/logs`) and an export of the same URL parameters always describe the same events."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Query

from glasslog.errors import validation_error
from glasslog.log import Log
from glasslog.store.base import SearchQuery


class ConsoleParams:
    """FastAPI dependency: the current query's parameters, as the console's URL carries them."""

    def __init__(
        self,
        filter: str | None = Query(None, description="Okta filter expression"),
        q: str | None = Query(None, description="keywords (all must match)"),
        since: str | None = Query(None, description="RFC 3339 lower bound (inclusive)"),
        until: str | None = Query(None, description="RFC 3339 upper bound (exclusive)"),
        sortOrder: str = Query("DESCENDING", description="ASCENDING or DESCENDING"),  # noqa: N803 - Okta's name
        tz: str = Query("UTC", description="IANA time zone the buckets align to"),
    ) -> None:
        self.filter = filter
        self.q = q
        self.since = since
        self.until = until
        self.sort_order = sortOrder
        self.tz = tz

    def query(self, log: Log, org: str, limit: int | None = None) -> SearchQuery:
        query = log.build_query(org, self.filter, self.q, self.since, self.until, 100, self.sort_order)
        return replace(query, limit=limit)

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise validation_error(f"tz: unknown time zone '{self.tz}'") from None


def iso(dt: datetime) -> str:
    """RFC 3339 with milliseconds and Z, the form Okta's `published` uses."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
