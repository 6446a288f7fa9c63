"""Each event's JSON compressed on its own, with a zstd dictionary, so that reading one event costs one event.

Why: DuckDB's zstd compresses a column in vectors of 2,048 values, so reading one event's JSON decompressed
about 4.7 MB (≈ 1.1 ms), and a page of 100 events scattered over 90 days cost over 100 ms (BENCHMARKS.md,
"Per-event JSON"). One event alone compresses poorly, but with a dictionary of what events share (keys, event
types, the org's own names, apps and addresses) it shrinks about tenfold, and a frame decompresses in ~2 µs.

Dictionaries live in the store (`json_dicts`), numbered per store; each row names the one it was written with.
Number 0 is the generic dictionary shipped with the package (trained on simulated events of an unrelated org,
see `scripts/train_json_dictionary.py`); a store trains its own from its first events, which compresses its
events about a third smaller than the generic one does. Old rows keep the dictionary they were written with.

SQL reaches the text through `glasslog_json(zdict, raw_z)`, a vectorised Python function registered on every
connection the store opens (`register`); the store's `events` view applies it, so statements read `raw` as
before.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Sequence
from importlib import resources
from itertools import accumulate

import pyarrow as pa
import zstandard

LEVEL = 3  # level 5 is ~8 % smaller and 2.5x the CPU (BENCHMARKS.md); ingest is CPU-bound
DICT_SIZE = 256 * 1024
TRAIN_AFTER = 10_000  # events written with the generic dictionary before the store trains its own
TRAIN_SAMPLES = 20_000
GENERIC_ID = 0
FUNCTION = "glasslog_json"
_PARALLEL_FROM = 256  # below this many texts, compressing on one thread is cheaper than starting two


def generic_dictionary() -> bytes:
    return resources.files("glasslog.store").joinpath("event-json.zdict").read_bytes()


def train(samples: Sequence[bytes]) -> bytes:
    """A dictionary for these events (zstd's COVER trainer; ~1.5 s for 20,000 events on this machine)."""
    step = max(1, len(samples) // TRAIN_SAMPLES)
    picked = list(samples[::step][:TRAIN_SAMPLES])
    return zstandard.train_dictionary(DICT_SIZE, picked, level=LEVEL).as_bytes()


class Codec:
    """The store's dictionaries, with compressors and (per thread: zstd contexts are not thread-safe)
    decompressors for each."""

    def __init__(self, dictionaries: dict[int, bytes]) -> None:
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self._compressors: dict[int, zstandard.ZstdCompressor] = {}
        self._local = threading.local()
        for number, data in dictionaries.items():
            self.add(number, data)

    def add(self, number: int, data: bytes) -> None:
        d = zstandard.ZstdCompressionDict(data)
        d.precompute_compress(level=LEVEL)
        self._dicts[number] = d
        # Frames carry neither checksum nor dictionary id: the row names its dictionary, and DuckDB's own
        # storage checksums blocks. The content size stays, so a frame decompresses in one call.
        self._compressors[number] = zstandard.ZstdCompressor(
            level=LEVEL, dict_data=d, write_checksum=False, write_dict_id=False, write_content_size=True)

    @property
    def newest(self) -> int:
        return max(self._dicts)

    def compress(self, texts: list[bytes], number: int) -> pa.Array:
        """The texts' frames as one Arrow binary array (one buffer, not a Python object per frame)."""
        compressor = self._compressors[number]
        if len(texts) < _PARALLEL_FROM:
            frames = [compressor.compress(t) for t in texts]
        else:
            out = compressor.multi_compress_to_buffer(texts, threads=2)
            frames = [out[i].tobytes() for i in range(len(out))]
        offsets = pa.py_buffer(array("q", accumulate(map(len, frames), initial=0)))
        return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(frames), [None, offsets,
                                                                                  pa.py_buffer(b"".join(frames))])

    def _decompressor(self, number: int) -> zstandard.ZstdDecompressor:
        cache = getattr(self._local, "d", None)
        if cache is None:
            cache = self._local.d = {}
        dz = cache.get(number)
        if dz is None:
            dz = cache[number] = zstandard.ZstdDecompressor(dict_data=self._dicts[number])
        return dz

    def decompress(self, number: int, frame: bytes) -> bytes:
        return self._decompressor(number).decompress(frame)

    def texts(self, numbers: pa.Array, frames: pa.Array) -> pa.Array:
        """The SQL function's body: a vector of frames to a vector of JSON texts."""
        numbers_py = numbers.to_pylist()
        frames_py = frames.to_pylist()
        first = numbers_py[0] if numbers_py else GENERIC_ID
        if all(n == first for n in numbers_py):
            dz = self._decompressor(first)
            out = [None if f is None else dz.decompress(f) for f in frames_py]
        else:
            out = [None if f is None else self.decompress(n, f) for n, f in zip(numbers_py, frames_py, strict=True)]
        return pa.array(out, pa.large_binary()).cast(pa.large_string())


def register(con: object, codec: Codec) -> None:
    """Make `glasslog_json(zdict, raw_z)` callable on this DuckDB connection (its cursors inherit it)."""
    try:
        import duckdb.sqltypes as t
    except ImportError:  # DuckDB before 1.4
        import duckdb.typing as t  # type: ignore[no-redef]

    body: Callable[[pa.Array, pa.Array], pa.Array] = codec.texts
    con.create_function(FUNCTION, body, [t.USMALLINT, t.BLOB], t.VARCHAR, type="arrow",  # type: ignore[attr-defined]
                        side_effects=False)


def register_stored(con: object) -> Codec:
    """Register the SQL function on a connection opened outside the store (benchmarks, a DuckDB shell run from
    Python), with the dictionaries the database file holds."""
    rows = con.execute("SELECT id, data FROM json_dicts").fetchall()  # type: ignore[attr-defined]
    codec = Codec({int(n): bytes(d) for n, d in rows})
    register(con, codec)
    return codec
