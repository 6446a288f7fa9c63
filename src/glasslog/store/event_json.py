"""Each event's JSON compressed on its own, with a zstd dictionary, so that reading one event costs one event.

Why: DuckDB's zstd compresses a column in vectors of 2,048 values, so reading one event's JSON decompressed
about 4.7 MB (≈ 1.1 ms), and a page of 100 events scattered over 90 days cost over 100 ms (BENCHMARKS.md,
"Per-event JSON"). One event alone compresses poorly, but with a dictionary of what events share (keys, event
types, the org's own names, apps and addresses) it shrinks about tenfold, and a frame decompresses in ~2 µs.

Dictionaries live in the store (`json_dicts`), numbered per store; each row names the one it was written with.
Number 0 is the generic dictionary shipped with the package (trained on simulated events of an unrelated org,
see `scripts/train_json_dictionary.py`); a store trains its own from its first events, which compresses its
events about a quarter smaller than the generic one does. Old rows keep the dictionary they were written with.

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
from typing import Any

import pyarrow as pa
import zstandard

LEVEL = 3  # level 5 is ~8 % smaller and 2.5x the CPU (BENCHMARKS.md); ingest is CPU-bound
DICT_SIZE = 256 * 1024
TRAIN_AFTER = 10_000  # events written with the generic dictionary before the store trains its own
TRAIN_SAMPLES = 20_000
GENERIC_ID = 0
FUNCTION = "glasslog_json"
# Texts compressed per call: each thread's output buffer is sized for the worst case of its whole input, so one
# call over a 280 MB row group held ~280 MB more (10M import peak RSS 2,148 MB, against 1,960 in slices).
_SLICE = 8192
_PARALLEL_FROM = 256  # below this many texts, compressing on one thread is cheaper than starting two


def _binary(frames: list) -> pa.Array:
    """Byte strings (or buffers) as one Arrow binary array, joined in one copy."""
    sizes = array("q", accumulate((memoryview(f).nbytes for f in frames), initial=0))
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(frames),
                                            [None, pa.py_buffer(sizes), pa.py_buffer(b"".join(frames))])


def generic_dictionary() -> bytes:
    return resources.files("glasslog.store").joinpath("event-json.zdict").read_bytes()


def train(samples: Sequence[bytes]) -> bytes:
    """A dictionary for these events (zstd's COVER trainer; ~1.5 s for 20,000 events on this machine)."""
    step = max(1, len(samples) // TRAIN_SAMPLES)
    picked = list(samples[::step][:TRAIN_SAMPLES])
    return zstandard.train_dictionary(DICT_SIZE, picked, level=LEVEL).as_bytes()


class BackgroundTraining:
    """One dictionary trained on a thread of its own. Training takes 1.5-3 s and zstd releases the GIL for it;
    done on the writer's thread, it held up every commit behind it (a server's ingest stalled for that long,
    and a bulk import's first row group waited for it). The batches written meanwhile use the generic
    dictionary and keep it."""

    def __init__(self, samples: Sequence[bytes]) -> None:
        self._samples: Sequence[bytes] | None = samples
        self.sample_count = len(samples)
        self._data: bytes | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="glasslog-train-dictionary", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._data = train(self._samples or [])
        except Exception as exc:  # noqa: BLE001 - zstd refuses too little or too uniform text; the caller retries
            self._error = exc
        finally:
            self._samples = None

    def wait(self, timeout: float | None = None) -> bool:
        """Has training finished (within `timeout` seconds)?"""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def result(self) -> bytes | None:
        """The dictionary once trained; None while training runs. Raises what the trainer raised."""
        if self._thread.is_alive():
            return None
        if self._error is not None:
            raise self._error
        return self._data


class Codec:
    """The store's dictionaries, with compressors and (per thread: zstd contexts are not thread-safe)
    decompressors for each."""

    def __init__(self, dictionaries: dict[int, bytes]) -> None:
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self._params: dict[int, zstandard.ZstdCompressionParameters] = {}
        self._local = threading.local()
        for number, data in dictionaries.items():
            self.add(number, data)

    def add(self, number: int, data: bytes) -> None:
        # Frames carry no magic number, checksum or dictionary id (12 bytes an event): the row names its
        # dictionary, and DuckDB checksums its blocks. The content size stays, so a frame decompresses in one call.
        params = zstandard.ZstdCompressionParameters.from_level(
            LEVEL, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_checksum=0, write_dict_id=0, write_content_size=1)
        d = zstandard.ZstdCompressionDict(data)
        d.precompute_compress(compression_params=params)
        self._dicts[number] = d
        self._params[number] = params

    def _per_thread(self, kind: str, number: int, make: Callable[[], object]) -> Any:
        """This thread's zstd context of `kind` for a dictionary: a context must not be used by two threads at
        once, and a bulk import compresses on its parsing thread while the store's thread may compress too."""
        cache = getattr(self._local, kind, None)
        if cache is None:
            cache = {}
            setattr(self._local, kind, cache)
        made = cache.get(number)
        if made is None:
            made = cache[number] = make()
        return made

    def _compressor(self, number: int) -> zstandard.ZstdCompressor:
        return self._per_thread("c", number, lambda: zstandard.ZstdCompressor(
            dict_data=self._dicts[number], compression_params=self._params[number]))

    @property
    def newest(self) -> int:
        return max(self._dicts)

    def compress(self, texts: pa.Array | pa.ChunkedArray, number: int) -> pa.ChunkedArray:
        """The frames of an Arrow column of texts, as an Arrow binary column chunked like it. zstd reads the texts
        straight from the column's buffers (a BufferWithSegments over each), so nothing is copied on the way in.
        (Cutting each event's uuid out of its frame, since the row has it, saved 17 bytes an event but cost 3 µs
        of GIL-holding copying per event at import; dropped, BENCHMARKS.md.)"""
        chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
        out = [piece for chunk in chunks for piece in self._compress_chunk(chunk, number)]
        return pa.chunked_array(out, pa.large_binary())

    def _compress_chunk(self, texts: pa.Array, number: int) -> list[pa.Array]:
        compressor = self._compressor(number)
        n = len(texts)
        _, offsets, data = texts.buffers()
        ends = array("q")
        ends.frombytes(memoryview(offsets)[texts.offset * 8:(texts.offset + n + 1) * 8])
        if n < _PARALLEL_FROM:
            view = memoryview(data)
            return [_binary([compressor.compress(view[ends[i]:ends[i + 1]]) for i in range(n)])]
        pieces = []
        for lo in range(0, n, _SLICE):
            hi = min(n, lo + _SLICE)
            segments = array("Q", bytes(16 * (hi - lo)))
            segments[0::2] = array("Q", ends[lo:hi])
            segments[1::2] = array("Q", (b - a for a, b in zip(ends[lo:hi], ends[lo + 1:hi + 1], strict=True)))
            frames = compressor.multi_compress_to_buffer(zstandard.BufferWithSegments(data, segments), threads=2)
            pieces.append(_binary([frames[i] for i in range(len(frames))]))
        return pieces

    def _decompressor(self, number: int) -> zstandard.ZstdDecompressor:
        return self._per_thread("d", number, lambda: zstandard.ZstdDecompressor(
            dict_data=self._dicts[number], format=zstandard.FORMAT_ZSTD1_MAGICLESS))

    def decompress(self, number: int, frame: bytes) -> bytes:
        return self._decompressor(number).decompress(frame)

    def texts(self, numbers: pa.Array, frames: pa.Array) -> pa.Array:
        """The SQL function's body: a vector of frames to a vector of JSON texts. The texts were valid UTF-8
        when stored, so the result is built from one joined buffer without validating them again (Arrow's
        checked conversion would cost as much as the decompression)."""
        rows = zip(numbers.to_pylist(), frames.to_pylist(), strict=True)
        if frames.null_count:
            out = [None if f is None else self.decompress(n, f) for n, f in rows]
            return pa.array(out, pa.large_binary()).view(pa.large_string())
        texts = [self.decompress(n, f) for n, f in rows]
        offsets = array("q", accumulate(map(len, texts), initial=0))
        return pa.LargeStringArray.from_buffers(len(texts), pa.py_buffer(offsets), pa.py_buffer(b"".join(texts)))


def register(con: object, codec: Codec) -> None:
    """Make `glasslog_json(zdict, raw_z)` callable on this DuckDB connection (its cursors inherit it)."""
    try:
        import duckdb.sqltypes as t
    except ImportError:  # DuckDB before 1.4
        import duckdb.typing as t  # type: ignore[no-redef]

    body: Callable[[pa.Array, pa.Array], pa.Array] = codec.texts
    con.create_function(FUNCTION, body, [t.USMALLINT, t.BLOB], t.VARCHAR,  # type: ignore[attr-defined]
                        type="arrow", side_effects=False)


def register_stored(con: object) -> Codec:
    """Register the SQL function on a connection opened outside the store (benchmarks, a DuckDB shell run from
    Python), with the dictionaries the database file holds."""
    rows = con.execute("SELECT id, data FROM json_dicts").fetchall()  # type: ignore[attr-defined]
    codec = Codec({int(n): bytes(d) for n, d in rows})
    register(con, codec)
    return codec
