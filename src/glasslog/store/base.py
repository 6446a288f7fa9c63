"""The Store protocol: what every backend (DuckDB, ClickHouse) offers the rest of glasslog.

Callers hand the store parsed queries (a filter AST and keywords), never SQL; the backend's compiler turns them
into statements and adds the org guard itself, so tenancy cannot be forgotten by a caller.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import Any, Literal, Protocol

import pyarrow as pa

SortOrder = Literal["ASCENDING", "DESCENDING"]


@dataclass(slots=True)
class ValidEvent:
    """An event that passed validation: its parsed form, its JSON text to keep, and the fields the store needs
    before any SQL runs (the dedupe key and the time)."""

    obj: dict[str, Any]
    raw: bytes
    uuid: str
    published: datetime  # timezone-aware UTC


class EventBatch:
    """Valid events as columns, their JSON texts end to end in one buffer (`seal`).

    A bulk import builds one per row group on its parsing thread, so the store's thread — the import's
    bottleneck — receives the buffer it hands to DuckDB and zstd as it is, instead of copying 120,000 texts out
    of as many objects itself; and a sealed batch holds its texts once (BENCHMARKS.md)."""

    __slots__ = ("uuids", "published", "frames", "_texts", "_buffer", "_ends", "_times")

    def __init__(self) -> None:
        self.uuids: list[str] = []
        self.published: list[datetime] = []  # timezone-aware UTC
        self._texts: list[bytes] = []
        self._buffer = b""
        self._ends = array("q", [0])
        self._times: pa.Array | None = None
        # The texts already compressed, by a store's `prepare`: (its dictionary's number, one frame per event).
        self.frames: tuple[int, pa.Array] | None = None

    def add(self, ev: ValidEvent) -> None:
        self.uuids.append(ev.uuid)
        self.published.append(ev.published)
        self._texts.append(ev.raw)

    @classmethod
    def of(cls, events: Iterable[ValidEvent]) -> EventBatch:
        batch = cls()
        for ev in events:
            batch.add(ev)
        return batch.seal()

    def seal(self) -> EventBatch:
        """Join the texts added since the last seal into the buffer (one copy; the texts are let go), and make
        the times an Arrow column (a tenth of the store's time per event when the store's thread did it)."""
        if self._times is None or len(self._times) != len(self.published):
            self._times = pa.array(self.published, pa.timestamp("us", "UTC")).cast(pa.timestamp("us"))
        if self._texts:
            self._ends.extend(accumulate(map(len, self._texts), initial=self._ends[-1]))
            self._ends.pop(len(self._ends) - len(self._texts) - 1)  # accumulate repeated the previous end
            self._buffer = b"".join([self._buffer, *self._texts]) if self._buffer else b"".join(self._texts)
            self._texts = []
        return self

    def times(self) -> pa.Array:
        """`published` as naive UTC microsecond timestamps (DuckDB's TIMESTAMP)."""
        self.seal()
        assert self._times is not None
        return self._times

    def texts(self) -> tuple[bytes, array]:
        """The buffer and the offsets of the texts in it (text i is buffer[ends[i]:ends[i + 1]])."""
        self.seal()
        return self._buffer, self._ends

    def text_column(self) -> pa.Array:
        """The texts as an Arrow column on the batch's own buffer (nothing copied)."""
        buffer, ends = self.texts()
        return pa.LargeStringArray.from_buffers(len(self), pa.py_buffer(ends), pa.py_buffer(buffer))

    def __len__(self) -> int:
        return len(self.uuids)

    def events(self) -> list[ValidEvent]:
        """The batch as events without their parsed form, for backends that take events one by one."""
        buffer, ends = self.texts()
        return [ValidEvent(obj={}, raw=buffer[ends[i]:ends[i + 1]], uuid=u, published=p)
                for i, (u, p) in enumerate(zip(self.uuids, self.published, strict=True))]


@dataclass
class Rejected:
    index: int
    reason: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    first_seq: int | None = None  # persistence sequence of the first accepted event
    last_seq: int | None = None
    # uuids of one store batch that the org already held: with them a caller that merged several requests into
    # one batch (the API's group commit) tells each request exactly which of its events were new
    stored_before: set[str] = field(default_factory=set)

    def add(self, part: IngestResult) -> None:
        """Fold the result of a later batch of the same ingest into this one (counts only: `stored_before`
        stays per batch, or a re-import of millions of events would hold all their uuids)."""
        self.accepted += part.accepted
        self.duplicates += part.duplicates
        self.rejected.extend(part.rejected)
        if part.first_seq is not None:
            self.first_seq = self.first_seq or part.first_seq
            self.last_seq = part.last_seq

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"index": r.index, "errorSummary": r.reason} for r in self.rejected],
        }


@dataclass(frozen=True)
class SearchQuery:
    """What to find. `filter` is a parsed filter AST (glasslog.query.ast) or None; `keywords` are the `q` words.

    mode "bounded": events with since <= published < until, ordered by (published, uuid) in `order`;
    `after` is the last (published, uuid) returned.
    mode "polling": events committed after `after_seq` (persistence sequence), ordered by seq ascending,
    with since <= published (and published < until when given).
    """

    filter: Any = None
    keywords: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = 100  # None = every match
    order: SortOrder = "ASCENDING"
    mode: Literal["bounded", "polling"] = "bounded"
    after: tuple[datetime, str] | None = None  # bounded keyset cursor: (published, uuid) of the last row
    after_seq: int | None = None  # polling cursor: the last seq returned (or the seq to start after)


@dataclass(slots=True)
class StoredEvent:
    seq: int
    published: datetime  # UTC, timezone-aware
    uuid: str
    raw: bytes  # the event JSON


@dataclass
class Page:
    events: list[StoredEvent]
    has_more: bool  # bounded: more matching rows exist after the last one returned


@dataclass(frozen=True)
class Bucket:
    start: datetime
    count: int


class Store(Protocol):
    """A durable, per-org LogEvent store."""

    def ingest(self, org: str, events: Sequence[ValidEvent] | EventBatch, keep_order: bool = False,
               ) -> IngestResult:
        """Store events not already in the org (by uuid); returns once the batch is durably committed.
        `rejected` is left empty: validation happens before the store. Persistence order within the batch
        follows `published`, unless `keep_order` (a caller that merged batches acknowledged one after another
        and has sorted each itself)."""

    def stored_uuids(self, org: str, uuids: Sequence[str], lo: datetime, hi: datetime) -> set[str]:
        """Which of `uuids`, published between `lo` and `hi`, the org already holds (committed: what `ingest`
        would skip). The same event always carries the same `published`, so only that span is read."""

    def search(self, org: str, query: SearchQuery) -> Page: ...

    def iter_search(self, org: str, query: SearchQuery, batch: int = 5000) -> Iterable[StoredEvent]:
        """Every match of `query` (its limit ignored), streamed in order in constant memory."""

    def count(self, org: str, query: SearchQuery) -> int: ...

    def histogram(self, org: str, query: SearchQuery, bucket_seconds: int) -> list[Bucket]:
        """Matching events per time bucket of `published` (buckets aligned to the epoch, empty ones omitted)."""

    def top_values(self, org: str, query: SearchQuery, path: str, limit: int = 10) -> list[tuple[Any, int]]:
        """The most frequent values of a field (dotted filter path; arrays count each element) with counts."""

    def max_seq(self) -> int:
        """The highest persistence sequence committed so far (0 for an empty store)."""

    def orgs(self) -> list[str]:
        """Orgs that have events or metadata."""

    def put_meta(self, org: str, kind: str, key: str, value: dict[str, Any]) -> None:
        """Keep a small JSON document (org settings, tokens, saved searches, alert state, stream cursors)."""

    def get_meta(self, org: str, kind: str, key: str) -> dict[str, Any] | None: ...

    def list_meta(self, org: str, kind: str) -> list[tuple[str, dict[str, Any]]]: ...

    def delete_meta(self, org: str, kind: str, key: str) -> bool: ...

    def delete_before(self, org: str, cutoff: datetime) -> int:
        """Drop the org's events published before `cutoff` (retention); returns how many went."""

    def close(self) -> None: ...
