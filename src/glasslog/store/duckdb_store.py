"""The embedded store: one DuckDB file, owned by one process.

Why it is shaped this way:
- The event JSON is kept whole so the API returns exactly what came in, each event compressed on its own with
  the store's zstd dictionary (`event_json.py`), so that reading one event costs one event. The table is
  `event_rows`; the view `events` adds the text as `raw` for SQL. The hot columns (see `columns.py`) are derived
  from the JSON inside DuckDB at ingest, where JSON parsing is fast and parallel. A store made before per-event
  compression keeps its `events` table with the text in a zstd column (`raw`) and is read as it is.
- Writes are serialised by one lock and each batch is one transaction, so the persistence sequence (`seq`)
  is assigned in commit order: a reader that sees seq N can never later see a smaller one appear.
- Every statement's WHERE clause starts with the org guard added by `_where`; nothing else builds conditions.
- "Newest 100" over a long range searches the newest time slices first and stops when the page is full, so
  frequent matches cost a slice and rare ones cost one scan (DuckDB skips row groups by min/max `published`).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from array import array
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from glasslog.errors import GlasslogError
from glasslog.store import duckdb_rollup, event_json
from glasslog.store.base import (
    Bucket,
    EventBatch,
    IngestResult,
    Page,
    SearchQuery,
    StoredEvent,
    ValidEvent,
)
from glasslog.store.columns import JOINED, LISTS, SCALARS, SEPARATOR, HotColumn, JoinedMember
from glasslog.store.duckdb_sql import sql_string, transaction
from glasslog.store.sql_common import (
    advance,
    bounded_order,
    chunk_size,
    conditions,
    first_of_each,
    iter_pages,
    keep_keyword_matches,
    spelling,
)

DB_FILE = "glasslog.duckdb"
DIALECT = "duckdb"
CHECKPOINT_MB = 256
_MIN_SLICE = timedelta(hours=1)
# After the newest 1/256th of the range, the rest is one statement. Growing by 4 took 5-6 statements for a
# rare match, and each costs a few ms of fixed work; since a page reads only its own rows' JSON, the statement
# over the rest is cheap (at 10M events, the 26 guide queries over 7 days: 230 -> 98 ms in all; BENCHMARKS.md).
# Not when every row tested costs the JSON (`q`, a field without a column): there a page that fills early
# should not pay for the whole range, so those slices still grow by 4.
_SLICE_GROWTH = 256
_SLICE_GROWTH_READING_JSON = 4
_READS_JSON = re.compile(r"\braw\b")


class _MetaCache:
    """Documents read by key, kept as their JSON text. Every search reads the org's settings (its retention
    floor) and every API request its token: 0.7 ms of a 6 ms query went to that one-row statement. Only this
    process writes the file (DuckDB's lock), and every write goes through put_meta/delete_meta, which forget the
    key; a read that raced a write (the generation moved while it ran) is not kept. Callers get a fresh dict."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str, str], str | None] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def lookup(self, ident: tuple[str, str, str]) -> tuple[bool, str | None]:
        with self._lock:
            if ident in self._texts:
                return True, self._texts[ident]
        return False, None

    def keep(self, ident: tuple[str, str, str], text: str | None, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            if len(self._texts) >= self.LIMIT:
                self._texts.clear()
            self._texts[ident] = text

    def forget(self, ident: tuple[str, str, str]) -> None:
        with self._lock:
            self.generation += 1
            self._texts.pop(ident, None)


class StoreLocked(GlasslogError):
    """The data directory is held by another process (normally a running `glasslog serve`)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            "E0000009",
            f"the data directory {path.parent} is in use by another glasslog process (a running server?). "
            "Stop it, or use that server's HTTP API (GET/POST /api/v1/logs), then try again.",
            status=503,
        )


def _json_path(path: tuple[str, ...]) -> str:
    return "$." + ".".join(path)


def _lowered(col: HotColumn, expr: str) -> str:
    return f"lower({expr})" if col.case == "lower" else expr


def _joined(j: JoinedMember, items: str) -> str:
    """`columns.joined_text` in SQL over the list `items`: array_to_string skips the NULLs that `x.m || ' '` gives
    for a missing member, and a missing list gives no values."""
    sep = sql_string(SEPARATOR)
    parts = f"list_transform({items}, lambda x: x.{_ident(j.member)} || {sep})"
    return f"{sep} || coalesce(array_to_string({parts}, ''), '')"


ROWS = "event_rows"


def _ddl() -> str:
    cols = ["org VARCHAR NOT NULL", "seq BIGINT NOT NULL", "published TIMESTAMP NOT NULL"]
    cols += [f"{c.column} VARCHAR" for c in SCALARS]
    for lst in LISTS:
        members = ", ".join(f"{m.column} VARCHAR" for m in lst.members)
        cols.append(f"{lst.column} STRUCT({members})[]")
    cols += [f"{j.column} VARCHAR" for j in JOINED]
    # The frames are zstd already: DuckDB's own compression would only spend time finding that out.
    cols += ["lat DOUBLE", "lon DOUBLE", "zdict USMALLINT NOT NULL",
             "raw_z BLOB NOT NULL USING COMPRESSION uncompressed"]
    return f"CREATE TABLE IF NOT EXISTS {ROWS} (\n  " + ",\n  ".join(cols) + "\n)"


# Re-created on every open: DuckDB refuses a view whose table gained columns since the view was made.
_VIEW = f"CREATE OR REPLACE VIEW events AS SELECT *, {event_json.FUNCTION}(zdict, raw_z) AS raw FROM {ROWS}"


def _transform_schema() -> str:
    """One json_transform schema covering every hot attribute, so each event's JSON is parsed once at ingest.
    Non-strict json_transform gives scalars exactly as json_extract_string does (strings as they are, other
    values as JSON text, null as NULL) and NULL where the JSON has another shape than the schema."""
    root: dict = {}

    def put(tree: dict, path: tuple[str, ...], leaf: object) -> None:
        for key in path[:-1]:
            node = tree.setdefault(key, {})
            if not isinstance(node, dict):  # pragma: no cover - columns.py has no such clash
                raise ValueError(f"hot path clash at {path}")
            tree = node
        tree[path[-1]] = leaf

    for c in SCALARS:
        put(root, c.path, "VARCHAR")
    for lst in LISTS:
        element: dict = {}
        for m in lst.members:
            put(element, m.path, "VARCHAR")
        put(root, lst.path, [element])
    put(root, ("client", "geographicalContext", "geolocation", "lat"), "DOUBLE")
    put(root, ("client", "geographicalContext", "geolocation", "lon"), "DOUBLE")
    return orjson.dumps(root).decode()


# How json_transform writes a double as VARCHAR when it takes the exponent form (1e+20, 1.5e-06); the
# json_extract_string text the columns promise (and the matcher's coercion.json_text) is 100000000000000000000.0
# and 0.0000015 there. Such values are rare: after the insert, one statement looks for them among the batch's
# rows (a CASE, so the regex only runs where a cheap `contains` found "e+" or "e-"), and only the columns that
# have one are rewritten from the text. (A json_extract_string on every column cost ~20 ms per statement;
# scanning the derived columns in Arrow, 3 µs per event.)
_EXPONENT_FORM = r"^-?[0-9]+(\.[0-9]+)?e[-+][0-9]+$"


def _exponent_test(column: str) -> str:
    return (f"CASE WHEN contains({column}, 'e+') OR contains({column}, 'e-') "
            f"THEN regexp_full_match({column}, {sql_string(_EXPONENT_FORM)}) ELSE false END")


def _derive_select() -> str:
    """SELECT deriving every hot column (named as in the table) from the staged raw JSON, one parse per event.
    It reads only the staged texts and writes nothing, so DuckDB runs it on every core (see `DuckDBStore._derive`)."""
    def ref(path: tuple[str, ...], base: str = "j") -> str:
        return base + "".join(f".{_ident(p)}" for p in path)

    exprs = [f"{_lowered(c, ref(c.path))} AS {c.column}" for c in SCALARS]
    for lst in LISTS:
        fields = ", ".join(f"{m.column} := {_lowered(m, ref(m.path, 'e'))}" for m in lst.members)
        exprs.append(f"list_transform({ref(lst.path)}, lambda e: struct_pack({fields})) AS {lst.column}")
    geo = ("client", "geographicalContext", "geolocation")
    exprs += [f"{ref((*geo, 'lat'))} AS lat", f"{ref((*geo, 'lon'))} AS lon"]
    # The joined columns are derived from the list columns (one level up), so they hold the lists' exact texts.
    joined = "".join(f", {_joined(j, j.list)} AS {j.column}" for j in JOINED)
    return (
        f"SELECT *{joined} FROM (\n"
        f"SELECT seq, published, {', '.join(exprs)} FROM (\n"
        f"  SELECT s.seq, s.published, json_transform(s.raw, {sql_string(_transform_schema())}) AS j "
        "FROM staged s\n))"
    )


_HOT_COLUMNS = ["seq", "published", *(c.column for c in SCALARS), *(lst.column for lst in LISTS), "lat", "lon",
                *(j.column for j in JOINED)]


def _insert_sql(table: str, json_columns: list[str]) -> str:
    return f"INSERT INTO {table} (org, {', '.join(_HOT_COLUMNS + json_columns)}) SELECT ?, * FROM derived"


ROW_GROUP = 122_880  # DuckDB's rows per row group: bulk writers hand over whole ones (see importer.BATCH)


def _staged(batch: EventBatch, rows: list[int] | None, base: int) -> pa.Table:
    """The batch's `rows` (all of them when None) as Arrow, on the batch's own buffers: no text is copied unless
    rows are left out or reordered, and then Arrow's `take` copies them natively."""
    table = pa.table({"published": batch.times(), "raw": batch.text_column()})
    if rows is not None:
        table = table.take(pa.array(rows, pa.int64()))
    seq = array("q", range(base + 1, base + 1 + table.num_rows))
    return table.add_column(0, "seq", pa.Array.from_buffers(pa.int64(), len(seq), [None, pa.py_buffer(seq)]))


def _in_time_order(times: list[datetime], rows: list[int] | None) -> list[int] | None:
    """`rows` (None: all) stably sorted by time; None again when they already are, as a forwarder's or an
    export's batches usually are."""
    order = range(len(times)) if rows is None else rows
    if all(times[a] <= times[b] for a, b in pairwise(order)):
        return rows
    return sorted(order, key=times.__getitem__)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _naive(dt: datetime) -> datetime:
    """DuckDB TIMESTAMP holds UTC without a zone."""
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


_DERIVE_SQL = _derive_select()


class DuckDBStore:
    """The Store protocol over one DuckDB database file."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_FILE
        try:
            self._con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(self.path) from None
            raise
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._cursors_lock = threading.Lock()
        # A streaming writer commits a few thousand events at a time through the WAL; at DuckDB's default 16 MB
        # each checkpoint (every ~7,000 events) recompressed the partly filled last row group, a quarter of the
        # cost of a small commit. 256 MB means a restart replays at most that much.
        self._con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_MB}MB'")
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS meta (org VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
            "key VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY (org, kind, key))"
        )
        legacy = self._con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events' "
                                   "AND table_type = 'BASE TABLE'").fetchall()[0][0] > 0
        self._codec: event_json.Codec | None = None
        if legacy:
            self._rows, self._json_columns, self._raw = "events", ["raw"], "raw"
        else:
            self._rows, self._json_columns = ROWS, ["zdict", "raw_z"]
            self._raw = f"{event_json.FUNCTION}(zdict, raw_z)"
            self._codec = self._open_dictionaries()
            self._con.execute(_ddl())
        self._insert = _insert_sql(self._rows, self._json_columns)
        self._add_missing_columns()
        if not legacy:
            self._con.execute(_VIEW)
            self._generic_rows = 0 if self._codec.newest != event_json.GENERIC_ID else int(self._con.execute(
                f"SELECT count(*) FROM {ROWS} WHERE zdict = ?", [event_json.GENERIC_ID]).fetchall()[0][0])
            self._train_after = event_json.TRAIN_AFTER
            self._training: event_json.BackgroundTraining | None = None
        # Built here from the events if the store lacks it.
        self._rollup = duckdb_rollup.Rollup(self._con, self._rows)
        self._seq = int(self._con.execute(f"SELECT coalesce(max(seq), 0) FROM {self._rows}").fetchall()[0][0])
        self._span: dict[str, tuple[datetime, datetime]] = {}
        self._span_lock = threading.Lock()
        self._meta = _MetaCache()
        self._closed = False

    def _open_dictionaries(self) -> event_json.Codec:
        """The store's dictionaries; a new store starts with a copy of the generic one (so a later package
        with another generic dictionary still reads this store)."""
        self._con.execute("CREATE TABLE IF NOT EXISTS json_dicts (id USMALLINT PRIMARY KEY, data BLOB NOT NULL, "
                          "trained_at TIMESTAMP, events BIGINT)")
        rows = self._con.execute("SELECT id, data FROM json_dicts").fetchall()
        if not rows:
            rows = [(event_json.GENERIC_ID, event_json.generic_dictionary())]
            self._con.execute("INSERT INTO json_dicts VALUES (?, ?, NULL, NULL)", list(rows[0]))
        codec = event_json.Codec({int(n): bytes(d) for n, d in rows})
        event_json.register(self._con, codec)
        return codec

    def _dictionary_for(self, cur: duckdb.DuckDBPyConnection, fresh: pa.Array) -> int:
        """The dictionary this batch is written with. Until the store has its own, events use the generic one;
        once enough have arrived (a bulk import's first batch is enough), the store trains its own on them in
        the background and takes it up at the first batch after training ends."""
        assert self._codec is not None
        if self._codec.newest != event_json.GENERIC_ID:
            return self._codec.newest
        if self._training is not None:
            try:
                data = self._training.result()
            except Exception:  # noqa: BLE001 - zstd refused these samples: try again with more events
                self._training, self._train_after = None, self._train_after * 4
                data = None
            if data is not None:
                used, self._training = self._training.sample_count, None
                number = self._codec.newest + 1
                cur.execute("INSERT INTO json_dicts VALUES (?, ?, now(), ?)", [number, data, used]).fetchall()
                self._codec.add(number, data)
                return number
        self._generic_rows += len(fresh)
        if self._training is None and self._generic_rows >= self._train_after:
            step = max(1, len(fresh) // event_json.TRAIN_SAMPLES)
            picked = pa.array(range(0, len(fresh), step)[:event_json.TRAIN_SAMPLES], pa.int64())
            samples: list[bytes] = fresh.take(picked).cast(pa.large_binary()).to_pylist()
            if len(samples) < event_json.TRAIN_SAMPLES:
                older = cur.execute("SELECT raw FROM events WHERE zdict = ? ORDER BY seq DESC LIMIT ?",
                                    [event_json.GENERIC_ID, event_json.TRAIN_SAMPLES - len(samples)]).fetchall()
                samples += [r[0].encode() for r in older]
            self._training = event_json.BackgroundTraining(samples)
        return event_json.GENERIC_ID

    def _add_missing_columns(self) -> None:
        """A store made by an older glasslog lacks newer hot columns: add them and derive their values from
        the kept JSON (a joined column from its list column, as ingest does), so old data answers new queries the
        same way."""
        have = {r[0] for r in self._con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [self._rows]).fetchall()}
        scalars = [c for c in SCALARS if c.column not in have]
        for col in scalars:
            self._con.execute(f"ALTER TABLE {self._rows} ADD COLUMN {col.column} VARCHAR").fetchall()
            value = _lowered(col, f"json_extract_string(j, '{_json_path(col.path)}')")
            # Hot columns take their key exactly and stored JSON has no \u escapes (validate.py), so a row
            # whose text lacks the quoted key has NULL here: only the others are rewritten.
            self._con.execute(f"UPDATE {self._rows} SET {col.column} = {value} FROM (SELECT seq AS s, "
                              f"{self._raw} AS j FROM {self._rows} WHERE contains(j, ?)) WHERE seq = s",
                              [f'"{col.path[-1]}"']).fetchall()
        joined = [j for j in JOINED if j.column not in have]
        for j in joined:
            self._con.execute(f"ALTER TABLE {self._rows} ADD COLUMN {j.column} VARCHAR").fetchall()
            self._con.execute(f"UPDATE {self._rows} SET {j.column} = {_joined(j, j.list)}").fetchall()
        if scalars or joined:
            # Until a checkpoint the new values sit in DuckDB's update buffers, which every scan then merges
            # into the (empty) column: at 10M events the ipChain filter took 117 ms so, 44 ms after it.
            self._con.execute("CHECKPOINT").fetchall()

    # -- connections ------------------------------------------------------------------------------------

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor per thread: DuckDB connections are not shared across threads, cursors are cheap."""
        cur = getattr(self._local, "cur", None)
        if cur is None:
            if self._closed:
                raise GlasslogError("E0000009", "the store is closed", status=503)
            cur = self._con.cursor()
            self._local.cur = cur
            with self._cursors_lock:
                self._cursors.append(cur)
        return cur

    def set_memory_limit(self, megabytes: int) -> None:
        """Bound DuckDB's buffer memory. Bulk import sets it: DuckDB otherwise keeps inserted data cached up to
        most of the machine's memory, so a long import's footprint would grow with the file."""
        self._cursor().execute(f"SET memory_limit = '{int(megabytes)}MB'").fetchall()

    def interruptible(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor, for a watchdog to `interrupt()` when a query outlives its time limit."""
        return self._cursor()

    # -- writing ----------------------------------------------------------------------------------------

    def ingest(self, org: str, events: Sequence[ValidEvent] | EventBatch, keep_order: bool = False,
               ) -> IngestResult:
        result = IngestResult()
        if not len(events):
            return result
        # A batch made here is the store's own: it may let go of the texts early (`transient`).
        batch = events if isinstance(events, EventBatch) else EventBatch.of(events, transient=True)
        rows = first_of_each(batch.uuids)  # None: every row of the batch, in its order
        uuids = batch.uuids if rows is None else [batch.uuids[i] for i in rows]
        result.duplicates = len(batch) - len(uuids)
        times = batch.published if rows is None else [batch.published[i] for i in rows]
        lo, hi = min(times), max(times)
        with self._write_lock:
            cur = self._cursor()
            existing = self.stored_uuids(org, uuids, lo, hi)
            if existing:
                rows = [i for i in (range(len(batch)) if rows is None else rows) if batch.uuids[i] not in existing]
            count = len(batch) if rows is None else len(rows)
            result.duplicates += len(uuids) - count
            result.stored_before = existing
            if not count:
                return result
            # Persistence order within a batch follows `published`, so readers polling by seq see time order.
            if not keep_order:
                rows = _in_time_order(batch.published, rows)
            base = self._seq
            staged = _staged(batch, rows, base)
            if self._codec is not None:
                raw = staged.column("raw")
                number = self._dictionary_for(cur, raw)
                if batch.frames is not None and batch.frames[0] == number:
                    frames = batch.frames[1] if rows is None else batch.frames[1].take(pa.array(rows, pa.int64()))
                else:
                    frames = self._codec.compress(raw, number)
                staged = staged.append_column("zdict", pa.array([number] * count, pa.uint16()))
                staged = staged.append_column("raw_z", frames)
                del raw, frames
            derived = self._derive(cur, staged)
            del staged
            if batch.transient:
                batch.release()
            cur.register("derived", derived)
            try:
                with transaction(cur):
                    cur.execute(self._insert, [org]).fetchall()
                    self._fix_exponents(cur, base)
                    self._rollup.add(cur, base + count)
            finally:
                cur.unregister("derived")
            self._seq = base + count
            with self._span_lock:  # after the commit: see _stored_span (the whole batch's bounds are wide enough)
                span = self._span.get(org)
                if span is not None:
                    self._span[org] = (min(span[0], lo), max(span[1], hi))
        result.accepted = count
        result.first_seq, result.last_seq = base + 1, base + count
        return result

    def prepare(self, batch: EventBatch) -> None:
        """Compress a batch's texts ahead of `ingest`, on the caller's thread. A bulk import's parsing thread
        calls it: that thread otherwise waits for the store's, which compressing took a fifth of. (A dictionary
        taken up in between makes `ingest` compress again, once in a store's life.)"""
        if self._codec is not None and len(batch):
            number = self._codec.newest
            batch.frames = (number, self._codec.compress(batch.text_column(), number))

    def stored_uuids(self, org: str, uuids: Sequence[str], lo: datetime, hi: datetime) -> set[str]:
        if not uuids:
            return set()
        oldest, newest = self._stored_span(org)
        if lo > newest or hi < oldest:
            # Outside all the org holds — a forwarder sending in time order, a backfill going back in time —
            # so nothing to look up.
            return set()
        cur = self._cursor()
        cur.register("probe", pa.table({"uuid": pa.array(uuids, pa.string())}))
        try:
            # The same event always carries the same `published`, so the probe only reads row groups whose
            # time range overlaps the batch: cheap when producers send roughly in time order.
            return {r[0] for r in cur.execute(
                f"SELECT uuid FROM {self._rows} WHERE org = ? AND published BETWEEN ? AND ? "
                "AND uuid IN (SELECT uuid FROM probe)", [org, _naive(lo), _naive(hi)]).fetchall()}
        finally:
            cur.unregister("probe")

    def _stored_span(self, org: str) -> tuple[datetime, datetime]:
        """Bounds of the `published` times the org holds (deletions leave them as they were), read once per
        org. The first read holds the lock, so a commit that its snapshot missed widens the bounds after it."""
        with self._span_lock:
            span = self._span.get(org)
            if span is None:
                row = self._cursor().execute(f"SELECT min(published), max(published) FROM {self._rows} "
                                             "WHERE org = ?", [org]).fetchall()
                if row and row[0][0] is not None:
                    span = (_aware(row[0][0]), _aware(row[0][1]))
                else:  # nothing yet: an empty span that any batch lies outside of
                    span = (datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC))
                self._span[org] = span
            return span

    def _derive(self, cur: duckdb.DuckDBPyConnection, staged: pa.Table) -> pa.Table:
        """The batch as the table's columns, in two steps. Deriving the hot columns (JSON parsing) runs on both
        cores over the staged texts (DuckDB gives each thread a chunk); the insert after it takes the result as
        one chunk, so it fills whole row groups on one thread. One INSERT … SELECT doing both ran in parallel
        and ~10 % faster, but DuckDB wrote each row group twice: half the blocks of a 1M-event file were free
        space (BENCHMARKS.md)."""
        half = staged.num_rows // 2
        parts = staged.select(["seq", "published", "raw"])
        cur.register("staged", pa.Table.from_batches([*parts.slice(0, half).to_batches(),
                                                      *parts.slice(half).to_batches()]))
        try:
            hot = cur.sql(_DERIVE_SQL).to_arrow_table()
        finally:
            cur.unregister("staged")
        if hot.num_rows != staged.num_rows:  # pragma: no cover - a projection keeps every row
            raise GlasslogError("E0000009", "deriving the hot columns lost rows", status=500)
        if not hot.column("seq").equals(staged.column("seq")):  # pragma: no cover - DuckDB keeps scan order
            hot = hot.take(pc.sort_indices(hot.column("seq")))
        kept = [staged.column(c) for c in self._json_columns]
        return pa.Table.from_arrays([*hot.columns, *kept], names=_HOT_COLUMNS + self._json_columns).combine_chunks()

    def _fix_exponents(self, cur: duckdb.DuckDBPyConnection, base: int) -> None:
        """Give the batch's scalar hot columns that hold a double in the exponent form json_extract_string's
        text of the value instead (see _EXPONENT_FORM); reads only the batch's rows (seq > base)."""
        found = cur.execute("SELECT " + ", ".join(f"bool_or({_exponent_test(c.column)})" for c in SCALARS)
                            + f" FROM {self._rows} WHERE seq > ?", [base]).fetchall()[0]
        for col, hit in zip(SCALARS, found, strict=True):
            if hit:
                value = _lowered(col, f"json_extract_string({self._raw}, {sql_string(_json_path(col.path))})")
                cur.execute(f"UPDATE {self._rows} SET {col.column} = {value} "
                            f"WHERE seq > ? AND {_exponent_test(col.column)}", [base]).fetchall()

    def delete_before(self, org: str, cutoff: datetime) -> int:
        with self._write_lock:
            cur = self._cursor()
            with transaction(cur):
                cut = _naive(cutoff)
                row = cur.execute(f"DELETE FROM {self._rows} WHERE org = ? AND published < ?", [org, cut]).fetchall()
                self._rollup.deleted_before(cur, org, cut)
        return int(row[0][0]) if row else 0

    # -- conditions -------------------------------------------------------------------------------------

    def _where(self, org: str, query: SearchQuery, *, lo: datetime | None = None,
               hi: datetime | None = None, keyset: bool = True) -> tuple[str, list[Any]]:
        """The one place conditions are assembled (org guard first, see sql_common.conditions)."""
        parts, params = conditions(org, query, "?", DIALECT, since=lo, until=hi, keyset=keyset)
        params = [_naive(v) if isinstance(v, datetime) else v for v in params]
        if query.mode == "polling" and query.after_seq is not None:
            parts.append("seq > ?")
            params.append(query.after_seq)
        return " AND ".join(parts), params

    def _order(self, query: SearchQuery) -> str:
        return "seq ASC" if query.mode == "polling" else bounded_order(query)

    # -- reading ----------------------------------------------------------------------------------------

    def _fetch(self, sql: str, params: list[Any]) -> list[StoredEvent]:
        """Run a `SELECT seq, published, uuid, {json columns}` and decode each row's JSON in Python (cheaper
        than the SQL function for a page of rows)."""
        rows = self._cursor().execute(sql, params).fetchall()
        if self._codec is None:
            return [StoredEvent(seq, _aware(pub), uid, raw.encode()) for seq, pub, uid, raw in rows]
        text = self._codec.decompress
        return [StoredEvent(seq, _aware(pub), uid, text(n, z)) for seq, pub, uid, n, z in rows]

    @property
    def _event_columns(self) -> str:
        return ", ".join(["seq", "published", "uuid", *self._json_columns])

    def _page_rows(self, org: str, where: str, params: list[Any], order: str, chunk: int) -> list[StoredEvent]:
        """The first `chunk` matches in `order`, in two steps. DuckDB's top-N reads (decompresses) `raw` for every
        row that passes the filter before it keeps `chunk` of them, so the rows are chosen on the small columns
        first and only their JSON is read after: a frequent-match page costs ~10 ms instead of 125-180 ms at 1M
        events, and a time slice with no match never touches `raw` (BENCHMARKS.md, core section). Rows are named
        by `seq` (unique in the store and never reassigned, unlike DuckDB's rowid), and the org guard stands on
        the second statement too."""
        picked = self._cursor().execute(
            f"SELECT seq, published FROM events WHERE {where} ORDER BY {order} LIMIT {chunk}", params).fetchall()
        if not picked:
            return []
        # `seq = ANY(?)` alone is tested on every row of the org; the rows' own time and seq ranges let DuckDB
        # skip every row group that holds none of them (by its min/max), which matters most at 10M events.
        seqs = [r[0] for r in picked]
        times = [r[1] for r in picked]
        return self._fetch(f"SELECT {self._event_columns} FROM events WHERE org = ? AND published BETWEEN ? AND ? "
                           f"AND seq BETWEEN ? AND ? AND seq = ANY(?) ORDER BY {order}",
                           [org, min(times), max(times), min(seqs), max(seqs), seqs])

    def _run(self, org: str, query: SearchQuery, want: int | None, lo: datetime | None = None,
             hi: datetime | None = None) -> list[StoredEvent]:
        """Up to `want` verified matches in one time range, continuing past rows the keyword check drops."""
        out: list[StoredEvent] = []
        q = query
        while True:
            where, params = self._where(org, q, lo=lo, hi=hi)
            chunk = chunk_size(q, want, len(out))
            order = self._order(q)
            if chunk is None:
                rows = self._fetch(f"SELECT {self._event_columns} FROM events WHERE {where} ORDER BY {order}",
                                   params)
            else:
                rows = self._page_rows(org, where, params, order, int(chunk))
            out += keep_keyword_matches(q, rows)
            if want is not None and len(out) >= want:
                return out[:want]
            if chunk is None or len(rows) < chunk:
                return out
            q = advance(q, rows[-1])

    def search(self, org: str, query: SearchQuery) -> Page:
        if query.limit == 0:
            return Page([], has_more=False)
        want = None if query.limit is None else query.limit + 1
        if query.mode == "polling" or want is None or query.since is None or query.until is None:
            rows = self._run(org, query, want)
        else:
            rows = self._sliced(org, query, want)
        has_more = want is not None and len(rows) >= want
        return Page(rows[: query.limit] if query.limit is not None else rows, has_more=has_more)

    def _sliced(self, org: str, query: SearchQuery, want: int) -> list[StoredEvent]:
        """Walk the range in growing time slices from the end the order starts at."""
        assert query.since is not None and query.until is not None
        since, until = query.since, query.until
        if query.after is not None:  # the cursor already bounds one end
            ts = _aware(query.after[0])
            if query.order == "ASCENDING":
                since = max(since, ts)
            else:
                until = min(until, ts + timedelta(microseconds=1))
        width = max(_MIN_SLICE, (until - since) / 256)
        growth = _SLICE_GROWTH
        if query.keywords or _READS_JSON.search(self._where(org, query)[0]):
            growth = _SLICE_GROWTH_READING_JSON
        out: list[StoredEvent] = []
        descending = query.order == "DESCENDING"
        edge = until if descending else since
        while len(out) < want:
            if descending:  # compared before adding, so an open-ended range cannot overflow the datetime
                lo, hi = (since if edge - since <= width else edge - width), edge
            else:
                lo, hi = edge, (until if until - edge <= width else edge + width)
            if lo >= hi:
                break
            out += self._run(org, query, want - len(out), lo=lo, hi=hi)
            edge = lo if descending else hi
            width = min(width * growth, until - since)
        return out

    def iter_search(self, org: str, query: SearchQuery, batch: int = 5000) -> Iterator[StoredEvent]:
        yield from iter_pages(lambda q: self._run(org, q, batch), query, batch)

    def count(self, org: str, query: SearchQuery) -> int:
        if query.keywords:
            return sum(1 for _ in self.iter_search(org, query))
        where, params = self._where(org, query)
        return int(self._cursor().execute(f"SELECT count(*) FROM events WHERE {where}", params).fetchall()[0][0])

    def histogram(self, org: str, query: SearchQuery, bucket_seconds: int) -> list[Bucket]:
        size = max(1, int(bucket_seconds))
        if query.keywords:
            counts: dict[int, int] = {}
            for ev in self.iter_search(org, query):
                key = int(ev.published.timestamp()) // size * size
                counts[key] = counts.get(key, 0) + 1
            return [Bucket(datetime.fromtimestamp(k, UTC), n) for k, n in sorted(counts.items())]
        where, params = self._where(org, query)
        rows = self._cursor().execute(
            f"SELECT (epoch_us(published) // {size * 1_000_000}) * {size} AS b, count(*) FROM events "
            f"WHERE {where} GROUP BY b ORDER BY b",
            params,
        ).fetchall()
        return [Bucket(datetime.fromtimestamp(int(b), UTC), int(n)) for b, n in rows]

    def top_values(self, org: str, query: SearchQuery, path: str, limit: int = 10, *,
                   rollup: bool = True) -> list[tuple[Any, int]]:
        """Values group case-insensitively where the filter language compares them so. A field with a hot
        column is grouped on it (reading `raw` would cost seconds per million rows) and each winner's spelling
        is restored from one event of its group. Unfiltered, a rolled-up field's whole days are read from the
        daily rollup (`duckdb_rollup`; `rollup=False` groups the events instead, with the same result)."""
        if query.keywords:
            raise GlasslogError("E0000001", "keyword search (q) is not supported for trends; use a filter")
        from glasslog.query.fields import resolve

        field = resolve(path)
        order = f"GROUP BY v ORDER BY n DESC, v LIMIT {int(limit)}"
        rolled = self._rollup.top_rows(self._cursor(), self._where, _naive, org, query, field, limit) if rollup \
            else None
        if rolled is not None:
            rows = rolled
            lowered = (field.hot or field.hot_member).case == "lower"
        elif field.hot is not None:
            col = field.hot.column
            rows = self.sql(org, query, f"{col} AS v, count(*) AS n, min(seq) AS s", f"AND {col} IS NOT NULL {order}")
            lowered = field.hot.case == "lower"
        elif field.hot_list is not None and field.hot_member is not None:
            items = f"list_transform({field.hot_list.column}, lambda x: x.{field.hot_member.column})"
            rows = self.sql(org, query, f"v, count(*) AS n, min(s) AS s FROM (SELECT unnest({items}) AS v, seq AS s",
                            f") WHERE v IS NOT NULL {order}")
            lowered = field.hot_member.case == "lower"
        else:
            return self._top_values_from_json(org, query, path, limit)
        if not lowered:
            return [(v, int(n)) for v, n, _ in rows]
        out = []
        for v, n, s in rows:  # a point lookup per winner: seq's zone maps make it cheap
            found = self._cursor().execute("SELECT raw FROM events WHERE org = ? AND seq = ?", [org, s]).fetchall()
            out.append((spelling(found[0][0] if found else None, field.path, v), int(n)))
        return out

    def _top_values_from_json(self, org: str, query: SearchQuery, path: str, limit: int) -> list[tuple[Any, int]]:
        from glasslog.query import value_expression

        expr, is_list = value_expression(path, DIALECT)
        where, params = self._where(org, query)
        if is_list:
            sql = (f"SELECT v, count(*) AS n FROM (SELECT unnest({expr}) AS v FROM events WHERE {where}) "
                   f"WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT {int(limit)}")
        else:
            sql = (f"SELECT {expr} AS v, count(*) AS n FROM events WHERE {where} AND v IS NOT NULL "
                   f"GROUP BY v ORDER BY n DESC, v LIMIT {int(limit)}")
        return [(v, int(n)) for v, n in self._cursor().execute(sql, params).fetchall()]

    def sql(self, org: str, query: SearchQuery, select: str, tail: str = "") -> list[tuple[Any, ...]]:
        """Run a custom aggregate over the org's matching events. `select` and `tail` are code, never user
        input; the WHERE clause (and so the org guard) still comes from `_where`."""
        where, params = self._where(org, query)
        return self._cursor().execute(f"SELECT {select} FROM events WHERE {where} {tail}", params).fetchall()

    def max_seq(self) -> int:
        return self._seq

    def orgs(self) -> list[str]:
        rows = self._cursor().execute(
            "SELECT DISTINCT org FROM events UNION SELECT DISTINCT org FROM meta ORDER BY 1"
        ).fetchall()
        return [r[0] for r in rows]

    def event_count(self, org: str) -> int:
        return int(self._cursor().execute("SELECT count(*) FROM events WHERE org = ?", [org]).fetchall()[0][0])

    # -- metadata ---------------------------------------------------------------------------------------

    def put_meta(self, org: str, kind: str, key: str, value: dict[str, Any]) -> None:
        with self._write_lock:
            self._cursor().execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?, ?, ?)", [org, kind, key, orjson.dumps(value).decode()]
            ).fetchall()
            self._meta.forget((org, kind, key))

    def get_meta(self, org: str, kind: str, key: str) -> dict[str, Any] | None:
        ident = (org, kind, key)
        hit, text = self._meta.lookup(ident)
        if not hit:
            generation = self._meta.generation
            row = self._cursor().execute(
                "SELECT value FROM meta WHERE org = ? AND kind = ? AND key = ?", [org, kind, key]
            ).fetchall()
            text = row[0][0] if row else None
            self._meta.keep(ident, text, generation)
        return orjson.loads(text) if text is not None else None

    def list_meta(self, org: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._cursor().execute(
            "SELECT key, value FROM meta WHERE org = ? AND kind = ? ORDER BY key", [org, kind]
        ).fetchall()
        return [(k, orjson.loads(v)) for k, v in rows]

    def find_meta(self, kind: str, key: str) -> tuple[str, dict[str, Any]] | None:
        """Look a document up by kind and key across orgs (a token hash names its org)."""
        row = self._cursor().execute(
            "SELECT org, value FROM meta WHERE kind = ? AND key = ?", [kind, key]
        ).fetchall()
        return (row[0][0], orjson.loads(row[0][1])) if row else None

    def delete_meta(self, org: str, kind: str, key: str) -> bool:
        with self._write_lock:
            row = self._cursor().execute(
                "DELETE FROM meta WHERE org = ? AND kind = ? AND key = ?", [org, kind, key]
            ).fetchall()
            self._meta.forget((org, kind, key))
        return bool(row and row[0][0])

    def checkpoint(self) -> None:
        with self._write_lock:
            self._cursor().execute("CHECKPOINT").fetchall()

    def close(self) -> None:
        """Stop statements other threads still run (a detector pass, a slow export), then close: DuckDB
        refuses to close a connection another thread is using."""
        if self._closed:
            return
        self._closed = True
        with self._cursors_lock:
            cursors = list(self._cursors)
        for _ in range(100):
            for cur in cursors:
                with contextlib.suppress(duckdb.Error):
                    cur.interrupt()
            try:
                self._con.close()
                return
            except duckdb.Error:
                time.sleep(0.05)
        self._con.close()
