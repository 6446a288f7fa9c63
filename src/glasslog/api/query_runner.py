"""Reads run on a bounded pool of worker threads with a time limit.

A query past its limit answers 500 E0000009 at once, and the worker is freed by interrupting its database
cursor (DuckDB's `interrupt()` makes the running statement raise), repeated until the worker returns, because
a search may run several statements in a row. Without that, a few pathological queries would occupy every
worker and the API would hang for everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from glasslog.errors import GlasslogError

T = TypeVar("T")
log = logging.getLogger("glasslog.api")


def _thread_cursor(store: Any) -> Any | None:
    """The database handle the calling thread's statements run on, if the store has one we can interrupt."""
    hook = getattr(store, "interruptible", None)
    return hook() if callable(hook) else None


class _Job:
    def __init__(self) -> None:
        self.handle: Any | None = None


class QueryRunner:
    def __init__(self, store: Any, workers: int, timeout: float) -> None:
        self.store = store
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="glasslog-read")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        job = _Job()

        def work() -> T:
            job.handle = _thread_cursor(self.store)
            return fn(*args)

        fut: Future[T] = self._pool.submit(work)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(fut)), self.timeout)
        except TimeoutError:
            if not fut.cancel():
                threading.Thread(target=self._interrupt, args=(job, fut), daemon=True,
                                 name="glasslog-interrupt").start()
            raise GlasslogError("E0000009", f"the query ran past its time limit of {self.timeout:g} s; "
                                "narrow the time range or the filter",
                                causes=[f"query time limit {self.timeout:g} s exceeded"]) from None

    @staticmethod
    def _interrupt(job: _Job, fut: Future[Any]) -> None:
        deadline = time.monotonic() + 60
        while not fut.done() and time.monotonic() < deadline:
            handle = job.handle
            if handle is not None:
                with contextlib.suppress(Exception):  # best effort
                    handle.interrupt()
            time.sleep(0.02)
        if not fut.done():  # pragma: no cover - a statement that ignores interrupts
            log.error("a timed-out query could not be interrupted within 60 s")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
