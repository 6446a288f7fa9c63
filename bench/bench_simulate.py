"""Simulator benchmark (issue 3): events/s for a 2,000-user, 30-day org (or a slice of it).

    python bench/bench_simulate.py                      # 2,000 users x 30 days
    python bench/bench_simulate.py --users 500 --days 7 # quick look

Measures, after the org is built (setup is printed apart): generation alone (`Simulation.events()`, the dicts the
demo ingests), and generation + serialization to NDJSON lines through `Simulation.lines()`, the code path
`glasslog simulate --out` writes with (everything but the disk write). Goal: >= 50,000 events/s.
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import UTC, datetime

from glasslog.simulate import Simulation


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-events", type=int, default=0, help="stop after this many events (a slice)")
    a = ap.parse_args()
    end = datetime(2026, 3, 1, tzinfo=UTC)
    results = {}
    for mode in ("generate", "generate+serialize"):
        t0 = time.perf_counter()
        sim = Simulation("acme", a.users, a.days, a.seed, ["all"], end)
        setup = time.perf_counter() - t0
        gc.collect()
        gc.freeze()
        n = size = 0
        t1 = time.perf_counter()
        c1 = time.process_time()
        if mode == "generate":
            for _ in sim.events():
                n += 1
                if n == a.max_events:
                    break
        else:
            for line in sim.lines():
                size += len(line) + 1
                n += 1
                if n == a.max_events:
                    break
        dt = time.perf_counter() - t1
        cpu = time.process_time() - c1
        gc.unfreeze()
        results[mode] = n / cpu
        extra = f", {size / n:,.0f} bytes/event" if size else ""
        print(f"{mode:>20}: {n:,} events in {dt:.1f}s wall = {n / dt:,.0f} events/s; {cpu:.1f}s CPU = "
              f"{n / cpu:,.0f} events/CPU-s (org setup {setup:.1f}s{extra})")
    ok = results["generate+serialize"] >= 50_000
    print(f"goal >= 50,000 events/s (generate+serialize, per CPU second; wall time suffers on a shared machine): "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
