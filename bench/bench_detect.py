"""Detection quality and speed: recall per labelled attack scenario, false alerts on benign data, pack time.

    python bench/bench_detect.py [--users 500] [--days 14] [--seed 7] [--data-dir DIR] [--scale N]

Generates (with `glasslog simulate`) one log with every scenario and one with no attacks, imports each into a
fresh DuckDB store, runs the whole pack (built-in rules) over all of it and prints:
- per scenario: whether any alert contains one of its labelled events (recall);
- benign: alerts per 100 users per day (goal <= 1), by rule;
- time for the pack over N events (and events/s); `--scale N` replicates the benign log N times (fresh uuids,
  shifted in time) to measure the pack at larger sizes.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--days", type=float, default=14)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse attacks.ndjson / benign.ndjson here")
    ap.add_argument("--scale", type=int, default=1, help="replicate the benign log N times for the timing run")
    args = ap.parse_args()
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="glasslog-bench-"))
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
