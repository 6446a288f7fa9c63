"""`POST /api/v1/logs`: write events (glasslog's addition; Okta's log is read-only).

Body: a JSON array of LogEvents or NDJSON (`application/json`, `application/x-ndjson`), optionally
`Content-Encoding: gzip`. The body is read incrementally and abandoned as soon as it (or its decompressed
form — a gzip bomb is small on the wire) passes `max_body_bytes` → 413. A body that cannot be parsed as a
whole → 400 and nothing is stored; otherwise valid events are stored and invalid ones reported by index:
`{"accepted": n, "duplicates": n, "rejected": [{"index": i, "errorSummary": "…"}]}`.
The response is sent only after the events are durable: in the ingest journal (journaled_ingest.py), or
committed to the store where there is no journal (group_commit.py).
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from glasslog.api.auth import Principal, require_ingest
from glasslog.api.journal_file import Batch, batch_of
from glasslog.errors import GlasslogError
from glasslog.events.reader import GZIP_MAGIC, ParseFailure, read_body
from glasslog.events.validate import validate_records
from glasslog.store.base import IngestResult, Rejected, ValidEvent

JSON_TYPES = ("application/json", "text/json")
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")

router = APIRouter(tags=["logs"])


def too_large(limit: int) -> GlasslogError:
    return GlasslogError("E0000093", f"the request body is larger than the limit of {limit} bytes",
                         causes=[f"body larger than {limit} bytes"])


def malformed(detail: str) -> GlasslogError:
    return GlasslogError("E0000003", detail, causes=[detail])


def _media_type(request: Request) -> str:
    """'json' or 'ndjson'; anything else is 415 (a form post from `curl -d` without -H is a common slip)."""
    ctype = request.headers.get("content-type")
    if ctype is None:
        return "json"  # sniffed by the reader
    base = ctype.split(";")[0].strip().lower()
    if base in JSON_TYPES or (base.startswith("application/") and base.endswith("+json")):
        return "json"
    if base in NDJSON_TYPES:
        return "ndjson"
    raise GlasslogError("E0000001", f"unsupported Content-Type '{ctype[:80]}': send application/json "
                        "(a JSON array) or application/x-ndjson", status=415)


def _gzipped(request: Request) -> bool:
    enc = request.headers.get("content-encoding", "").strip().lower()
    if enc in ("", "identity"):
        return False
    if enc in ("gzip", "x-gzip"):
        return True
    raise GlasslogError("E0000001", f"unsupported Content-Encoding '{enc[:40]}': use gzip or none", status=415)


async def read_limited(request: Request, limit: int, gzip_declared: bool) -> bytes:
    """The (decompressed) body, reading no further than needed to know it is too large."""
    length = request.headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    inflater: zlib._Decompress | None = None  # type: ignore[name-defined]
    out_size = 0
    first = True
    async for chunk in request.stream():
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        if first:
            first = False
            if gzip_declared or chunk[:2] == GZIP_MAGIC:
                inflater = zlib.decompressobj(wbits=31)
        if inflater is None:
            chunks.append(chunk)
            continue
        try:
            # Decompress in bounded steps so a bomb is caught before it is inflated in memory.
            data = inflater.decompress(chunk, limit - out_size + 1)
            while True:
                out_size += len(data)
                if out_size > limit:
                    raise too_large(limit)
                chunks.append(data)
                if not inflater.unconsumed_tail:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, limit - out_size + 1)
        except zlib.error as exc:
            raise malformed(f"the gzip body could not be decompressed: {exc}") from None
    if inflater is not None:
        if not inflater.eof:
            raise malformed("the gzip body is truncated")
        if inflater.unused_data.strip():
            raise malformed("data after the end of the gzip stream")
    return b"".join(chunks)


def parse_events(body: bytes, kind: str) -> tuple[list[ValidEvent], list[Rejected]]:
    """Validate every record. NDJSON lines are kept as sent (no re-encoding), which is also the fast path."""
    if kind == "ndjson":
        stripped = body.strip()
        if not stripped:
            raise malformed("the body is empty")
        lines = [line for line in stripped.split(b"\n") if line.strip()]
        return validate_records(_ndjson_record(i, line) for i, line in enumerate(lines))
    try:
        records = read_body(body, "application/json")
    except ParseFailure as exc:
        raise malformed(str(exc)) from None
    return validate_records(records)


def _parse_batch(body: bytes, kind: str) -> tuple[Batch, list[Rejected]]:
    good, bad = parse_events(body, kind)
    return batch_of(good), bad


def _ndjson_record(index: int, line: bytes) -> tuple[int, Any, bytes]:
    try:
        return index, orjson.loads(line), line
    except orjson.JSONDecodeError as exc:
        return index, Rejected(index, f"record {index}: malformed JSON: {exc}"), line


@router.post(
    "/api/v1/logs",
    summary="Write LogEvents (JSON array or NDJSON, optionally gzip)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {"description": "committed", "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {
                "accepted": {"type": "integer"},
                "duplicates": {"type": "integer"},
                "rejected": {"type": "array", "items": {"type": "object", "properties": {
                    "index": {"type": "integer"}, "errorSummary": {"type": "string"}}}},
            },
        }}}},
        400: {"description": "body not parseable (E0000003)"},
        401: {"description": "missing or invalid token (E0000011)"},
        403: {"description": "role may not write (E0000006)"},
        413: {"description": "body too large (E0000093)"},
        415: {"description": "unsupported Content-Type or Content-Encoding"},
        429: {"description": "rate limited (E0000047)"},
    },
)
async def ingest_logs(request: Request, principal: Principal = Depends(require_ingest)) -> Response:
    settings = request.app.state.settings
    kind = _media_type(request)
    body = await read_limited(request, settings.max_body_bytes, _gzipped(request))
    parsed = None
    if kind == "ndjson":
        if not body or body.isspace():
            raise malformed("the body is empty")
        parsed = await request.app.state.parse_pool.validate(body)
    batch, bad = parsed or await run_in_threadpool(_parse_batch, body, kind)
    result: IngestResult = await asyncio.wrap_future(request.app.state.committer.submit(principal.org, batch))
    result.rejected = sorted(bad, key=lambda r: r.index)
    return Response(orjson.dumps(result.as_dict()), media_type="application/json")
