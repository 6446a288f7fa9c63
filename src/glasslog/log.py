"""The Python API: `glasslog.open(...)` returns a Log, the one object every interface (CLI, HTTP API, demo,
detections) goes through, so defaults, validation and retention are decided in one place."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from glasslog.errors import GlasslogError, validation_error
from glasslog.events.timeparse import to_utc
from glasslog.events.validate import validate_event
from glasslog.store import open_store
from glasslog.store.base import (
    EventBatch,
    IngestResult,
    Rejected,
    SearchQuery,
    SortOrder,
    Store,
    StoredEvent,
    ValidEvent,
)

DEFAULT_ORG = "default"
DEFAULT_WINDOW = timedelta(days=7)
INGEST_BATCH = 122_880  # whole DuckDB row groups per commit, as in importer.BATCH


@dataclass(frozen=True)
class OrgSettings:
    """Per-org settings kept in the store. Retention 0 = keep forever (Okta's 90 days is a choice, not a limit)."""

    retention_days: int = 0

    @classmethod
    def from_dict(cls, doc: dict[str, Any] | None) -> OrgSettings:
        return cls(retention_days=int((doc or {}).get("retention_days", 0)))


class Log:
    """A System Log over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writing ----------------------------------------------------------------------------------------

    def ingest(self, events: Iterable[dict[str, Any] | bytes | str], org: str = DEFAULT_ORG) -> IngestResult:
        """Validate and store events; bad records are reported by index and never stop good ones."""
        total = IngestResult()
        batch: list[ValidEvent] = []
        for index, item in enumerate(events):
            checked = _check(item, index)
            if isinstance(checked, Rejected):
                total.rejected.append(checked)
                continue
            batch.append(checked)
            if len(batch) >= INGEST_BATCH:
                total.add(self.store.ingest(org, batch))
                batch = []
        if batch:
            total.add(self.store.ingest(org, batch))
        return total

    def ingest_valid(self, events: list[ValidEvent] | EventBatch, org: str = DEFAULT_ORG) -> IngestResult:
        return self.store.ingest(org, events)

    # -- reading ----------------------------------------------------------------------------------------

    def build_query(
        self,
        org: str = DEFAULT_ORG,
        filter: Any = None,
        q: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int | None = 100,
        sort_order: str = "ASCENDING",
        now: datetime | None = None,
    ) -> SearchQuery:
        """Turn caller parameters into a validated bounded query (Okta's defaults, the org's retention)."""
        node = filter
        if isinstance(filter, str):
            from glasslog.query import parse_filter

            node = parse_filter(filter) if filter.strip() else None
        keywords: tuple[str, ...] = ()
        if q and q.strip():
            from glasslog.query import parse_keywords

            keywords = tuple(parse_keywords(q))
        order = _sort_order(sort_order)
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise validation_error(f"limit must be a non-negative integer, got {limit!r}")
        now = now or datetime.now(UTC)
        until_dt = _time("until", until) if until is not None else now
        since_dt = _time("since", since) if since is not None else until_dt - DEFAULT_WINDOW
        since_dt = max(since_dt, self.retention_floor(org, now))
        return SearchQuery(filter=node, keywords=keywords, since=since_dt, until=until_dt,
                           limit=limit, order=order, mode="bounded")

    def search(
        self,
        org: str = DEFAULT_ORG,
        filter: Any = None,
        q: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int | None = 100,
        sort_order: str = "ASCENDING",
    ) -> list[dict[str, Any]]:
        """Matching events as dicts, JSON-equal to what was ingested. `limit=None` returns every match."""
        query = self.build_query(org, filter, q, since, until, limit, sort_order)
        return [orjson.loads(e.raw) for e in self.store.search(org, query).events]

    def iter_events(self, org: str, query: SearchQuery) -> Iterator[StoredEvent]:
        return self.store.iter_search(org, query)

    # -- settings ---------------------------------------------------------------------------------------

    def settings(self, org: str) -> OrgSettings:
        return OrgSettings.from_dict(self.store.get_meta(org, "settings", "org"))

    def set_retention(self, org: str, days: int) -> None:
        if days < 0:
            raise validation_error("retention_days must be 0 (keep forever) or a positive number of days")
        doc = self.store.get_meta(org, "settings", "org") or {}
        doc["retention_days"] = int(days)
        self.store.put_meta(org, "settings", "org", doc)

    def retention_floor(self, org: str, now: datetime | None = None) -> datetime:
        days = self.settings(org).retention_days
        if days <= 0:
            return datetime(1970, 1, 1, tzinfo=UTC)
        return (now or datetime.now(UTC)) - timedelta(days=days)

    def enforce_retention(self, org: str) -> int:
        """Delete what the org's retention no longer covers (reads already hide it)."""
        days = self.settings(org).retention_days
        if days <= 0:
            return 0
        return self.store.delete_before(org, datetime.now(UTC) - timedelta(days=days))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(location: str | Path = "glasslog-data") -> Log:  # noqa: A001 - the documented API name
    """Open (creating if missing) a log: a data directory, `duckdb://DIR`, `chdb://DIR` or `clickhouse://…`."""
    return Log(open_store(location))


def _check(item: dict[str, Any] | bytes | str, index: int) -> ValidEvent | Rejected:
    """Validate one record; the store needs only its text, so the parsed form is not kept."""
    raw = None
    if isinstance(item, bytes | str):
        raw = item.encode() if isinstance(item, str) else item
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Rejected(index, f"record {index}: malformed JSON: {exc}")
    return validate_event(item, index, raw, keep=False)




def _sort_order(value: str) -> SortOrder:
    text = (value or "ASCENDING").upper()
    if text not in ("ASCENDING", "DESCENDING"):
        raise validation_error(f"sortOrder must be ASCENDING or DESCENDING, got '{value}'")
    return text  # type: ignore[return-value]


def _time(name: str, value: datetime | str) -> datetime:
    try:
        return to_utc(value)
    except (ValueError, TypeError) as exc:
        raise GlasslogError("E0000001", f"{name}: {exc}") from None
