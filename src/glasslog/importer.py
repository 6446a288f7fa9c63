"""Bulk import from files: parsing and validation on this thread, which lays each batch out as columns
(`EventBatch`) and compresses its texts (`prepare`), and the store's insert of earlier batches on another (DuckDB
and zstd release the GIL), so both cores work and memory stays at three batches."""

from __future__ import annotations

import gc
import gzip
import sys
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO

from glasslog.events.reader import GZIP_MAGIC, ParseFailure, read_stream_lines
from glasslog.events.validate import validate_event
from glasslog.log import Log
from glasslog.store.base import EventBatch, IngestResult, Rejected
from glasslog.store.duckdb_store import ROW_GROUP

# Whole DuckDB row groups per commit: the rows are written once, compressed, straight into the database file,
# instead of through the WAL and a checkpoint that rewrites partly filled row groups (twice the CPU and the disk).
BATCH = ROW_GROUP
# Batches the parser may have waiting for the store. With one, it sat idle through each commit's single-threaded
# parts (a third of the import); a second costs one batch's texts in memory (~280 MB, BENCHMARKS.md).
AHEAD = 2
IMPORT_MEMORY_MB = 600  # DuckDB's share while importing: enough for one batch, flat at any file size
Progress = Callable[[int, int], None]  # (bytes read so far in this file, records so far)


class _Counting:
    """A binary file wrapper that knows how many compressed bytes were read (for the progress bar)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        return data

    def readinto(self, b: bytearray) -> int:  # used by BufferedReader
        n = self.raw.readinto(b)  # type: ignore[attr-defined]
        self.count += n or 0
        return n

    def readable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self.raw.closed


def import_files(log: Log, paths: Iterable[str | Path], org: str,
                 progress: Callable[[str, int, int], None] | None = None) -> IngestResult:
    """Import every file; bad records are rejected by (global) index and never stop good ones."""
    total = IngestResult()
    offset = 0
    # Tens of thousands of live parsed events make the cyclic GC rescan them over and over; nothing here
    # creates cycles, so it is paused for the import.
    limit_memory = getattr(log.store, "set_memory_limit", None)
    if limit_memory is not None:
        limit_memory(IMPORT_MEMORY_MB)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # The parsing thread holds the GIL almost always; the store's thread needs it for a moment between DuckDB
    # calls. With the default 5 ms switch interval each such moment costs the store up to 5 ms of waiting
    # (about a tenth of the import's time); 0.5 ms keeps DuckDB busy.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.0005))
    try:
        return _import(log, paths, org, progress, total, offset)
    finally:
        sys.setswitchinterval(switch)
        if gc_was_enabled:
            gc.enable()


def _import(log: Log, paths: Iterable[str | Path], org: str,
            progress: Callable[[str, int, int], None] | None, total: IngestResult, offset: int) -> IngestResult:
    import io

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="glasslog-import") as pool:
        pending: deque[Future[IngestResult]] = deque()
        for path in paths:
            name = str(path)
            raw: IO[bytes] = sys.stdin.buffer if name == "-" else open(path, "rb")  # noqa: SIM115
            counter = _Counting(raw)
            stream: IO[bytes] = io.BufferedReader(counter, 1 << 20)  # type: ignore[arg-type]
            if stream.peek(2)[:2] == GZIP_MAGIC:
                stream = io.BufferedReader(gzip.GzipFile(fileobj=stream), 1 << 20)  # type: ignore[arg-type]
            batch = EventBatch(transient=True)
            n = 0
            try:
                for index, rec, line in read_stream_lines(stream):
                    n = index + 1
                    checked = (rec if isinstance(rec, Rejected)
                               else validate_event(rec, offset + index, line, keep=False))
                    if isinstance(checked, Rejected):
                        checked.index = offset + index
                        checked.reason = f"{name}: {checked.reason}"
                        total.rejected.append(checked)
                        continue
                    batch.add(checked)
                    if len(batch) >= BATCH:
                        _flush(pool, log, org, batch, pending, total)
                        batch = EventBatch(transient=True)
                        if progress:
                            progress(name, counter.count, n)
            except ParseFailure as exc:
                total.rejected.append(Rejected(offset, f"{name}: {exc} (nothing from this file was stored)"))
            finally:
                if raw is not sys.stdin.buffer:
                    raw.close()
            if batch:
                _flush(pool, log, org, batch, pending, total)
            if progress:
                progress(name, counter.count, n)
            offset += n
        while pending:
            total.add(pending.popleft().result())
    return total


def _flush(pool: ThreadPoolExecutor, log: Log, org: str, batch: EventBatch,
           pending: deque[Future[IngestResult]], total: IngestResult) -> None:
    """Queue the batch for the store; wait while AHEAD batches are already queued."""
    batch.seal()
    prepare = getattr(log.store, "prepare", None)
    if prepare is not None:
        prepare(batch)
    while len(pending) >= AHEAD:
        total.add(pending.popleft().result())
    pending.append(pool.submit(log.ingest_valid, batch, org))
