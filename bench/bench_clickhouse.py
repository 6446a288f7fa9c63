"""ClickHouse (chdb, 2 threads) beside DuckDB (2 threads) on the same events (issue 7):

- import: the stores' `ingest` of the same validated batches (validation, common to both, timed apart);
- the seed guide's queries, "newest 100" over the whole range (bounded, DESCENDING, limit 100);
- the console's aggregates: hourly histogram, top actors / targets / event types (whole range and last 7 days);
- disk: bytes per event (DuckDB file after CHECKPOINT; ClickHouse active parts, before and after OPTIMIZE).

    python bench/bench_clickhouse.py --events 10000000            # the issue's 10M run
    python bench/bench_clickhouse.py --events 200000 --json out.json

Events: a pool from `glasslog simulate` (cached under bench/data/, or `--source FILE.ndjson`), repeated
back in time to reach N: copy k of the pool is shifted k pool-spans earlier and gets fresh uuids and fresh
session / request / transaction ids, so every event is distinct and the history simply grows longer (the
same people over more weeks), which keeps the compression honest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from glasslog.events.validate import validate_event
from glasslog.query import parse_filter
from glasslog.store.base import SearchQuery, ValidEvent
from glasslog.store.clickhouse import ClickHouseStore
from glasslog.store.clickhouse_exec import ChdbExecutor
from glasslog.store.duckdb_store import DuckDBStore

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ORG = "acme"
BATCH = 50_000
END = datetime(2026, 11, 1, tzinfo=UTC)
NS = uuid.UUID("6f1c1a52-6d1b-4c57-9d8e-8b3a3c0e7a11")


def pool_file(users: int, days: int, seed: int) -> Path:
    DATA.mkdir(exist_ok=True)
    out = DATA / f"sim-{users}u-{days}d-{seed}.ndjson"
    if not out.exists():
        subprocess.run([sys.executable, "-m", "glasslog.cli", "simulate", "--org", ORG, "--users", str(users),
                        "--days", str(days), "--seed", str(seed), "--scenario", "all",
                        "--end", END.strftime("%Y-%m-%dT%H:%M:%SZ"), "--out", str(out), "-q"], check=True)
    return out


def _published(ev: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(ev["published"].replace("Z", "+00:00"))


def _fmt(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _suffix(obj: dict[str, Any], path: tuple[str, ...], tag: str) -> None:
    for key in path[:-1]:
        obj = obj.get(key) if isinstance(obj, dict) else None  # type: ignore[assignment]
        if not isinstance(obj, dict):
            return
    if isinstance(obj.get(path[-1]), str):
        obj[path[-1]] = obj[path[-1]] + tag


VARIED = (("authenticationContext", "externalSessionId"), ("authenticationContext", "rootSessionId"),
          ("transaction", "id"), ("debugContext", "debugData", "requestId"), ("debugContext", "debugData", "dtHash"))


def event_stream(pool: list[bytes], n: int) -> Iterator[list[ValidEvent]]:
    """N distinct events in batches, oldest copy first (imports usually arrive in time order)."""
    parsed = [orjson.loads(line) for line in pool]
    times = [_published(e) for e in parsed]
    span = max(times) - min(times) + timedelta(minutes=1)
    copies = -(-n // len(parsed))
    batch: list[ValidEvent] = []
    made = 0
    for k in range(copies - 1, -1, -1):
        shift = span * k
        for ev, when in zip(parsed, times, strict=True):
            if made >= n:
                break
            if k:
                ev = orjson.loads(orjson.dumps(ev))
                ev["uuid"] = str(uuid.uuid5(NS, f"{k}:{ev['uuid']}"))
                ev["published"] = _fmt(when - shift)
                for path in VARIED:
                    _suffix(ev, path, f"-{k}")
            raw = orjson.dumps(ev)
            checked = validate_event(orjson.loads(raw), made, raw=raw, keep=False)  # as `glasslog import` does
            assert isinstance(checked, ValidEvent), checked
            batch.append(checked)
            made += 1
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def timed(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    """Median wall time (ms) of `runs` runs after one warm-up, and the last result."""
    out = fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), out


def seed_queries(pool: list[bytes]) -> list[tuple[str, str]]:
    """The incident-response guide's queries, with identifiers that exist in the data."""
    events = [orjson.loads(line) for line in pool[:50_000]]
    session = next((e["authenticationContext"]["externalSessionId"] for e in reversed(events)
                    if (e.get("authenticationContext") or {}).get("externalSessionId")), "none")
    agent = next((e["client"]["userAgent"]["rawUserAgent"] for e in events
                  if "python" in str(((e.get("client") or {}).get("userAgent") or {}).get("rawUserAgent")).lower()),
                 "Python-urllib/2.7")
    return [
        ("unknown-user sign-ins", 'eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"'),
        ("auth events (sw)", 'eventType sw "user.authentication.auth"'),
        ("one session", f'authenticationContext.externalSessionId eq "{session}"'),
        ("user agent", f'client.userAgent.rawUserAgent eq "{agent}"'),
        ("ipChain country", 'request.ipChain.geographicalContext.country eq "United States"'),
        ("super admin grants", 'eventType eq "user.account.privilege.grant" and '
                               'debugContext.debugData.privilegeGranted eq "Super administrator"'),
        ("no filter", ""),
    ]


def settle(ch: ClickHouseStore, limit_s: float = 1800.0) -> float:
    """Seconds until the last background merge of the events table ended (checked every 0.2 s; done after
    2 s without one; bounded by `limit_s`)."""
    t = time.perf_counter()
    last = 0.0
    while time.perf_counter() - t < limit_s and time.perf_counter() - t - last < 2.0:
        running = int(ch._scalar("SELECT count() FROM system.merges WHERE database = 'glasslog' "  # noqa: SLF001
                                 "AND table = 'events'") or 0)
        if running:
            last = time.perf_counter() - t
        time.sleep(0.2)
    return last


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--source", type=Path, help="NDJSON pool (default: glasslog simulate, cached)")
    ap.add_argument("--pool-users", type=int, default=2000)
    ap.add_argument("--pool-days", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", type=Path, help="where the two stores go (default: a temp dir, removed)")
    ap.add_argument("--skip-optimize", action="store_true", help="do not OPTIMIZE the ClickHouse table")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args()

    source = args.source or pool_file(args.pool_users, args.pool_days, 1)
    pool = [line for line in source.read_bytes().splitlines() if line.strip()]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="glasslog-bench-ch-"))
    for sub in ("duck", "ch"):
        shutil.rmtree(work / sub, ignore_errors=True)
    duck = DuckDBStore(work / "duck")
    duck._con.execute(f"SET threads = {int(args.threads)}")  # noqa: SLF001 - bench setup
    ch = ClickHouseStore(ChdbExecutor(str(work / "ch"), {"max_threads": int(args.threads)}), single_writer=True)
    figures: dict[str, Any] = {"events": args.events, "pool": str(source), "threads": args.threads}
    print(f"# glasslog ClickHouse bench: {args.events:,} events, {args.threads} threads, pool {source.name} "
          f"({len(pool):,} events)\n", flush=True)
    try:
        t_duck = t_ch = t_gen = 0.0
        n = 0
        lo = hi = None
        t = time.perf_counter()
        for batch in event_stream(pool, args.events):
            t_gen += time.perf_counter() - t
            t = time.perf_counter()
            duck.ingest(ORG, batch)
            t_duck += time.perf_counter() - t
            t = time.perf_counter()
            ch.ingest(ORG, batch)
            t_ch += time.perf_counter() - t
            n += len(batch)
            b_lo, b_hi = min(e.published for e in batch), max(e.published for e in batch)
            lo, hi = (b_lo if lo is None else min(lo, b_lo)), (b_hi if hi is None else max(hi, b_hi))
            print(f"  loaded {n:,}  duckdb {n / t_duck:,.0f}/s  clickhouse {n / t_ch:,.0f}/s", end="\r",
                  flush=True)
            t = time.perf_counter()
        print()
        assert lo is not None and hi is not None
        # ClickHouse merges parts in the background after each INSERT returns: wait for that backlog too (the
        # queries below would otherwise share the CPU with it), and report the import rate with it included
        t = time.perf_counter()
        t_checkpoint = 0.0
        duck.checkpoint()
        t_checkpoint = time.perf_counter() - t
        t_settle = settle(ch)
        parts = ch._scalar("SELECT count() FROM system.parts WHERE active AND database = 'glasslog' "  # noqa: SLF001
                           "AND table = 'events'")
        figures["import"] = {"generate_validate_per_s": n / t_gen, "duckdb_per_s": n / t_duck,
                             "clickhouse_per_s": n / t_ch, "duckdb_checkpoint_s": t_checkpoint,
                             "clickhouse_merge_backlog_s": t_settle, "clickhouse_parts_after": parts,
                             "duckdb_with_checkpoint_per_s": n / (t_duck + t_checkpoint),
                             "clickhouse_with_merges_per_s": n / (t_ch + t_settle)}
        print("\n## Import (store.ingest of validated 50k batches; generation + validation apart)\n")
        print(f"| generate + validate | duckdb | clickhouse (chdb) | ratio |\n|---|---|---|---|\n"
              f"| {n / t_gen:,.0f}/s | {n / t_duck:,.0f}/s | {n / t_ch:,.0f}/s | {t_ch / t_duck:.2f}× |")
        print(f"\nAfter the last batch: DuckDB CHECKPOINT {t_checkpoint:.1f} s; ClickHouse's background merges "
              f"went on for {t_settle:.1f} s ({parts} active parts then). Including those: duckdb "
              f"{n / (t_duck + t_checkpoint):,.0f}/s, clickhouse {n / (t_ch + t_settle):,.0f}/s "
              f"({(t_ch + t_settle) / (t_duck + t_checkpoint):.2f}×).")

        since, until = lo, hi + timedelta(seconds=1)
        rows = []
        print("\n## Seed guide queries: newest 100 over the whole range (median of 5, ms)\n")
        print("| query | duckdb | clickhouse | ratio | rows |\n|---|---|---|---|---|")
        for name, text in seed_queries(pool):
            q = SearchQuery(filter=parse_filter(text) if text else None, since=since, until=until, limit=100,
                            order="DESCENDING")
            d_ms, d_page = timed(lambda q=q: duck.search(ORG, q))
            c_ms, c_page = timed(lambda q=q: ch.search(ORG, q))
            same = [e.uuid for e in d_page.events] == [e.uuid for e in c_page.events]
            rows.append({"query": name, "filter": text, "duckdb_ms": d_ms, "clickhouse_ms": c_ms,
                         "rows": len(c_page.events), "same": same})
            print(f"| {name} | {d_ms:.1f} | {c_ms:.1f} | {c_ms / max(d_ms, 1e-6):.2f}× | {len(c_page.events)}"
                  f"{'' if same else ' (differs!)'} |", flush=True)
        figures["queries"] = rows

        aggs = []
        print("\n## Console aggregates (median of 5, ms)\n")
        print("| aggregate | range | duckdb | clickhouse | ratio |\n|---|---|---|---|---|")
        for label, a_since in (("all", since), ("7 days", until - timedelta(days=7))):
            q = SearchQuery(since=a_since, until=until, limit=None)
            cases: list[tuple[str, Callable[[Any], Any]]] = [
                ("hourly histogram", lambda s, q=q: s.histogram(ORG, q, 3600)),
                ("top actors", lambda s, q=q: s.top_values(ORG, q, "actor.alternateId", 10)),
                ("top targets", lambda s, q=q: s.top_values(ORG, q, "target.displayName", 10)),
                ("top event types", lambda s, q=q: s.top_values(ORG, q, "eventType", 10)),
                ("count", lambda s, q=q: s.count(ORG, q)),
            ]
            for name, fn in cases:
                d_ms, d_out = timed(lambda fn=fn: fn(duck), runs=3)
                c_ms, c_out = timed(lambda fn=fn: fn(ch), runs=3)
                aggs.append({"aggregate": name, "range": label, "duckdb_ms": d_ms, "clickhouse_ms": c_ms,
                             "same": d_out == c_out})
                print(f"| {name} | {label} | {d_ms:.1f} | {c_ms:.1f} | {c_ms / max(d_ms, 1e-6):.2f}×"
                      f"{'' if d_out == c_out else ' (differs!)'} |", flush=True)
        figures["aggregates"] = aggs

        duck.checkpoint()
        d_bytes = (work / "duck" / "glasslog.duckdb").stat().st_size
        parts = "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'glasslog' " \
                "AND table = 'events'"
        c_bytes = int(ch._scalar(parts) or 0)  # noqa: SLF001
        c_opt = None
        if not args.skip_optimize:
            t = time.perf_counter()
            ch.x.command(f"OPTIMIZE TABLE {ch.events} FINAL")
            figures["optimize_s"] = time.perf_counter() - t
            c_opt = int(ch._scalar(parts) or 0)  # noqa: SLF001
        columns = ch._rows("SELECT name, data_compressed_bytes FROM system.columns WHERE database = 'glasslog' "  # noqa: SLF001
                           "AND table = 'events' ORDER BY data_compressed_bytes DESC LIMIT 10")
        figures["disk"] = {"duckdb_bytes_per_event": d_bytes / n, "clickhouse_bytes_per_event": c_bytes / n,
                           "clickhouse_optimized_bytes_per_event": (c_opt / n) if c_opt else None,
                           "clickhouse_dir_bytes_per_event": dir_bytes(work / "ch") / n,
                           "clickhouse_columns": {k: v / n for k, v in columns}}
        print("\n## Disk (bytes per event)\n")
        print(f"| duckdb | clickhouse parts | clickhouse after OPTIMIZE | clickhouse dir |\n|---|---|---|---|\n"
              f"| {d_bytes / n:.1f} | {c_bytes / n:.1f} | {(c_opt / n) if c_opt else float('nan'):.1f} | "
              f"{dir_bytes(work / 'ch') / n:.1f} |")
        print("\nClickHouse's largest columns (bytes/event): "
              + ", ".join(f"{k} {v / n:.1f}" for k, v in columns))
    finally:
        duck.close()
        ch.close()
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
