"""Journal-first ingest: a POST is acknowledged once its events are durable in an append-only journal; the
store takes them in behind it, in large batches.

Why: the store's own commit costs most per event when batches are small (derive, compress, insert a few
thousand events per commit), and a request waiting on it is held for the slowest part of the pipeline. The
journal makes an event durable for the price of a sequential write and one fdatasync per group of requests,
and the store then ingests whatever has accumulated as one batch — the same work as a bulk import.

The answer stays exact. A request learns which of its events were duplicates before it is acknowledged: an
event is a duplicate if an earlier request of the same group sent it, if it is in the journal but not yet in
the store (the *pending* uuids), or if the store already holds it. The pending set is consulted before the
store, and a uuid leaves it only after the store has committed it, so an event cannot slip between the two.

Reads stay consistent: `wait_visible()` holds a reader until every write acknowledged before it arrived is in
the store (bounded by a timeout; on an idle server the store is some tens of milliseconds behind). Polling cursors are
unaffected: the persistence sequence is still assigned by the store, in the order events are applied.

After a crash, the journal's segments are replayed into the store before the server takes requests; the
store skips uuids it already holds, so a replay after a partial apply stores nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from glasslog.api import journal_file
from glasslog.api.group_commit import take_waiting
from glasslog.log import Log
from glasslog.store.base import IngestResult, Store, ValidEvent

log = logging.getLogger("glasslog.api")

APPLY_EVENTS = 122_880  # one DuckDB row group: what a bulk import commits at a time


@dataclass
class _Request:
    org: str
    batch: journal_file.Batch
    future: Future[IngestResult] = field(default_factory=Future)

    def __len__(self) -> int:
        return len(self.batch)


@dataclass
class _Entry:
    position: int  # `acked` once this entry was durable
    org: str
    batch: journal_file.Batch
    written: float  # time.monotonic() when it was


class JournaledIngest:
    """The same interface as the group committer (`submit`, `close`), plus read-your-writes waiting."""

    def __init__(self, log_: Log, directory: str | Path, max_events: int = 100_000,
                 backlog_events: int = 200_000, idle_ms: float = 200.0, max_delay_ms: float = 5000.0) -> None:
        self.idle = idle_ms / 1000
        self.max_delay = max_delay_ms / 1000
        self.store = log_.store
        self.directory = Path(directory)
        self.max_events = max(1, max_events)
        self.backlog_limit = max(1, backlog_events)
        self.replayed = replay(self.store, self.directory)
        self._segments = journal_file.SegmentWriter(self.directory)
        self._requests: queue.Queue[_Request | None] = queue.Queue()
        self._cond = threading.Condition()
        self._backlog: deque[_Entry] = deque()
        self._backlog_events = 0
        self._pending: dict[str, set[str]] = defaultdict(set)
        self._full_segments: list[tuple[Path, int]] = []
        self._stopping = False
        self._last_write = 0.0
        self._wanted = 0  # the highest position a waiting reader needs
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.acked = 0  # events made durable so far (a position in the journal)
        self.applied = 0  # of those, how many the store has taken in
        self.writes = 0  # fdatasyncs, observable for tests and the benchmark
        self.applies = 0
        self._writer = threading.Thread(target=self._write_loop, name="glasslog-journal", daemon=True)
        self._applier = threading.Thread(target=self._apply_loop, name="glasslog-apply", daemon=True)
        self._writer.start()
        self._applier.start()

    # -- the request side ---------------------------------------------------------------------------------

    def submit(self, org: str, batch: journal_file.Batch | list[ValidEvent]) -> Future[IngestResult]:
        """Queue events; the future resolves once they are durable (in the journal) and counted."""
        if not isinstance(batch, journal_file.Batch):
            batch = journal_file.batch_of(batch)
        request = _Request(org, batch)
        if not batch.sent:
            request.future.set_result(IngestResult())
        else:
            self._requests.put(request)
        return request.future

    async def wait_visible(self, timeout: float) -> None:
        """Return once every write acknowledged before this call is in the store (or after `timeout`)."""
        target = self.acked
        if self.applied >= target:
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._cond:
            if self.applied >= target:
                return
            self._waiters.append((target, loop, waiter))
            self._wanted = max(self._wanted, target)  # a reader is waiting: the applier stops holding off
            self._cond.notify_all()
        # past the timeout the read answers with what the store has (then it is not read-your-writes)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, timeout)

    def settle(self, timeout: float = 60.0) -> bool:
        """Block until everything acknowledged so far is in the store (for embedders and tests that read the
        store directly rather than through the API); False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self.acked
            self._wanted = max(self._wanted, target)
            self._cond.notify_all()
            while self.applied < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        """Stop taking writes, apply what the journal holds, and remove it once all of it is in the store."""
        self._requests.put(None)
        self._writer.join(timeout=60)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._applier.join(timeout=600)
        self._segments.close()
        if self.applied == self.acked and not self._applier.is_alive():
            for path in journal_file.segments(self.directory):
                path.unlink(missing_ok=True)

    # -- the journal writer ---------------------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            first = self._requests.get()
            if first is None:
                return
            group, stop = take_waiting(self._requests, first, self.max_events)
            with self._cond:
                while self._backlog_events >= self.backlog_limit and not self._stopping:
                    self._cond.wait()  # back-pressure: the store is far behind; requests wait here
            try:
                self._write_group(group)
            except Exception as exc:  # noqa: BLE001 - every waiting request must hear about it
                log.exception("writing the ingest journal failed")
                for item in group:
                    if not item.future.done():
                        item.future.set_exception(exc)
            if stop:
                return

    def _write_group(self, group: list[_Request]) -> None:
        by_org: dict[str, list[_Request]] = defaultdict(list)
        for item in group:
            by_org[item.org].append(item)
        frames: list[bytes] = []
        entries: list[tuple[str, journal_file.Batch]] = []
        results: list[tuple[_Request, IngestResult]] = []
        for org, items in by_org.items():
            for item, fresh in zip(items, self._fresh(org, items), strict=True):
                # repeats within the request and events the log already has are its duplicates
                results.append((item, IngestResult(accepted=len(fresh), duplicates=item.batch.sent - len(fresh))))
                if len(fresh):
                    frames.append(journal_file.frame(org, fresh.encoded))
                    entries.append((org, fresh))
        full = self._segments.write(frames) if frames else None
        now = time.monotonic()
        with self._cond:
            for org, fresh in entries:
                self.acked += len(fresh)
                self._pending[org].update(fresh.uuids)
                self._backlog.append(_Entry(self.acked, org, fresh, now))
                self._backlog_events += len(fresh)
            if full is not None:
                self._full_segments.append((full, self.acked))
            self.writes += bool(frames)
            self._last_write = now
            self._cond.notify_all()
        for item, result in results:
            item.future.set_result(result)

    def _fresh(self, org: str, items: list[_Request]) -> list[journal_file.Batch]:
        """Each request's new events (for one org). Pending uuids are looked at before the store: one leaves
        the pending set only after the store committed it."""
        pending = self._pending[org]
        seen: set[str] = set()
        candidates: list[list[str]] = []
        spans = []
        for item in items:
            uuids = item.batch.uuids
            mine = [u for u in uuids if u not in seen and u not in pending] if seen or pending else uuids
            seen.update(mine)
            candidates.append(mine)
            if mine:
                spans.append((item.batch.lo, item.batch.hi))
        every = [u for mine in candidates for u in mine]
        stored = (self.store.stored_uuids(org, every, min(lo for lo, _ in spans), max(hi for _, hi in spans))
                  if every else set())
        fresh = []
        for item, mine in zip(items, candidates, strict=True):
            new = [u for u in mine if u not in stored] if stored else mine
            fresh.append(item.batch if len(new) == len(item.batch) else item.batch.only(set(new)))
        return fresh

    # -- the applier ------------------------------------------------------------------------------------------

    def _apply_loop(self) -> None:
        while True:
            with self._cond:
                while not self._backlog and not self._stopping:
                    self._cond.wait()
                if not self._backlog:
                    return
                self._wait_for_a_batch()
                taken: list[_Entry] = []
                size = 0
                while self._backlog and size < APPLY_EVENTS:
                    entry = self._backlog.popleft()
                    taken.append(entry)
                    size += len(entry.batch)
            if not self._apply(taken):
                return  # stopping with the store refusing: the journal keeps the events for the next start
            with self._cond:
                for entry in taken:
                    self._pending[entry.org].difference_update(entry.batch.uuids)
                self._backlog_events -= size
                self.applied = taken[-1].position
                done = [p for p, last in self._full_segments if last <= self.applied]
                self._full_segments = [(p, last) for p, last in self._full_segments if last > self.applied]
                self.applies += 1
                self._cond.notify_all()
                ready = [w for w in self._waiters if w[0] <= self.applied]
                self._waiters = [w for w in self._waiters if w[0] > self.applied]
            for _, loop, waiter in ready:
                with contextlib.suppress(RuntimeError):  # that loop has closed (the server is stopping)
                    loop.call_soon_threadsafe(_wake, waiter)
            for path in done:
                path.unlink(missing_ok=True)

    def _wait_for_a_batch(self) -> None:
        """Hold off while requests keep coming and the backlog is small: the store's cost per event falls
        with the batch (a bulk import's row group is the cheapest), and a burst is acknowledged faster when
        the applier does not compete with it for the CPU. Apply when a reader waits for what is pending, when
        writers pause, when a row group's worth is waiting, or when the oldest waiting event has waited
        `max_delay` (freshness). Called with the condition held and the backlog not empty."""
        enough = min(APPLY_EVENTS, self.backlog_limit)  # at the limit writers wait: never hold off then
        while not self._stopping and self._backlog_events < enough and self._wanted <= self.applied:
            now = time.monotonic()
            quiet_for = now - self._last_write
            waited = now - self._backlog[0].written
            if quiet_for >= self.idle or waited >= self.max_delay:
                return
            self._cond.wait(min(self.idle - quiet_for, self.max_delay - waited) + 0.001)

    def _apply(self, taken: list[_Entry]) -> bool:
        by_org: dict[str, list[ValidEvent]] = defaultdict(list)
        for entry in taken:
            by_org[entry.org] += entry.batch.events()  # decoded here, off the requests' path
        delay = 0.5
        for org, events in by_org.items():
            while True:
                try:
                    # entries were acknowledged one after another: pollers must see them in that order
                    self.store.ingest(org, events, keep_order=True)
                    break
                except Exception:  # noqa: BLE001 - keep the events and try again: they are acknowledged
                    log.exception("applying %d journaled events for org %s failed; retrying", len(events), org)
                    if self._stopping:
                        return False
                    time.sleep(delay)
                    delay = min(delay * 2, 30)
        return True


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # it may have timed out meanwhile
        waiter.set_result(None)


def replay(store: Store, directory: Path) -> int:
    """Take in what a previous process journaled but may not have applied; returns how many events were new.
    Segments are deleted once their events are in the store."""
    new = 0
    for path in journal_file.segments(directory):
        by_org: dict[str, list[ValidEvent]] = defaultdict(list)
        for org, events in journal_file.read_segment(path):
            by_org[org] += events
        for org, events in by_org.items():
            for i in range(0, len(events), APPLY_EVENTS):
                new += store.ingest(org, events[i:i + APPLY_EVENTS], keep_order=True).accepted
        path.unlink()
    if new:
        log.warning("replayed %d journaled events that were not yet in the store", new)
    return new
