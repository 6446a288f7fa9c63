"""The scale-out store: the Store protocol on ClickHouse, through chdb (in-process) or clickhouse-connect.

URLs (`open_clickhouse`):
- `chdb:///var/lib/glasslog` (or `chdb://relative/dir`): ClickHouse's engine in this process, data in the
  directory. One writer (this process), so polling needs no lag.
- `clickhouse://user:pass@host:8123/db`, `clickhouses://…` (TLS): a server or a cluster. Options as URL query
  parameters: `cluster=NAME` (use the Distributed tables of `glasslog clickhouse ddl --cluster NAME`),
  `lag=SECONDS` (visibility lag for polling, default 5), `node=N` (0–1023, this ingest node's id; default
  random), `create=0` (do not create the schema on open).

Why it is shaped this way:
- **Persistence position without a global counter.** Several ingest nodes cannot share a sequence, so each
  event's `seq` is `ingest-clock µs << 10 | node`: every event of a batch gets its own µs, a node never reuses
  one (its clock is kept monotonic), and two nodes differ in the low bits. Ordering by `seq` is ordering by
  persistence time (`ingested`, an alias of `seq >> 10`).
- **Visibility watermark.** A row's seq is assigned before its INSERT commits, so a reader could see a later
  seq before an earlier one commits and move its cursor past it. Polling therefore serves only rows with
  `seq <= watermark`, where the watermark is `now − lag` (lag covers insert latency and clock skew between
  ingest nodes and readers) and never passes a batch this process still has in flight. Guarantee: a polling
  client sees every event exactly once provided each INSERT commits within `lag` of its seq's timestamp (as
  the reader's clock tells it). With chdb (one writer, writes serialised) the lag is 0 and the watermark is
  exact: everything committed and nothing in flight.
- **Idempotent ingest.** Under this process's write lock, a batch's uuids are probed in the batch's
  `published` range (the primary key makes that a few granules) and only new ones inserted. Two nodes racing
  on the same uuid can still both insert; readers then see one copy: bounded pages drop the adjacent twin
  (same `published`, same uuid), polling pages keep only the copy with the smallest seq, and the
  ReplacingMergeTree collapses twins in the background keeping that same copy. Aggregates (count, histogram,
  top values) may count such a twin until that merge.
- **Tenancy.** Every statement's WHERE starts with `org = …`, added by `_where`; nothing else builds
  conditions. Values are bound as typed server-side parameters.
- **Retention.** Rows carry `expires` (published + the org's retention at ingest) and the table has
  `TTL expires DELETE`; `put_meta` of the org's settings rewrites `expires` when the retention changes, and
  `delete_before` deletes at once. Reads hide expired rows through the Log's `since` floor, as on DuckDB.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from glasslog.errors import GlasslogError
from glasslog.store.base import Bucket, EventBatch, IngestResult, Page, SearchQuery, StoredEvent, ValidEvent
from glasslog.store.clickhouse_exec import MARKER, ChdbExecutor, Executor, HttpExecutor, bind
from glasslog.store.clickhouse_rows import event_table, needs_python, raw_table
from glasslog.store.clickhouse_schema import (
    FOREVER,
    NODE_BITS,
    SCHEMA_VERSION,
    all_ddl,
    hot_defaults,
    schema_version,
    upgrade_ddl,
)
from glasslog.store.sql_common import (
    advance,
    bounded_order,
    chunk_size,
    conditions,
    iter_pages,
    keep_keyword_matches,
    spelling,
    unique_by_uuid,
)

DIALECT = "clickhouse"
P = MARKER
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PROBE_CHUNK = 20_000
_MAX_NODE = (1 << NODE_BITS) - 1
DEFAULT_LAG = timedelta(seconds=5)
SETTINGS_KIND, SETTINGS_KEY = "settings", "org"  # where the Log keeps an org's retention (log.py)


def _ensure_printer() -> None:
    """Register the ClickHouse SQL printer with the query compiler (idempotent)."""
    try:
        from glasslog.query.compiler import PRINTERS, register_printer
        from glasslog.query.sql_clickhouse import ClickHousePrinter
    except ImportError:  # pragma: no cover - the compiler is always there in a release
        return
    if DIALECT not in PRINTERS:
        register_printer(DIALECT, ClickHousePrinter)


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _now_us() -> int:
    return time.time_ns() // 1000


class ClickHouseStore:
    """The Store protocol over ClickHouse tables `events` and `meta` in database `db`."""

    def __init__(self, executor: Executor, db: str = "glasslog", *, cluster: str | None = None,
                 lag: timedelta = DEFAULT_LAG, node: int = 0, single_writer: bool = False,
                 create: bool = True) -> None:
        _ensure_printer()
        if not 0 <= node <= _MAX_NODE:
            raise ValueError(f"node must be 0–{_MAX_NODE}, got {node}")
        self.x = executor
        self.db = db
        self.cluster = cluster
        self.lag = lag
        self.node = node
        self.single_writer = single_writer
        self.events = f"`{db}`.`events`"
        self.meta = f"`{db}`.`meta`"
        # mutations (ALTER/DELETE) go to the shards' local tables on a cluster
        self._events_local = f"`{db}`.`events_local`" if cluster else self.events
        self._on_cluster = f" ON CLUSTER `{cluster}`" if cluster else ""
        # async_insert (on by default in chdb) would queue each batch and flush it in the background: pointless
        # for batches this size, and slower
        self._insert_settings: dict[str, Any] = {"async_insert": 0}
        if cluster:
            self._insert_settings["distributed_foreground_insert"] = 1
        if create:
            for stmt in all_ddl(db, cluster):
                self.x.command(stmt)
        self._check_schema(create)
        self._write_lock = threading.Lock()
        self._inflight: int | None = None  # lowest seq of the batch being inserted, if any
        self._last_us = 0  # the ingest clock, kept monotonic
        self._meta_version = 0
        self._retention: dict[str, int] = {}
        self._committed = self._scalar(f"SELECT max(seq) FROM {self.events}") or 0
        self._last_us = max(self._last_us, self._committed >> NODE_BITS)
        self._closed = False

    def _check_schema(self, upgrade: bool) -> None:
        """Refuse a schema newer than this code; take an older one to this version when allowed to create
        (metadata-only ALTERs); and use ClickHouse-derived hot columns only where every one has its DEFAULT
        (on a cluster, in the Distributed table too: an INSERT computes them there)."""
        local = "events_local" if self.cluster else "events"
        comment = self._scalar("SELECT comment FROM system.tables WHERE database = {?} AND name = {?}",
                               [self.db, local])
        if comment is None:
            self._derive = False  # no table (create=0 before the DDL was applied): reads will say so
            self._columns = None
            return
        version = schema_version(comment)
        if version > SCHEMA_VERSION:
            raise GlasslogError(
                "E0000009", f"the ClickHouse database `{self.db}` has glasslog events schema {version}, newer "
                f"than this glasslog's ({SCHEMA_VERSION}); upgrade glasslog to use it", status=503)
        if version < SCHEMA_VERSION and upgrade:
            for stmt in upgrade_ddl(self.db, self.cluster):
                self.x.command(stmt)
        rows = self._rows("SELECT name, default_kind FROM system.columns WHERE database = {?} AND table = 'events'",
                          [self.db])
        kinds = dict(rows)
        self._derive = all(kinds.get(c) == "DEFAULT" for c in hot_defaults())
        # A table not yet upgraded (create=0) may lack newer hot columns: Python-derived rows leave them out
        # (filters on them fail until `glasslog clickhouse ddl --upgrade` is applied).
        self._columns: set[str] | None = set(kinds)

    # -- plumbing ---------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        text, named = bind(sql, params or [])
        table = self.x.arrow(text, named)
        cols = [c.to_pylist() for c in table.columns]
        return list(zip(*cols, strict=True)) if cols else []

    def _scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    def _command(self, sql: str, params: list[Any] | None = None) -> None:
        text, named = bind(sql, params or [])
        self.x.command(text, named)

    # -- the persistence position -----------------------------------------------------------------------

    def watermark(self) -> int:
        """The highest seq a polling reader may be served now (see the module docstring)."""
        inflight = self._inflight
        if self.single_writer:
            mark = self._committed if inflight is None else inflight - 1
            return max(mark, 0)
        mark = ((_now_us() - self.lag // timedelta(microseconds=1)) << NODE_BITS) | _MAX_NODE
        if inflight is not None:
            mark = min(mark, inflight - 1)
        return max(mark, 0)

    def _assign(self, n: int) -> list[int]:
        base = max(_now_us(), self._last_us + 1)
        self._last_us = base + n - 1
        return [((base + i) << NODE_BITS) | self.node for i in range(n)]

    # -- writing ----------------------------------------------------------------------------------------

    def ingest(self, org: str, events: Sequence[ValidEvent] | EventBatch, keep_order: bool = False,
               ) -> IngestResult:
        result = IngestResult()
        if not len(events):
            return result
        if isinstance(events, EventBatch):
            events = events.events()
        batch, result.duplicates = unique_by_uuid(events)
        retention = self._retention_days(org)
        with self._write_lock:
            existing = self._existing(org, batch)
            fresh = [e for e in batch if e.uuid not in existing] if existing else batch
            result.duplicates += len(batch) - len(fresh)
            result.stored_before = existing
            if not fresh:
                return result
            # persistence order within a batch follows `published`, so pollers see time order
            if not keep_order:
                fresh.sort(key=lambda e: e.published)
            seqs = self._assign(len(fresh))
            tables = self._tables(org, fresh, seqs, retention)
            self._inflight = seqs[0]
            try:
                for table in tables:
                    self.x.insert_arrow(self.events, table, self._insert_settings)
                self._committed = max(self._committed, seqs[-1])
            finally:
                self._inflight = None
        result.accepted = len(fresh)
        result.first_seq, result.last_seq = seqs[0], seqs[-1]
        return result

    def _tables(self, org: str, fresh: list[ValidEvent], seqs: list[int], retention: int) -> list[Any]:
        """The batch's INSERTs: ordinary events with only their JSON (ClickHouse derives the hot columns),
        the others with every column derived in Python (clickhouse_rows)."""
        if not self._derive:
            table = event_table(org, fresh, seqs, retention)
            if self._columns is not None:
                table = table.select([n for n in table.column_names if n in self._columns])
            return [table]
        odd = [i for i, e in enumerate(fresh) if needs_python(e)]
        if not odd:
            return [raw_table(org, fresh, seqs, retention)]
        if len(odd) == len(fresh):
            return [event_table(org, fresh, seqs, retention)]
        skip = set(odd)
        plain = [i for i in range(len(fresh)) if i not in skip]
        return [raw_table(org, [fresh[i] for i in plain], [seqs[i] for i in plain], retention),
                event_table(org, [fresh[i] for i in odd], [seqs[i] for i in odd], retention)]

    def stored_uuids(self, org: str, uuids: Sequence[str], lo: datetime, hi: datetime) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(uuids), _PROBE_CHUNK):
            found |= self._probe(org, uuids[i:i + _PROBE_CHUNK], lo, hi)
        return found

    def _existing(self, org: str, batch: Sequence[ValidEvent]) -> set[str]:
        """Uuids of the batch already stored; each chunk of the batch in time order reads only its own time
        range (primary key + the uuid bloom filter)."""
        found: set[str] = set()
        ordered = sorted(batch, key=lambda e: e.published)
        for i in range(0, len(ordered), _PROBE_CHUNK):
            chunk = ordered[i:i + _PROBE_CHUNK]
            found |= self._probe(org, [e.uuid for e in chunk], chunk[0].published, chunk[-1].published)
        return found

    def _probe(self, org: str, uuids: Sequence[str], lo: datetime, hi: datetime) -> set[str]:
        rows = self._rows(f"SELECT DISTINCT uuid FROM {self.events} WHERE org = {P} AND published >= {P} "
                          f"AND published <= {P} AND uuid IN {P}", [org, lo, hi, list(uuids)])
        return {r[0] for r in rows}

    def delete_before(self, org: str, cutoff: datetime) -> int:
        where = f"org = {P} AND published < {P}"
        n = int(self._scalar(f"SELECT count() FROM {self.events} WHERE {where}", [org, cutoff]) or 0)
        if n:
            with self._write_lock:
                self._command(f"DELETE FROM {self._events_local}{self._on_cluster} WHERE {where}", [org, cutoff])
        return n

    def _retention_days(self, org: str) -> int:
        days = self._retention.get(org)
        if days is None:
            doc = self.get_meta(org, SETTINGS_KIND, SETTINGS_KEY) or {}
            try:
                days = max(0, int(doc.get("retention_days", 0) or 0))
            except (TypeError, ValueError):
                days = 0
            self._retention[org] = days
        return days

    def _retention_changed(self, org: str, days: int) -> None:
        """Rewrite the org's `expires` so the TTL follows a new retention (a mutation: rare and heavy)."""
        if self._retention.get(org) == days:
            return
        self._retention[org] = days
        expr = f"toDateTime('{FOREVER}', 'UTC')" if days <= 0 else \
            f"least(toDateTime(published, 'UTC') + toIntervalDay({int(days)}), toDateTime('{FOREVER}', 'UTC'))"
        if self._scalar(f"SELECT count() FROM {self.events} WHERE org = {P} LIMIT 1", [org]):
            self._command(f"ALTER TABLE {self._events_local}{self._on_cluster} UPDATE expires = {expr} "
                          f"WHERE org = {P}", [org])

    # -- conditions -------------------------------------------------------------------------------------

    def _where(self, org: str, query: SearchQuery, *, keyset: bool = True,
               mark: int | None = None) -> tuple[str, list[Any]]:
        """The one place conditions are assembled (org guard first, see sql_common.conditions)."""
        parts, params = conditions(org, query, P, DIALECT, keyset=keyset)
        if query.mode == "polling":
            if query.after_seq is not None:
                parts.append(f"seq > {P}")
                params.append(int(query.after_seq))
            parts.append(f"seq <= {P}")
            params.append(self.watermark() if mark is None else mark)
        return " AND ".join(parts), params

    def _order(self, query: SearchQuery) -> str:
        if query.mode == "polling":
            return "seq ASC, uuid ASC"
        return bounded_order(query)

    # -- reading ----------------------------------------------------------------------------------------

    def _fetch(self, sql: str, params: list[Any]) -> list[StoredEvent]:
        text, named = bind(sql, params)
        table = self.x.arrow(text, named)
        if table.num_rows == 0:
            return []
        seqs = table.column("seq").to_pylist()
        pubs = table.column("pub").to_pylist()
        uuids = table.column("uuid").to_pylist()
        raws = table.column("raw").to_pylist()
        return [StoredEvent(s, _instant(p), u, r.encode() if isinstance(r, str) else bytes(r))
                for s, p, u, r in zip(seqs, pubs, uuids, raws, strict=True)]

    def _drop_twins(self, org: str, query: SearchQuery, rows: list[StoredEvent],
                    last: StoredEvent | None) -> list[StoredEvent]:
        """Hide copies of an event stored twice by racing ingest nodes (see the module docstring)."""
        if not rows:
            return rows
        if query.mode == "bounded":
            out = []
            prev = (last.published, last.uuid) if last is not None else None
            for r in rows:
                key = (r.published, r.uuid)
                if key != prev:
                    out.append(r)
                prev = key
            return out
        lo = min(r.published for r in rows)
        hi = max(r.published for r in rows)
        twins = self._rows(
            f"SELECT uuid, min(seq) FROM {self.events} WHERE org = {P} AND published >= {P} "
            f"AND published <= {P} AND uuid IN {P} GROUP BY uuid HAVING count() > 1",
            [org, lo, hi, sorted({r.uuid for r in rows})])
        if not twins:
            return rows
        first = dict(twins)
        return [r for r in rows if first.get(r.uuid, r.seq) == r.seq]

    def _run(self, org: str, query: SearchQuery, want: int | None, mark: int | None = None) -> list[StoredEvent]:
        """Up to `want` verified matches, continuing past rows the keyword check or the twin check drops."""
        out: list[StoredEvent] = []
        q = query
        last: StoredEvent | None = None
        if query.mode == "polling" and mark is None:
            mark = self.watermark()
        while True:
            where, params = self._where(org, q, mark=mark)
            chunk = chunk_size(q, want, len(out))
            sql = (f"SELECT seq, toUnixTimestamp64Micro(published) AS pub, uuid, raw FROM {self.events} "
                   f"WHERE {where} ORDER BY {self._order(q)}")
            if chunk is not None:
                sql += f" LIMIT {int(chunk)}"
            rows = self._fetch(sql, params)
            out += keep_keyword_matches(q, self._drop_twins(org, q, rows, last))
            if want is not None and len(out) >= want:
                return out[:want]
            if chunk is None or len(rows) < chunk:
                return out
            last = rows[-1]
            q = advance(q, last)

    def search(self, org: str, query: SearchQuery) -> Page:
        if query.limit == 0:
            return Page([], has_more=False)
        want = None if query.limit is None else query.limit + 1
        rows = self._run(org, query, want)
        has_more = want is not None and len(rows) >= want
        return Page(rows[: query.limit] if query.limit is not None else rows, has_more=has_more)

    def iter_search(self, org: str, query: SearchQuery, batch: int = 5000) -> Iterator[StoredEvent]:
        mark = self.watermark() if query.mode == "polling" else None  # one snapshot for the whole walk
        yield from iter_pages(lambda q: self._run(org, q, batch, mark=mark), query, batch)

    def count(self, org: str, query: SearchQuery) -> int:
        if query.keywords:
            return sum(1 for _ in self.iter_search(org, query))
        where, params = self._where(org, query)
        return int(self._scalar(f"SELECT count() FROM {self.events} WHERE {where}", params) or 0)

    def histogram(self, org: str, query: SearchQuery, bucket_seconds: int) -> list[Bucket]:
        size = max(1, int(bucket_seconds))
        if query.keywords:
            counts: dict[int, int] = {}
            for ev in self.iter_search(org, query):
                key = int(ev.published.timestamp()) // size * size
                counts[key] = counts.get(key, 0) + 1
            return [Bucket(datetime.fromtimestamp(k, UTC), n) for k, n in sorted(counts.items())]
        where, params = self._where(org, query)
        rows = self._rows(
            f"SELECT intDiv(toUnixTimestamp64Micro(published), {size * 1_000_000}) * {size} AS b, count() "
            f"FROM {self.events} WHERE {where} GROUP BY b ORDER BY b", params)
        return [Bucket(datetime.fromtimestamp(int(b), UTC), int(n)) for b, n in rows]

    def top_values(self, org: str, query: SearchQuery, path: str, limit: int = 10) -> list[tuple[Any, int]]:
        """As on DuckDB: where the field compares case-insensitively (it has a lower-cased hot column), values
        group case-insensitively, ordered by count then lower-cased value, spelled as the group's first event.
        A field with a hot column (or a hot list member) is grouped on it, and each winner's spelling is read
        back from that first event (`seq` point reads): grouping on the JSON instead parses every event's
        text, which cost seconds per million events."""
        from glasslog.query.fields import resolve

        if query.keywords:
            raise GlasslogError("E0000001", "keyword search (q) is not supported for trends; use a filter")
        field = resolve(path)
        where, params = self._where(org, query)
        order = f"GROUP BY v ORDER BY n DESC, v LIMIT {int(limit)}"
        if field.hot is not None:
            col, lowered = f"`{field.hot.column}`", field.hot.case == "lower"
            sql = (f"SELECT {col} AS v, count() AS n, min(seq) AS s FROM {self.events} "
                   f"WHERE {where} AND {col} IS NOT NULL {order}")
        elif field.hot_list is not None and field.hot_member is not None:
            lowered = field.hot_member.case == "lower"
            sql = (f"SELECT tupleElement(_gl_t, '{field.hot_member.column}') AS v, count() AS n, min(seq) AS s "
                   f"FROM {self.events} ARRAY JOIN `{field.hot_list.column}` AS _gl_t "
                   f"WHERE {where} AND v IS NOT NULL {order}")
        else:
            return self._top_values_from_json(org, query, path, limit)
        rows = self._rows(sql, params)
        if not lowered or not rows:
            return [(v, int(n)) for v, n, _ in rows]
        raws = dict(self._rows(f"SELECT seq, raw FROM {self.events} WHERE org = {P} AND seq IN {P}",
                               [org, sorted({int(s) for _, _, s in rows})]))
        return [(spelling(raws.get(s), field.path, v), int(n)) for v, n, s in rows]

    def _top_values_from_json(self, org: str, query: SearchQuery, path: str, limit: int) -> list[tuple[Any, int]]:
        """Fields without a hot column: group on the JSON text (case-sensitively, as they compare)."""
        from glasslog.query import value_expression

        expr, is_list = value_expression(path, DIALECT)
        where, params = self._where(org, query)
        value = "_gl_v" if is_list else f"({expr})"
        source = f"{self.events} ARRAY JOIN {expr} AS _gl_v" if is_list else self.events
        sql = (f"SELECT {value} AS v, count() AS n FROM {source} "
               f"WHERE {where} AND {value} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT {int(limit)}")
        return [(v, int(n)) for v, n in self._rows(sql, params)]

    def sql(self, org: str, query: SearchQuery, select: str, tail: str = "") -> list[tuple[Any, ...]]:
        """Run a custom aggregate (ClickHouse SQL) over the org's matching events. `select` and `tail` are
        code, never user input; the WHERE clause (and so the org guard) still comes from `_where`."""
        where, params = self._where(org, query)
        return self._rows(f"SELECT {select} FROM {self.events} WHERE {where} {tail}", params)

    def max_seq(self) -> int:
        """A position every reader may rely on: all rows at or below it are committed and visible, and no
        row at or below it can still appear. With one writer that is the last committed seq; on a cluster it
        is the watermark itself (no scan), which may lie between rows' seqs — fine for a cursor."""
        return self.watermark()

    def orgs(self) -> list[str]:
        rows = self._rows(f"SELECT DISTINCT org FROM {self.events} UNION DISTINCT "
                          f"SELECT org FROM ({self._meta_latest()}) WHERE deleted = 0")
        return sorted(r[0] for r in rows)

    def event_count(self, org: str) -> int:
        return int(self._scalar(f"SELECT count() FROM {self.events} WHERE org = {P}", [org]) or 0)

    # -- metadata ---------------------------------------------------------------------------------------

    def _version(self) -> int:
        """Meta row versions: ns of the wall clock, kept increasing in this process."""
        self._meta_version = max(time.time_ns(), self._meta_version + 1)
        return self._meta_version

    def _meta_latest(self, where: str = "1") -> str:
        return (f"SELECT org, kind, key, argMax(value, version) AS value, argMax(deleted, version) AS deleted "
                f"FROM {self.meta} WHERE {where} GROUP BY org, kind, key")

    def _meta_write(self, org: str, kind: str, key: str, value: str, deleted: int) -> None:
        import pyarrow as pa

        table = pa.table({
            "org": pa.array([org], pa.string()), "kind": pa.array([kind], pa.string()),
            "key": pa.array([key], pa.string()), "value": pa.array([value], pa.string()),
            "deleted": pa.array([deleted], pa.uint8()), "version": pa.array([self._version()], pa.uint64()),
        })
        self.x.insert_arrow(self.meta, table, self._insert_settings)

    def put_meta(self, org: str, kind: str, key: str, value: dict[str, Any]) -> None:
        with self._write_lock:
            self._meta_write(org, kind, key, orjson.dumps(value).decode(), 0)
        if kind == SETTINGS_KIND and key == SETTINGS_KEY:
            try:
                days = max(0, int(value.get("retention_days", 0) or 0))
            except (TypeError, ValueError):
                days = 0
            self._retention_changed(org, days)

    def get_meta(self, org: str, kind: str, key: str) -> dict[str, Any] | None:
        rows = self._rows(f"SELECT value FROM ({self._meta_latest(f'org = {P} AND kind = {P} AND key = {P}')}) "
                          f"WHERE deleted = 0", [org, kind, key])
        return orjson.loads(rows[0][0]) if rows else None

    def list_meta(self, org: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._rows(f"SELECT key, value FROM ({self._meta_latest(f'org = {P} AND kind = {P}')}) "
                          f"WHERE deleted = 0 ORDER BY key", [org, kind])
        return [(k, orjson.loads(v)) for k, v in rows]

    def find_meta(self, kind: str, key: str) -> tuple[str, dict[str, Any]] | None:
        """Look a document up by kind and key across orgs (a token hash names its org)."""
        rows = self._rows(f"SELECT org, value FROM ({self._meta_latest(f'kind = {P} AND key = {P}')}) "
                          f"WHERE deleted = 0 ORDER BY org LIMIT 1", [kind, key])
        return (rows[0][0], orjson.loads(rows[0][1])) if rows else None

    def delete_meta(self, org: str, kind: str, key: str) -> bool:
        if self.get_meta(org, kind, key) is None:
            return False
        with self._write_lock:
            self._meta_write(org, kind, key, "", 1)
        return True

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.x.close()


def _seconds(text: str) -> timedelta:
    value = text.strip().lower()
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if value.endswith(suffix):
            return timedelta(seconds=float(value[: -len(suffix)]) * scale)
    return timedelta(seconds=float(value))


def open_clickhouse(url: str) -> ClickHouseStore:
    """`chdb://DIR` → chdb in-process at DIR; `clickhouse[s]://user:pass@host:port/db?…` → a server."""
    if url.startswith("chdb://"):
        rest = url[len("chdb://"):]
        path, _, qs = rest.partition("?")
        opts = {k: v[-1] for k, v in parse_qs(qs).items()}
        if not path:
            raise ValueError("chdb:// needs a directory, e.g. chdb:///var/lib/glasslog")
        from pathlib import Path

        Path(path).mkdir(parents=True, exist_ok=True)
        executor = ChdbExecutor(str(Path(path).resolve()))
        try:
            return ClickHouseStore(executor, opts.get("db", "glasslog"), lag=_seconds(opts.get("lag", "0")),
                                   node=int(opts.get("node", 0)), single_writer=True)
        except Exception:
            executor.close()
            raise
    parts = urlsplit(url)
    if parts.scheme not in ("clickhouse", "clickhouses"):
        raise ValueError(f"not a ClickHouse URL: {url}")
    opts = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "clickhouses" or opts.get("secure", "0") in ("1", "true")
    db = unquote(parts.path.strip("/")) or opts.get("db", "glasslog")
    executor = HttpExecutor(
        host=parts.hostname or "localhost", port=parts.port or (8443 if secure else 8123),
        username=unquote(parts.username or "default"), password=unquote(parts.password or ""), secure=secure)
    node = int(opts["node"]) if "node" in opts else random.SystemRandom().randrange(_MAX_NODE + 1)
    try:
        return ClickHouseStore(executor, db, cluster=opts.get("cluster") or None,
                               lag=_seconds(opts.get("lag", str(DEFAULT_LAG.total_seconds()))), node=node,
                               single_writer=False, create=opts.get("create", "1") not in ("0", "false"))
    except Exception:
        executor.close()
        raise
