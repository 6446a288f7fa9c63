"""The daily rollup of the DuckDB store: per org, UTC day and hot field, how many events hold each value.

Why: the console's unfiltered trends (top actors, targets, event types over 90 days) grouped millions of rows
per request; `target.*` unnests ~1.8 list elements per event (0.6-1.7 s at 10M events). A query with no filter
and no keywords is answered from these counts for the whole days of its range and from the events table for
the partial days at both ends, so the answer is exactly the one the events table gives (BENCHMARKS.md,
"Daily rollup").

How it stays exact:
- `rollup_daily(org, day, dim, v, n, s)`: `dim` names a hot column (`event_type`) or list member
  (`targets.alternate_id`); `v` is the value as the column holds it (lower-cased or exact); `n` counts the
  rows (for a list: the elements) holding it that day; `s` is their smallest `seq`, so a lower-cased winner's
  spelling is restored from the same event as the events-table path restores it from. The dim `*` (v = '')
  counts events per day; opening compares its sum with the events table to catch a store changed by a glasslog
  that did not keep the rollup.
- Events above `rollup_state.upto` (the tail: at most TAIL of them) are counted from the events table at
  query time, in the same statement that reads the rollup (one snapshot). The ingest that takes the tail to
  TAIL events rolls it up in its own transaction, as partial rows: a key may have several rows, summed at
  query time. A day is re-grouped into one row per key (in the same transaction) once its partial rows
  outnumber its distinct keys, so the table stays within about twice its compacted size and the work per
  ingested row stays constant. Events written by other means (a bench copying rows inside DuckDB, an older
  glasslog) are a tail too, rolled up on the next open.
- Retention deletes the days wholly before the cutoff and recomputes the cutoff's own day from the events left.
- `rollup_dims` lists the dims built; a dim added by a newer glasslog (or a store made before the rollup) is
  built on open from the events table.
Not rolled up: identifiers unique to an event, a request or a session (uuid, transaction/request ids, dtHash,
session ids) and `target.id` (3.1M day-values at 10M events against 18.6M elements: little to gain).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from glasslog.store.base import SearchQuery
from glasslog.store.columns import LISTS, SCALARS, HotColumn, HotList
from glasslog.store.duckdb_sql import sql_string, transaction

_SKIP = {"uuid", "transaction_id", "request_id", "dt_hash", "external_session_id", "root_session_id",
         "targets.id"}
COUNT_DIM = "*"
SCALAR_DIMS: dict[str, HotColumn] = {c.column: c for c in SCALARS if c.column not in _SKIP}
LIST_DIMS: dict[str, tuple[HotList, HotColumn]] = {
    f"{lst.column}.{m.column}": (lst, m) for lst in LISTS for m in lst.members
    if f"{lst.column}.{m.column}" not in _SKIP}
DIMS: tuple[str, ...] = (COUNT_DIM, *SCALAR_DIMS, *LIST_DIMS)

DDL = (
    "CREATE TABLE IF NOT EXISTS rollup_daily (org VARCHAR NOT NULL, day DATE NOT NULL, dim VARCHAR NOT NULL, "
    "v VARCHAR NOT NULL, n BIGINT NOT NULL, s BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rollup_dims (dim VARCHAR PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS rollup_state (upto BIGINT NOT NULL)",
)
# Events with a seq above `rollup_state.upto` (the tail) are counted from the events table at query time, and
# rolled up once there are this many: grouping a batch costs ~23 ms whatever its size (one statement per dim),
# which would double the cost of a 1,000-event ingest; counting a 50,000-event tail costs a query a few ms.
TAIL = 50_000
# A day is compacted once it has more partial rows than this and more than it has distinct keys.
MIN_PENDING = 20_000
UPTO = "(SELECT upto FROM rollup_state)"


def _items(lst: HotList, m: HotColumn) -> str:
    return f"list_transform({lst.column}, lambda x: x.{m.column})"


def grouped_sql(where: str, dims: tuple[str, ...] = DIMS, table: str = "events") -> str:
    """SELECT org, day, dim, v, n, s over the rows of `table` matching `where` (code, not input), one branch
    per dim.
    Each branch groups exactly as `DuckDBStore.top_values` does (NULLs dropped, list elements counted)."""
    day = "CAST(published AS DATE)"
    parts = []
    for dim in dims:
        if dim == COUNT_DIM:
            parts.append(f"SELECT org, {day} AS day, '{COUNT_DIM}' AS dim, '' AS v, count(*) AS n, min(seq) AS s "
                         f"FROM {table} WHERE {where} GROUP BY ALL")
        elif dim in SCALAR_DIMS:
            col = SCALAR_DIMS[dim].column
            parts.append(f"SELECT org, {day} AS day, {sql_string(dim)} AS dim, {col} AS v, count(*) AS n, "
                         f"min(seq) AS s FROM {table} WHERE {where} AND {col} IS NOT NULL GROUP BY ALL")
        else:
            lst, m = LIST_DIMS[dim]
            parts.append(f"SELECT org, day, {sql_string(dim)} AS dim, v, count(*) AS n, min(s) AS s FROM "
                         f"(SELECT org, {day} AS day, seq AS s, unnest({_items(lst, m)}) AS v FROM {table} "
                         f"WHERE {where}) WHERE v IS NOT NULL GROUP BY ALL")
    return "\nUNION ALL\n".join(parts)


def _start(day: date) -> datetime:
    return datetime.combine(day, time())


def _one(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    return cur.execute(sql, params or []).fetchall()[0][0]


Where = Callable[..., tuple[str, list[Any]]]


class Rollup:
    """The rollup's maintenance for one open store (the caller holds its write lock for every write)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str = "events") -> None:
        self.table = table  # the store's table of event rows (code, not input)
        self.tail, self.min_pending = TAIL, MIN_PENDING  # tests make both small
        # (org, day) -> [distinct keys, partial rows beyond them], learnt when a session first writes the day;
        # only a hint for when to compact (a rolled-back batch leaves it slightly off, which is harmless)
        self._days: dict[tuple[str, date], list[int]] = {}
        for ddl in DDL:
            con.execute(ddl).fetchall()
        self.ensure(con)

    # -- building -----------------------------------------------------------------------------------------

    def ensure(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Build what the store lacks: every dim, for a store made before the rollup (or whose counts disagree
        with its events: a glasslog without the rollup deleted some); a dim added since; a tail grown past
        TAIL (a glasslog without the rollup wrote them). Returns the dims built."""
        last = int(_one(con, f"SELECT coalesce(max(seq), 0) FROM {self.table}"))
        upto = con.execute("SELECT upto FROM rollup_state").fetchall()
        built = {r[0] for r in con.execute("SELECT dim FROM rollup_dims").fetchall()}
        if not upto or len(upto) > 1 or COUNT_DIM not in built or int(_one(
                con, f"SELECT coalesce(sum(n), 0) FROM rollup_daily WHERE dim = '{COUNT_DIM}'")) != int(_one(
                con, f"SELECT count(*) FROM {self.table} WHERE seq <= ?", [int(upto[0][0])])):
            built, mark = set(), last
        else:
            mark = int(upto[0][0])
        missing = tuple(d for d in DIMS if d not in built)
        stale = (built - set(DIMS)) | set(missing)
        if missing or stale:
            with transaction(con):
                if not built:
                    con.execute("DELETE FROM rollup_daily").fetchall()
                    con.execute("DELETE FROM rollup_dims").fetchall()
                    con.execute("DELETE FROM rollup_state").fetchall()
                    con.execute("INSERT INTO rollup_state VALUES (?)", [mark]).fetchall()
                for dim in sorted(stale):
                    con.execute("DELETE FROM rollup_daily WHERE dim = ?", [dim]).fetchall()
                    con.execute("DELETE FROM rollup_dims WHERE dim = ?", [dim]).fetchall()
                for dim in missing:  # one statement per dim: each reads one or two columns of the events table
                    con.execute(f"INSERT INTO rollup_daily {grouped_sql(f'seq <= {mark}', (dim,), self.table)} "
                                "ORDER BY org, day, v").fetchall()
                    con.execute("INSERT INTO rollup_dims VALUES (?)", [dim]).fetchall()
        if last - mark >= self.tail:  # any size: straight into the table (its days are compacted when next written)
            with transaction(con):
                sql = grouped_sql(f"seq > {mark} AND seq <= {last}", table=self.table)
                con.execute(f"INSERT INTO rollup_daily {sql}").fetchall()
                con.execute("UPDATE rollup_state SET upto = ?", [last]).fetchall()
        self._days.clear()
        return list(missing)

    # -- writing ------------------------------------------------------------------------------------------

    def add(self, cur: duckdb.DuckDBPyConnection, last_seq: int) -> None:
        """After inserting a batch whose last seq is `last_seq`, inside its transaction: roll up the tail
        (every org's events above `upto`) once it holds TAIL events."""
        upto = int(_one(cur, "SELECT upto FROM rollup_state"))
        if last_seq - upto >= self.tail:
            self._roll(cur, upto, last_seq)

    def _roll(self, cur: duckdb.DuckDBPyConnection, upto: int, last: int) -> None:
        batch = cur.sql(grouped_sql(f"seq > {int(upto)} AND seq <= {int(last)}", table=self.table)).to_arrow_table()
        cur.register("rollup_batch", batch)
        try:
            cur.execute("INSERT INTO rollup_daily SELECT * FROM rollup_batch").fetchall()
        finally:
            cur.unregister("rollup_batch")
        cur.execute("UPDATE rollup_state SET upto = ?", [int(last)]).fetchall()
        keys = pa.Table.from_arrays([batch.column("org"), batch.column("day")], names=["org", "day"])
        for item in keys.group_by(["org", "day"]).aggregate([([], "count_all")]).to_pylist():
            org, day, rows = item["org"], item["day"], int(item["count_all"])
            state = self._days.get((org, day))
            if state is None:  # first write to the day in this session: learn its keys (the batch included)
                total, distinct = cur.execute(
                    "SELECT count(*), count(DISTINCT (dim, v)) FROM rollup_daily WHERE org = ? AND day = ?",
                    [org, day]).fetchall()[0]
                state = self._days[(org, day)] = [int(distinct), int(total) - int(distinct)]
            else:
                state[1] += rows
            if state[1] > max(self.min_pending, state[0]):
                state[:] = [self._compact(cur, org, day), 0]

    def _compact(self, cur: duckdb.DuckDBPyConnection, org: str, day: date) -> int:
        """Re-group one day into one row per key; returns the rows left."""
        rows = cur.sql(
            "SELECT org, day, dim, v, sum(n)::BIGINT AS n, min(s) AS s FROM rollup_daily "
            "WHERE org = $org AND day = $day GROUP BY ALL ORDER BY dim, v",
            params={"org": org, "day": day}).to_arrow_table()
        cur.execute("DELETE FROM rollup_daily WHERE org = ? AND day = ?", [org, day]).fetchall()
        cur.register("rollup_day", rows)
        try:
            cur.execute("INSERT INTO rollup_daily SELECT * FROM rollup_day").fetchall()
        finally:
            cur.unregister("rollup_day")
        return rows.num_rows

    def deleted_before(self, cur: duckdb.DuckDBPyConnection, org: str, cutoff: datetime) -> None:
        """After `DELETE FROM events WHERE org = ? AND published < cutoff` (naive UTC), in its transaction:
        drop the days wholly before the cutoff and recompute the cutoff's own day from the events left (those
        already rolled up: the tail stays the tail)."""
        day = cutoff.date()
        cur.execute("DELETE FROM rollup_daily WHERE org = ? AND day <= ?", [org, day]).fetchall()
        where = (f"org = {sql_string(org)} AND published >= TIMESTAMP '{_start(day).isoformat()}' "
                 f"AND published < TIMESTAMP '{_start(day + timedelta(days=1)).isoformat()}' AND seq <= {UPTO}")
        cur.execute(f"INSERT INTO rollup_daily {grouped_sql(where, table=self.table)}").fetchall()
        for key in [k for k in self._days if k[0] == org and k[1] <= day]:
            del self._days[key]

    # -- reading ------------------------------------------------------------------------------------------

    def top_rows(self, cur: duckdb.DuckDBPyConnection, where: Where, naive: Callable[[datetime], datetime],
                 org: str, query: SearchQuery, field: Any, limit: int) -> list[tuple[Any, int, int]] | None:
        """(v, n, s) of the `limit` most frequent values, ordered `n DESC, v`, from the rollup's whole days, the
        tail and the events table's partial days, in one statement (one snapshot); None when the rollup cannot
        answer (the caller groups the events). `where(org, query, lo=, hi=)` is the store's condition builder
        (org guard first)."""
        dim = dim_of(field)
        if dim is None or not unfiltered(query):
            return None
        since = naive(query.since) if query.since is not None else None
        until = naive(query.until) if query.until is not None else None
        days = whole_days(since, until)
        if days is None:
            return None
        first, end = days
        lo = _start(first) if first is not None else None  # the whole days' bounds as instants
        hi = _start(end) if end is not None else None
        parts = ["SELECT v, n, s FROM rollup_daily WHERE org = ? AND dim = ?"]
        params: list[Any] = [org, dim]
        if first is not None:
            parts[0] += " AND day >= ?"
            params.append(first)
        if end is not None:
            parts[0] += " AND day < ?"
            params.append(end)
        # From the events table: the whole days' events not rolled up yet (the tail), and the partial days at
        # both ends. None for a bound means the query's own (itself None exactly when the bound is).
        pieces = [(lo, hi, f" AND seq > {UPTO}")]
        if lo is not None and since is not None and since < lo:
            pieces.append((None, lo, ""))
        if hi is not None and until is not None and until > hi:
            pieces.append((hi, None, ""))
        for p_lo, p_hi, tail in pieces:
            cond, cparams = where(org, query, lo=p_lo, hi=p_hi)
            cond += tail
            params += cparams
            if field.hot is not None:
                col = field.hot.column
                parts.append(f"SELECT {col} AS v, count(*) AS n, min(seq) AS s FROM {self.table} WHERE {cond} "
                             f"AND {col} IS NOT NULL GROUP BY v")
            else:
                items = _items(field.hot_list, field.hot_member)
                parts.append(f"SELECT v, count(*) AS n, min(s) AS s FROM (SELECT unnest({items}) AS v, seq AS s "
                             f"FROM {self.table} WHERE {cond}) WHERE v IS NOT NULL GROUP BY v")
        union = "\nUNION ALL\n".join(parts)
        sql = (f"SELECT v, sum(n)::BIGINT AS n, min(s) AS s FROM ({union}) GROUP BY v "
               f"ORDER BY n DESC, v LIMIT {int(limit)}")
        return [(v, int(n), int(s)) for v, n, s in cur.execute(sql, params).fetchall()]


# -- what the reading side asks ------------------------------------------------------------------------------

def dim_of(field: Any) -> str | None:
    """The rollup dim holding a resolved field's values, if it is rolled up."""
    if field.hot is not None:
        return field.hot.column if field.hot.column in SCALAR_DIMS else None
    if field.hot_list is not None and field.hot_member is not None:
        dim = f"{field.hot_list.column}.{field.hot_member.column}"
        return dim if dim in LIST_DIMS else None
    return None


def unfiltered(query: SearchQuery) -> bool:
    """Only the org and a time range: what the rollup can answer."""
    return query.filter is None and not query.keywords and query.after is None and query.after_seq is None


def whole_days(since: datetime | None, until: datetime | None) -> tuple[date | None, date | None] | None:
    """The whole UTC days [first, end) inside [since, until) (naive UTC; None = unbounded), or None when
    the range holds no whole day."""
    first = end = None
    if since is not None:
        if since.date() == date.max:
            return None
        first = since.date() if since == _start(since.date()) else since.date() + timedelta(days=1)
    if until is not None:
        end = until.date()
    if first is not None and end is not None and first >= end:
        return None
    return first, end


