"""The ingest journal's files: append-only segments of checksummed frames, one frame per org and write.

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
from collections.abc import Iterator
from pathlib import Path

from glasslog.events.timeparse import from_micros, to_micros
from glasslog.store.base import ValidEvent

MAGIC = b"GLJ1"
_HEAD = struct.Struct("<4sII")  # magic, payload length, crc32
_EVENT = struct.Struct("<qHI")  # published µs, uuid length, raw length
_ORG = struct.Struct("<H")
SEGMENT_PREFIX = "segment-"


def encode_frame(org: str, events: list[ValidEvent]) -> bytes:
    name = org.encode()
    parts = [_ORG.pack(len(name)), name]
    for ev in events:
        uuid = ev.uuid.encode()
        parts += (_EVENT.pack(to_micros(ev.published), len(uuid), len(ev.raw)), uuid, ev.raw)
    payload = b"".join(parts)
    return _HEAD.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def decode_payload(payload: bytes) -> tuple[str, list[ValidEvent]]:
    (n,) = _ORG.unpack_from(payload, 0)
    pos = _ORG.size + n
    org = payload[_ORG.size:pos].decode()
    events: list[ValidEvent] = []
    size = len(payload)
    while pos < size:
        micros, ulen, rlen = _EVENT.unpack_from(payload, pos)
        pos += _EVENT.size
        uuid = payload[pos:pos + ulen].decode()
        pos += ulen
        raw = payload[pos:pos + rlen]
        pos += rlen
        events.append(ValidEvent({}, raw, uuid, from_micros(micros)))
    return org, events


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
