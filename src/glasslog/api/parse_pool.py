"""Validating NDJSON bodies in worker processes, so that ingest uses more than the one core the GIL allows.

Parsing and validating an event holds the GIL for about two thirds of what a server spends on it (orjson and
the checks of events/validate.py); in the server's own process that work and the HTTP stack, the journal and
the store's Python all take turns on one core. A worker process does the validation and sends back, per
valid event, only where its text lies in the body, its uuid and its time — the text itself stays in the
server, which already has the body. The verdicts are those of the in-process path (the same functions run
there), and a worker that dies only costs its requests the slower path.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import orjson

from glasslog.events.validate import validate_event
from glasslog.store.base import Rejected, ValidEvent

log = logging.getLogger("glasslog.api")

# per valid event: start and end of its text in the body (or the text, when validation re-encoded it), uuid,
# published (a datetime unpickles in a third of the time it takes to build one from an integer)
Located = tuple[int, int, str, datetime, bytes | None]


def validate_ndjson(body: bytes) -> tuple[list[Located], list[tuple[int, str]]]:
    """Runs in a worker: every non-blank line validated; records are numbered over non-blank lines."""
    good: list[Located] = []
    bad: list[tuple[int, str]] = []
    index = 0
    pos = 0
    size = len(body)
    while pos < size:
        end = body.find(b"\n", pos)
        if end < 0:
            end = size
        line = body[pos:end]
        stripped = line.strip()
        if stripped:
            try:
                checked = validate_event(orjson.loads(line), index, line, keep=False)
            except orjson.JSONDecodeError as exc:
                checked = Rejected(index, f"record {index}: malformed JSON: {exc}")
            if isinstance(checked, Rejected):
                bad.append((checked.index, checked.reason))
            else:
                start = pos + len(line) - len(line.lstrip())
                if checked.raw == stripped:
                    good.append((start, start + len(stripped), checked.uuid, checked.published, None))
                else:  # \u escapes normalised: the stored text is not the line's
                    good.append((0, 0, checked.uuid, checked.published, checked.raw))
            index += 1
        pos = end + 1
    return good, bad


def assemble(body: bytes, located: list[Located], rejected: list[tuple[int, str]],
             ) -> tuple[list[ValidEvent], list[Rejected]]:
    events = [ValidEvent({}, body[start:end] if text is None else text, uuid, published)
              for start, end, uuid, published, text in located]
    return events, [Rejected(i, reason) for i, reason in rejected]


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

    async def validate(self, body: bytes) -> tuple[list[ValidEvent], list[Rejected]] | None:
        """The body's events, or None when there are no workers (or they failed): validate in-process then."""
        if not self.workers:
            return None
        try:
            located, rejected = await asyncio.wrap_future(self._pool().submit(validate_ndjson, body))
        except BrokenProcessPool:
            log.exception("an ingest worker process died; starting new ones")
            self._executor = None
            return None
        return assemble(body, located, rejected)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
