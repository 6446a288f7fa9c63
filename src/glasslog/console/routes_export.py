"""Download CSV / NDJSON of exactly the current query, with no row cap.

The response streams from `store.iter_search` (keyset pages of a few thousand rows) through
`export.iter_csv` (the same columns as `glasslog search --format csv`), so a download of ten million events
holds one page in memory at a time. Rows come in the table's order (`sortOrder`, newest first by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from glasslog.console.params import ConsoleParams
from glasslog.export import iter_csv
from glasslog.log import Log
from glasslog.store.base import SearchQuery


def _filename(org: str, query: SearchQuery, ext: str) -> str:
    def stamp(dt: Any) -> str:
        return dt.strftime("%Y%m%dT%H%M%SZ") if dt else "all"

    safe_org = "".join(c if c.isalnum() or c in "-_" else "_" for c in org)
    return f"glasslog-{safe_org}-{stamp(query.since)}-{stamp(query.until)}.{ext}"


def _ndjson(log: Log, org: str, query: SearchQuery) -> Iterator[bytes]:
    chunk: list[bytes] = []
    for stored in log.iter_events(org, query):
        raw = stored.raw
        if b"\n" in raw or b"\r" in raw:  # one event per line, whatever whitespace it arrived with
            raw = orjson.dumps(orjson.loads(raw))
        chunk.append(raw)
        if len(chunk) >= 500:
            yield b"\n".join(chunk) + b"\n"
            chunk = []
    if chunk:
        yield b"\n".join(chunk) + b"\n"


def _csv(log: Log, org: str, query: SearchQuery) -> Iterator[bytes]:
    events = (orjson.loads(s.raw) for s in log.iter_events(org, query))
    for text in iter_csv(events):
        yield text.encode()


def router(log: Log, require_reader: Any) -> APIRouter:
    r = APIRouter(prefix="/api/glasslog", tags=["console"])

    def _headers(org: str, query: SearchQuery, ext: str) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="{_filename(org, query, ext)}"',
                "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

    @r.get("/export.csv")
    def export_csv(p: ConsoleParams = Depends(), principal: Any = Depends(require_reader)) -> StreamingResponse:
        """Every matching event as CSV (columns: glasslog.export.CSV_COLUMNS)."""
        query = p.query(log, principal.org)
        return StreamingResponse(_csv(log, principal.org, query), media_type="text/csv; charset=utf-8",
                                 headers=_headers(principal.org, query, "csv"))

    @r.get("/export.ndjson")
    def export_ndjson(p: ConsoleParams = Depends(),
                      principal: Any = Depends(require_reader)) -> StreamingResponse:
        """Every matching event, as received, one JSON object per line."""
        query = p.query(log, principal.org)
        return StreamingResponse(_ndjson(log, principal.org, query), media_type="application/x-ndjson",
                                 headers=_headers(principal.org, query, "ndjson"))

    return r
