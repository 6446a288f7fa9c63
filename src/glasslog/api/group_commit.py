"""Group commit: concurrent ingest requests share database commits.

One committer thread owns writing. Requests put their validated events on a queue and wait; the committer
takes everything waiting (up to `max_events`), merges it per org into one `store.ingest` call — one
transaction, one durable commit — and then answers each request with its own share of the result. Under load
a commit carries many requests, so the per-commit cost is paid once for all of them; an idle server commits
a lone request at once (no added latency unless `linger_ms` asks for it).

Each request must still learn which of *its* events were new and which were duplicates: the store's result
names the uuids it already held, and a repeat inside the merged batch is a duplicate of the request that
sent it second.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from glasslog.api.journal_file import Batch
from glasslog.log import Log
from glasslog.store.base import IngestResult, ValidEvent

log = logging.getLogger("glasslog.api")


@dataclass
class _Pending:
    org: str
    events: list[ValidEvent]
    repeats: int = 0  # uuids the request sent more than once, dropped before it got here: duplicates too
    future: Future[IngestResult] = field(default_factory=Future)

    def __len__(self) -> int:
        return len(self.events)


class _Sized(Protocol):
    def __len__(self) -> int: ...


Item = TypeVar("Item", bound=_Sized)


def take_waiting(waiting: queue.Queue[Item | None], first: Item, max_events: int) -> tuple[list[Item], bool]:
    """`first` and whatever else is already queued, up to `max_events` events; True if the stop marker
    (None) was among them."""
    group, size = [first], len(first)
    while size < max_events:
        try:
            item = waiting.get_nowait()
        except queue.Empty:
            break
        if item is None:
            return group, True
        group.append(item)
        size += len(item)
    return group, False


class GroupCommitter:
    def __init__(self, log_: Log, max_events: int = 100_000, linger_ms: float = 0.0) -> None:
        self.log = log_
        self.max_events = max(1, max_events)
        self.linger = max(0.0, linger_ms) / 1000
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="glasslog-committer", daemon=True)
        self._thread.start()
        self.commits = 0  # observable for tests and the benchmark
        self.requests = 0

    def submit(self, org: str, batch: Batch | list[ValidEvent]) -> Future[IngestResult]:
        """Queue events for the next commit; the future resolves once they are durably committed."""
        events, repeats = (batch.events(), batch.sent - len(batch)) if isinstance(batch, Batch) else (batch, 0)
        pending = _Pending(org, events, repeats)
        if not events:
            pending.future.set_result(IngestResult())
            return pending.future
        self._queue.put(pending)
        return pending.future

    def settle(self, timeout: float = 60.0) -> bool:
        """What the journal's `settle` waits for holds already: an acknowledged event is committed."""
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    # -- the committer thread -----------------------------------------------------------------------------

    def _loop(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            if self.linger:
                time.sleep(self.linger)
            batch, stop = take_waiting(self._queue, first, self.max_events)
            by_org: dict[str, list[_Pending]] = defaultdict(list)
            for item in batch:
                by_org[item.org].append(item)
            for org, items in by_org.items():
                try:
                    self._commit(org, items)
                except Exception as exc:  # noqa: BLE001 - every waiting request must hear about it
                    log.exception("group commit for org %s failed", org)
                    for item in items:
                        if not item.future.done():
                            item.future.set_exception(exc)

    def _commit(self, org: str, items: list[_Pending]) -> None:
        self.commits += 1
        self.requests += len(items)
        if len(items) == 1:
            result = self.log.store.ingest(org, items[0].events)
            result.duplicates += items[0].repeats
            items[0].future.set_result(result)
            return
        # Merge, keeping each uuid's first occurrence; later ones are duplicates of their own request.
        seen: set[str] = set()
        merged: list[ValidEvent] = []
        owned: list[list[str]] = []
        dup_counts: list[int] = []
        for item in items:
            mine: list[str] = []
            dups = 0
            for ev in item.events:
                if ev.uuid in seen:
                    dups += 1
                    continue
                seen.add(ev.uuid)
                merged.append(ev)
                mine.append(ev.uuid)
            owned.append(mine)
            dup_counts.append(dups)
        result = self.log.store.ingest(org, merged)
        for item, mine, dups in zip(items, owned, dup_counts, strict=True):
            accepted = sum(1 for u in mine if u not in result.stored_before)
            item.future.set_result(IngestResult(accepted=accepted,
                                                duplicates=dups + len(mine) - accepted + item.repeats))
