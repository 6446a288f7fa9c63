"""Reading LogEvent records from request bodies and files.

Accepted shapes: NDJSON (one event a line), a JSON array (an Okta API page is one), a single event object,
and an Okta event-hook delivery (`{"data": {"events": [...]}}`), each optionally gzip-compressed.

The rule for bad input: a body whose structure cannot be parsed (a broken JSON array or object) yields
ParseFailure and nothing of it is stored; within NDJSON every line stands alone, so a broken line becomes a
rejected record at its index while the other lines go on.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from glasslog.store.base import Rejected

Record = tuple[int, Any]  # (index, parsed object or Rejected)
GZIP_MAGIC = b"\x1f\x8b"


class ParseFailure(ValueError):
    """The body as a whole is not JSON of an accepted shape; nothing from it may be stored."""


def _unwrap(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        data = doc.get("data")
        if "uuid" not in doc and isinstance(data, dict) and isinstance(data.get("events"), list):
            return data["events"]
        return [doc]
    raise ParseFailure("the body must be a LogEvent, a JSON array of LogEvents, or NDJSON")


def _ndjson_line(index: int, line: bytes) -> Record:
    try:
        return index, orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return index, Rejected(index, f"record {index}: malformed JSON: {exc}")


def read_body(data: bytes, content_type: str | None = None) -> list[Record]:
    """Parse a whole request body (already gunzipped or not: gzip is detected by its magic number)."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ParseFailure(f"the gzip body could not be decompressed: {exc}") from None
    stripped = data.lstrip()
    if not stripped:
        raise ParseFailure("the body is empty")
    ndjson = bool(content_type) and "ndjson" in content_type.lower()
    if not ndjson:
        try:
            doc = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            # A body of several JSON lines sent as application/json is NDJSON by another name; a broken
            # array or object is not.
            if stripped[:1] == b"[" or not _looks_like_ndjson(stripped):
                raise ParseFailure(f"malformed JSON: {exc}") from None
        else:
            return list(enumerate(_unwrap(doc)))
    lines = [ln for ln in stripped.splitlines() if ln.strip()]
    return [_ndjson_line(i, ln) for i, ln in enumerate(lines)]


def _looks_like_ndjson(data: bytes) -> bool:
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if len(lines) < 2:
        return False
    ok = 0
    for ln in lines[:50]:
        try:
            orjson.loads(ln)
            ok += 1
        except orjson.JSONDecodeError:
            pass
    return ok >= 1 and lines[0].lstrip()[:1] == b"{"


def read_stream(stream: IO[bytes]) -> Iterator[Record]:
    """Stream records from a file: NDJSON line by line in constant memory; a JSON document whole."""
    for index, rec, _line in read_stream_lines(stream):
        yield index, rec


def read_stream_lines(stream: IO[bytes]) -> Iterator[tuple[int, Any, bytes | None]]:
    """Like read_stream, with each NDJSON record's own line (so it can be stored without re-encoding)."""
    if hasattr(stream, "peek") and stream.peek(2)[:2] == GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
    first = buffered.peek(4096).lstrip()[:1]
    if first == b"[":
        for index, rec in enumerate(_unwrap(_load_whole(buffered))):
            yield index, rec, None
        return
    index = 0
    lines = iter(buffered)
    for line in lines:
        if not line.strip():
            continue
        try:
            yield index, orjson.loads(line), line
        except orjson.JSONDecodeError as exc:
            if index == 0 and line.lstrip()[:1] == b"{":
                # Perhaps one pretty-printed document spanning lines rather than NDJSON.
                rest = line + b"".join(lines)
                try:
                    doc = orjson.loads(rest)
                except orjson.JSONDecodeError:
                    for i, ln in enumerate(x for x in rest.splitlines() if x.strip()):
                        yield (*_ndjson_line(i, ln), ln)
                    return
                for i, rec in enumerate(_unwrap(doc)):
                    yield i, rec, None
                return
            yield index, Rejected(index, f"record {index}: malformed JSON: {exc}"), line
        index += 1


def _load_whole(stream: IO[bytes]) -> Any:
    try:
        return orjson.loads(stream.read())
    except orjson.JSONDecodeError as exc:
        raise ParseFailure(f"malformed JSON: {exc}") from None


def read_path(path: str | Path) -> Iterator[Record]:
    """Records of a file (`-` = standard input)."""
    if str(path) == "-":
        yield from read_stream(sys.stdin.buffer)  # type: ignore[arg-type]
        return
    with open(path, "rb") as fh:
        yield from read_stream(fh)
