"""Detection quality and speed: recall per labelled attack scenario, false alerts on benign data, pack time.

    python bench/bench_detect.py [--users 500] [--days 14] [--seed 7] [--data-dir DIR] [--scale N]
        [--scale-events N [--scale-source FILE] [--scale-db DIR]] [--hot-security] [--skip-quality]

Generates (with `glasslog simulate`) one log with every scenario and one with no attacks, imports each into a
fresh DuckDB store, runs the whole pack (built-in rules) over all of it and prints:
- per scenario: whether any alert contains one of its labelled events (recall);
- benign: alerts per 100 users per day (goal <= 1), by rule;
- time for the pack over N events (and events/s); `--scale N` replicates the benign log N times (fresh uuids,
  shifted in time) to measure the pack at larger sizes.
- `--scale-events N`: the pack over about N events. A simulated log (`--scale-source`, default: generated with
  2000 users x 30 days, ~0.9M events) is ingested once through glasslog, then copied inside DuckDB (bench only:
  fresh uuids, session ids and dtHashes, shifted by the source's time span per copy) up to N rows. `--scale-db`
  keeps that store for later runs. Prints wall seconds, events/s, seconds per 1M events, and the process CPU
  time (`time.process_time()`, which on Linux includes DuckDB's worker threads: they are threads of this
  process), per stage.
- `--hot-security`: what-if for a store change outside detect/: give `securityContext.isProxy`, `.asNumber`
  and `.asOrg` their own hot columns (patched into the column table for this process only; needs a fresh store).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

import glasslog
from glasslog.detect.engine import Engine
from glasslog.detect.rules import load_pack


def simulate(out: Path, users: int, days: float, seed: int, attacks: bool) -> None:
    cmd = [sys.executable, "-m", "glasslog", "simulate", "--org", "acme", "--users", str(users), "--days",
           str(days), "--seed", str(seed), "--out", str(out), "-q"]
    cmd += ["--scenario", "all"] if attacks else ["--no-attacks"]
    subprocess.run(cmd, check=True)


def load(path: Path, data: Path, scale: int = 1) -> tuple[glasslog.Log, int]:
    log = glasslog.open(data)
    lines = path.read_bytes().splitlines()
    total = 0
    for k in range(scale):
        batch = lines if k == 0 else [_copy(line, k) for line in lines]
        total += log.ingest(batch, org="acme").accepted
    return log, total


def _copy(line: bytes, k: int) -> bytes:
    ev = orjson.loads(line)
    ev["uuid"] = f"{ev['uuid'][:-4]}{k:04x}"
    return orjson.dumps(ev)


def run_pack(log: glasslog.Log) -> tuple[list, float]:
    engine = Engine(load_pack())
    t = time.perf_counter()
    findings = engine.run(log.store, "acme")
    return findings, time.perf_counter() - t


HOT_SECURITY = (("security_is_proxy", ("securityContext", "isProxy"), "lower"),
                ("security_as_number", ("securityContext", "asNumber"), "exact"),
                ("security_as_org", ("securityContext", "asOrg"), "lower"))


def patch_hot_security() -> None:
    """Bench-only what-if: the three securityContext attributes as hot columns (see the module docstring)."""
    from glasslog.query import fields
    from glasslog.store import columns, duckdb_store

    extra = tuple(columns.HotColumn(c, p, case) for c, p, case in HOT_SECURITY)  # type: ignore[arg-type]
    columns.SCALARS = columns.SCALARS + extra
    duckdb_store.SCALARS = columns.SCALARS
    for col in extra:
        columns.BY_PATH[col.path] = col
    fields._CACHE.clear()


def staged(engine: Engine, store, org: str) -> tuple[list, dict[str, tuple[float, float]]]:
    """The whole pack (same work as Engine.run), timed per stage: (wall s, process CPU s)."""
    from glasslog.detect import behaviours as b
    from glasslog.detect.engine import EPOCH, FAR, Run, scan

    run = Run(store, org, EPOCH, FAR, engine.config)
    times: dict[str, tuple[float, float]] = {}

    def timed(name, fn):
        t, c = time.perf_counter(), time.process_time()
        run.findings += fn()
        times[name] = (time.perf_counter() - t, time.process_time() - c)

    timed("single-event scan", lambda: engine._single_findings(scan(run, engine.probes, run.query(None))))
    timed("correlations", lambda: engine.correlations(run))
    timed("impossible travel", lambda: b.impossible_travel(run))
    timed("session hijack", lambda: b.session_hijack(run, b.ESID, "external_session_id")
          + b.session_hijack(run, b.DTHASH, "dt_hash"))
    timed("distributed spray", lambda: b.distributed_spray(run))
    timed("success after attack", lambda: b.success_after_attack(run, list(run.findings)))
    return run.findings, times


def replicate(log: glasslog.Log, target: int) -> int:
    """Bench only: copy the org's events inside DuckDB until about `target` rows (fresh uuids and session ids,
    each copy shifted by the source's time span), so 10M events need one simulated month, not 30 minutes of
    ingest. Returns the row count."""
    con = log.store._cursor()
    n, lo, hi, top = con.execute("SELECT count(*), epoch_ms(min(published)), epoch_ms(max(published)), max(seq) "
                                 "FROM events WHERE org = 'acme'").fetchall()[0]
    span = hi - lo + 60_000
    rows = log.store._rows  # the table (`events` is a view over it in the per-event layout)
    cols = [r[0] for r in con.execute(f"DESCRIBE {rows}").fetchall()]
    k = 1
    total = n
    while total < target:
        exprs = []
        for c in cols:
            if c == "seq":
                exprs.append(f"seq + {k * top}")
            elif c == "published":
                exprs.append(f"published + INTERVAL {k * span} MILLISECOND")
            elif c in ("uuid", "external_session_id", "root_session_id", "dt_hash", "transaction_id", "request_id"):
                exprs.append(f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || '-{k}' END")
            else:
                exprs.append(f'"{c}"')
        take = min(n, target - total)
        con.execute(f"INSERT INTO {rows} SELECT {', '.join(exprs)} FROM {rows} WHERE org = 'acme' AND seq <= {top} "
                    f"ORDER BY seq LIMIT {take}")
        total += take
        k += 1
    con.execute("CHECKPOINT")
    log.store._seq = int(con.execute("SELECT max(seq) FROM events").fetchall()[0][0])
    return total


def scale_run(args: argparse.Namespace, work: Path) -> None:
    db = args.scale_db or work / f"scale-{args.scale_events}{'-hot' if args.hot_security else ''}"
    fresh = not (db / "glasslog.duckdb").exists()
    log = glasslog.open(db)
    try:
        if fresh:
            source = args.scale_source or work / "scale-source.ndjson"
            if not source.exists():
                simulate(source, 2000, 30, args.seed, False)
            t = time.perf_counter()
            n = 0
            with open(source, "rb") as f:
                batch: list[bytes] = []
                for line in f:
                    batch.append(line)
                    if len(batch) >= 50_000:
                        n += log.ingest(batch, org="acme").accepted
                        batch = []
                if batch:
                    n += log.ingest(batch, org="acme").accepted
            print(f"scale: ingested {n:,} events in {time.perf_counter() - t:.0f}s")
            t = time.perf_counter()
            n = replicate(log, args.scale_events)
            print(f"scale: replicated to {n:,} events in {time.perf_counter() - t:.0f}s")
        n = log.store.event_count("acme")
        engine = Engine(load_pack())
        t, c = time.perf_counter(), time.process_time()
        findings, times = staged(engine, log.store, "acme")
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    finally:
        log.close()
    hot = " (hot securityContext columns, what-if)" if args.hot_security else ""
    print(f"pack over {n:,} events{hot}: {wall:.1f}s wall = {n / wall:,.0f} events/s = {wall * 1e6 / n:.2f}s per 1M "
          f"events; process CPU {cpu:.1f}s (includes DuckDB's threads); {len(findings)} alerts")
    for name, (w, cp) in times.items():
        print(f"  {name:<22} {w:7.2f}s wall {cp:7.2f}s CPU")
    print(f"  alerts by rule: {dict(Counter(f.rule_name for f in findings).most_common())}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--days", type=float, default=14)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse attacks.ndjson / benign.ndjson here")
    ap.add_argument("--scale", type=int, default=1, help="replicate the benign log N times for the timing run")
    ap.add_argument("--scale-events", type=int, default=0, help="time the pack over about N events")
    ap.add_argument("--scale-source", type=Path, default=None, help="simulated NDJSON to grow to --scale-events")
    ap.add_argument("--scale-db", type=Path, default=None, help="store directory for the scale run (kept)")
    ap.add_argument("--hot-security", action="store_true", help="what-if: securityContext hot columns")
    ap.add_argument("--skip-quality", action="store_true", help="only the scale run")
    args = ap.parse_args()
    if args.hot_security:
        patch_hot_security()
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="glasslog-bench-"))
    if args.scale_events:
        scale_run(args, work)
        if args.skip_quality:
            return
    attacks, benign = work / "attacks.ndjson", work / "benign.ndjson"
    if not attacks.exists():
        simulate(attacks, args.users, args.days, args.seed, True)
    if not benign.exists():
        simulate(benign, args.users, args.days, args.seed, False)

    labels = orjson.loads(Path(str(attacks) + ".labels.json").read_bytes())
    scenarios = labels["attacks"] if isinstance(labels, dict) and "attacks" in labels else labels
    with tempfile.TemporaryDirectory() as tmp:
        log, n = load(attacks, Path(tmp) / "a")
        findings, secs = run_pack(log)
        log.close()
    by_uuid: dict[str, set[str]] = {}
    for f in findings:
        for u in f.uuids:
            by_uuid.setdefault(u, set()).add(f.rule_name)
    print(f"attack log: {n} events, {len(findings)} alerts, pack {secs:.2f}s")
    hit = 0
    for s in scenarios:
        rules = set().union(*(by_uuid.get(u, set()) for u in s.get("event_uuids") or s.get("uuids") or []))
        ok = bool(rules)
        hit += ok
        print(f"  {'OK  ' if ok else 'MISS'} {s['scenario']:<28} {', '.join(sorted(rules))[:110]}")
    print(f"recall: {hit}/{len(scenarios)} = {100 * hit / max(1, len(scenarios)):.0f}%")

    with tempfile.TemporaryDirectory() as tmp:
        log, n = load(benign, Path(tmp) / "b")
        findings, secs = run_pack(log)
        log.close()
    per = 100 * len(findings) / (args.users * args.days)
    print(f"benign log: {n} events, {len(findings)} alerts = {per:.2f} per 100 users per day (goal <= 1); "
          f"pack {secs:.2f}s")
    for rule, count in Counter(f.rule_name for f in findings).most_common():
        print(f"  {count:5d} {rule}")

    if args.scale > 1:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            log, n = load(benign, Path(tmp) / "s", args.scale)
            print(f"scaled log: {n} events imported in {time.perf_counter() - t:.0f}s")
            findings, secs = run_pack(log)
            log.close()
        print(f"pack over {n} events: {secs:.2f}s ({n / secs:,.0f} events/s), {len(findings)} alerts")


if __name__ == "__main__":
    main()
