"""The ingest journal's files: append-only segments of checksummed frames, one frame per request.

A frame is `GLJ1`, the payload's length and CRC-32, then the payload: the org, and for each event its
`published` (µs since the epoch), uuid and JSON text, each length-prefixed. That is everything the store needs
to take the event in (`ValidEvent`), so replaying a journal needs no second validation. A frame that is cut
short or whose checksum fails ends its segment: it was being written when the process died, so its write was
never acknowledged.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from glasslog.events.timeparse import from_micros, to_micros
from glasslog.store.base import ValidEvent
from glasslog.store.sql_common import unique_by_uuid

MAGIC = b"GLJ1"
_HEAD = struct.Struct("<4sII")  # magic, payload length, crc32
_EVENT = struct.Struct("<qHI")  # published µs, uuid length, raw length
_ORG = struct.Struct("<H")
SEGMENT_PREFIX = "segment-"


@dataclass(slots=True)
class Batch:
    """One request's valid events as the journal keeps them — repeats of a uuid dropped (the first stays),
    sorted by `published`, encoded. A worker process builds it (parse_pool.py), so the server neither builds
    each event nor encodes it on the way to the journal; the applier decodes it when the store takes it in."""

    uuids: list[str]
    lo: datetime | None  # the earliest and latest `published` (None when empty)
    hi: datetime | None
    encoded: bytes
    sent: int  # valid events as sent, repeats included

    def __len__(self) -> int:
        return len(self.uuids)

    def events(self) -> list[ValidEvent]:
        return decode_events(self.encoded)

    def only(self, keep: set[str]) -> Batch:
        """The batch without the events whose uuid is not in `keep`."""
        return batch_of([e for e in self.events() if e.uuid in keep], sent=self.sent)


def batch_of(events: Iterable[ValidEvent], sent: int | None = None) -> Batch:
    given = list(events)
    unique, _ = unique_by_uuid(given)
    count = len(given)
    unique.sort(key=lambda e: e.published)  # the order they will be persisted in, as the store would
    return Batch([e.uuid for e in unique], unique[0].published if unique else None,
                 unique[-1].published if unique else None, encode_events(unique),
                 count if sent is None else sent)


def encode_events(events: Iterable[ValidEvent]) -> bytes:
    parts: list[bytes] = []
    for ev in events:
        uuid = ev.uuid.encode()
        parts += (_EVENT.pack(to_micros(ev.published), len(uuid), len(ev.raw)), uuid, ev.raw)
    return b"".join(parts)


def decode_events(data: bytes | memoryview, pos: int = 0) -> list[ValidEvent]:
    events: list[ValidEvent] = []
    size = len(data)
    while pos < size:
        micros, ulen, rlen = _EVENT.unpack_from(data, pos)
        pos += _EVENT.size
        uuid = bytes(data[pos:pos + ulen]).decode()
        pos += ulen
        raw = bytes(data[pos:pos + rlen])
        pos += rlen
        events.append(ValidEvent({}, raw, uuid, from_micros(micros)))
    return events


def frame(org: str, encoded: bytes) -> bytes:
    """A frame holding `encoded` events (encode_events) for the org."""
    name = org.encode()
    head = _ORG.pack(len(name)) + name
    crc = zlib.crc32(encoded, zlib.crc32(head))
    return b"".join((_HEAD.pack(MAGIC, len(head) + len(encoded), crc), head, encoded))


def encode_frame(org: str, events: list[ValidEvent]) -> bytes:
    return frame(org, encode_events(events))


def decode_payload(payload: bytes) -> tuple[str, list[ValidEvent]]:
    (n,) = _ORG.unpack_from(payload, 0)
    org = payload[_ORG.size:_ORG.size + n].decode()
    return org, decode_events(payload, _ORG.size + n)


def read_segment(path: Path) -> Iterator[tuple[str, list[ValidEvent]]]:
    """The segment's whole frames in order; stops at the first torn or corrupt one."""
    data = path.read_bytes()
    pos = 0
    while pos + _HEAD.size <= len(data):
        magic, length, crc = _HEAD.unpack_from(data, pos)
        start = pos + _HEAD.size
        payload = data[start:start + length]
        if magic != MAGIC or len(payload) != length or zlib.crc32(payload) != crc:
            return
        yield decode_payload(payload)
        pos = start + length


def segments(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{SEGMENT_PREFIX}*.log"))


class SegmentWriter:
    """Appends frames to the newest segment and makes them durable; starts a new segment past `max_bytes`
    so that applied ones can be deleted whole."""

    def __init__(self, directory: Path, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        directory.mkdir(parents=True, exist_ok=True)
        existing = segments(directory)
        self._number = int(existing[-1].stem.removeprefix(SEGMENT_PREFIX)) if existing else 0
        self._fd = -1
        self.path = self._open_next()

    def _open_next(self) -> Path:
        self._number += 1
        path = self.directory / f"{SEGMENT_PREFIX}{self._number:012d}.log"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = 0
        _sync_directory(self.directory)  # the new file's name must survive a crash too
        return path

    def write(self, frames: list[bytes]) -> Path | None:
        """Append and fdatasync; returns the segment just closed when this write filled it."""
        data = b"".join(frames)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fdatasync(self._fd)
        self._size += len(data)
        if self._size < self.max_bytes:
            return None
        closed = self.path
        os.close(self._fd)
        self.path = self._open_next()
        return closed

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
