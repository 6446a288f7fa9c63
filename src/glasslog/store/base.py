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


TEXT_CHUNK = 8192  # texts joined per buffer: ~19 MB, so joining never holds a row group's texts twice


class EventBatch:
    """Valid events as columns: their JSON texts end to end in buffers of TEXT_CHUNK texts, their times as one
    Arrow column.

    A bulk import builds one per row group on its parsing thread, so the store's thread — the import's
    bottleneck — receives buffers it hands to DuckDB and zstd as they are, instead of copying 120,000 texts out
    of as many objects itself; and a batch holds its texts once (BENCHMARKS.md)."""

    __slots__ = ("uuids", "published", "frames", "transient", "_texts", "_chunks", "_times")

    def __init__(self, transient: bool = False) -> None:
        self.uuids: list[str] = []
        self.published: list[datetime] = []  # timezone-aware UTC
        self._texts: list[bytes] = []  # added since the last chunk was made
        self._chunks: list[pa.Array] = []
        self._times: pa.Array | None = None
        # The texts already compressed, by a store's `prepare`: (its dictionary's number, one frame per event).
        self.frames: tuple[int, pa.ChunkedArray] | None = None
        # Nothing reads the batch after `ingest` (a bulk import's): the store may let go of the texts as soon
        # as it has derived what it writes, a row group's worth (~280 MB) less at the import's peak.
        self.transient = transient

    def add(self, ev: ValidEvent) -> None:
        self.uuids.append(ev.uuid)
        self.published.append(ev.published)
        self._texts.append(ev.raw)
        if len(self._texts) >= TEXT_CHUNK:
            self._chunk()

    def _chunk(self) -> None:
        ends = array("q", accumulate(map(len, self._texts), initial=0))
        self._chunks.append(pa.LargeStringArray.from_buffers(len(self._texts), pa.py_buffer(ends),
                                                             pa.py_buffer(b"".join(self._texts))))
        self._texts = []

    @classmethod
    def of(cls, events: Iterable[ValidEvent], transient: bool = False) -> EventBatch:
        batch = cls(transient)
        for ev in events:
            batch.add(ev)
        return batch.seal()

    def seal(self) -> EventBatch:
        """Chunk the texts still loose, and make the times an Arrow column (a tenth of the store's time per event
        when the store's thread did it)."""
        if self._texts:
            self._chunk()
        if self._times is None or len(self._times) != len(self.published):
            self._times = pa.array(self.published, pa.timestamp("us", "UTC")).cast(pa.timestamp("us"))
        return self

    def times(self) -> pa.Array:
        """`published` as naive UTC microsecond timestamps (DuckDB's TIMESTAMP)."""
        self.seal()
        assert self._times is not None
        return self._times

    def release(self) -> None:
        """Let go of the texts and frames (of a transient batch, once the store no longer needs them)."""
        self._chunks, self._texts, self.frames = [], [], None

    def text_column(self) -> pa.ChunkedArray:
        """The texts as an Arrow column on the batch's own buffers (nothing copied)."""
        self.seal()
        return pa.chunked_array(self._chunks, pa.large_string())

    def __len__(self) -> int:
        return len(self.uuids)

    def events(self) -> list[ValidEvent]:
        """The batch as events without their parsed form, for backends that take events one by one."""
        texts = self.text_column().cast(pa.large_binary()).to_pylist()
        return [ValidEvent(obj={}, raw=t, uuid=u, published=p)
                for t, u, p in zip(texts, self.uuids, self.published, strict=True)]


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
