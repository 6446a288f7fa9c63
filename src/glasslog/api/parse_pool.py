"""Validating NDJSON bodies in worker processes, so that ingest uses more than the one core the GIL allows.

Parsing and validating an event holds the GIL for about two thirds of what a server spends on it (orjson and
the checks of events/validate.py); in the server's own process that work and the HTTP stack, the journal and
the store's Python all take turns on one core. A worker process validates the body and sends back its valid
events already encoded as the journal keeps them (journal_file.Batch), so the server touches no event one by
one on the way to the acknowledgement. The verdicts are those of the in-process path (the same functions
run there), and a worker that dies only costs its requests the slower path.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import orjson

from glasslog.api.journal_file import Batch, batch_of
from glasslog.events.validate import validate_event
from glasslog.store.base import Rejected, ValidEvent

log = logging.getLogger("glasslog.api")

def validate_ndjson(body: bytes) -> tuple[Batch, list[tuple[int, str]]]:
    """Runs in a worker: every non-blank line validated (records are numbered over non-blank lines, as in
    logs_ingest.parse_events); the valid ones come back as the journal will keep them."""
    good: list[ValidEvent] = []
    bad: list[tuple[int, str]] = []
    index = 0
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        try:
            checked = validate_event(orjson.loads(line), index, line, keep=False)
        except orjson.JSONDecodeError as exc:
            checked = Rejected(index, f"record {index}: malformed JSON: {exc}")
        if isinstance(checked, Rejected):
            bad.append((checked.index, checked.reason))
        else:
            good.append(checked)
        index += 1
    return batch_of(good), bad


class ParsePool:
    """A few worker processes (started on first use); `workers=0` means validate in the server's threads."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the server has threads (committer, applier, DuckDB's) a fork would copy mid-step
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    async def validate(self, body: bytes) -> tuple[Batch, list[Rejected]] | None:
        """The body's events, or None when there are no workers (or they failed): validate in-process then."""
        if not self.workers:
            return None
        try:
            batch, rejected = await asyncio.wrap_future(self._pool().submit(validate_ndjson, body))
        except BrokenProcessPool:
            log.exception("an ingest worker process died; starting new ones")
            self._executor = None
            return None
        return batch, [Rejected(i, reason) for i, reason in rejected]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
