"""Console benchmark (issue 5): how long the default page's server calls take on a store of N events.

The default page (last 7 days, no filter) makes these requests; the issue asks for the page to be usable in
≤ 1 s on a 10M-event store, with every chart a server-side aggregate:

    histogram   GET /api/glasslog/histogram     (count over time, 1-hour bars)
    events      GET /api/v1/logs limit=50 DESCENDING   (first table page)
    trends      GET /api/glasslog/trends         (top actors / targets / event types, when opened)
    places      GET /api/glasslog/places         (the map, when opened)
    values      GET /api/glasslog/fields/values  (autocomplete of eventType values)
    filtered *  the same with a guide query (`eventType eq "user.session.start" and outcome.result eq "FAILURE"`)

    python bench/bench_console.py --events 1000000 --days 30
    python bench/bench_console.py --events 10000000 --days 90     # the issue's size (slow to build once)

The store is built once per (events, days) under bench/data/ (events from tests/console/events_gen.py spread
over `days` before now, denser towards the present) and reused. Requests go through the real app in-process
(FastAPI TestClient), so the timings are server time without network.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent / "tests" / "console"))

from events_gen import generate  # noqa: E402

import glasslog  # noqa: E402

ORG = "bench"
FILTER = 'eventType eq "user.session.start" and outcome.result eq "FAILURE"'


def build(events: int, days: int) -> Path:
    """A data directory holding `events` events over the last `days` days (built once, then reused).
    Timestamps are relative to the build time, so a store older than a day or two has aged out of 7 days."""
    path = DATA / f"console-{events}-{days}d"
    marker = path / "built"
    if marker.exists():
        return path
    from glasslog.api import orgs

    path.mkdir(parents=True, exist_ok=True)
    log = glasslog.open(path)
    try:
        if ORG not in {o["name"] for o in orgs.list_orgs(log)}:
            orgs.create_org(log, ORG)
        t = time.perf_counter()
        chunk = 200_000
        end = datetime.now(UTC) - timedelta(minutes=1)
        for start in range(0, events, chunk):
            n = min(chunk, events - start)
            log.ingest(generate(n, days=days, end=end, seed=start + 1), org=ORG)
            print(f"  ingested {start + n:,} / {events:,} ({time.perf_counter() - t:.0f}s)", flush=True)
        getattr(log.store, "checkpoint", lambda: None)()
    finally:
        log.close()
    marker.write_text(datetime.now(UTC).isoformat())
    return path


def timed(client, url: str, params: dict, headers: dict, repeat: int) -> tuple[float, float, float]:  # noqa: ANN001
    """(first call ms, median ms, max ms) over `repeat` calls."""
    samples = []
    for _ in range(repeat + 1):
        t = time.perf_counter()
        r = client.get(url, params=params, headers=headers)
        samples.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{url}: {r.status_code} {r.text[:300]}")
    first, rest = samples[0], samples[1:]
    return first, statistics.median(rest), max(rest)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000, help="events in the store (N)")
    ap.add_argument("--days", type=int, default=30, help="days the events span (ending now)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from glasslog.api import tokens
    from glasslog.api.app import create_app
    from glasslog.api.settings import Settings

    t = time.perf_counter()
    path = build(args.events, args.days)
    print(f"store: {path} ({args.events:,} events over {args.days} days; ready in {time.perf_counter() - t:.1f}s)")
    log = glasslog.open(path)
    try:
        token, _ = tokens.create_token(log, ORG, "READ_ONLY_ADMIN", "bench", "bench")
        headers = {"Authorization": f"SSWS {token}"}
        now = datetime.now(UTC)
        rng = {"since": (now - timedelta(days=7)).isoformat(), "until": now.isoformat(), "tz": "America/New_York"}
        calls = [
            ("histogram", "/api/glasslog/histogram", rng),
            ("events (first 50)", "/api/v1/logs", {**rng, "limit": 50, "sortOrder": "DESCENDING"}),
            ("trends", "/api/glasslog/trends", rng),
            ("places (map)", "/api/glasslog/places", rng),
            ("values eventType", "/api/glasslog/fields/values", {**rng, "field": "eventType", "limit": 12}),
            ("filtered histogram", "/api/glasslog/histogram", {**rng, "filter": FILTER}),
            ("filtered events", "/api/v1/logs", {**rng, "filter": FILTER, "limit": 50, "sortOrder": "DESCENDING"}),
            ("filtered trends", "/api/glasslog/trends", {**rng, "filter": FILTER}),
        ]
        settings = Settings(rate_limit_read_per_minute=100_000, rate_limit_other_per_minute=100_000, detect=False)
        with TestClient(create_app(log, settings)) as client:
            total = client.get("/api/glasslog/histogram", params=rng, headers=headers).json()["total"]
            print(f"default page: last 7 days = {total:,} events\n")
            print(f"{'call':<22}{'first ms':>10}{'median ms':>11}{'max ms':>9}")
            default_page = 0.0
            for name, url, params in calls:
                first, med, worst = timed(client, url, params, headers, args.repeat)
                if name in ("histogram", "events (first 50)"):
                    default_page = max(default_page, med)  # the browser sends them in parallel
                print(f"{name:<22}{first:>10.1f}{med:>11.1f}{worst:>9.1f}")
            print(f"\ndefault page (histogram ∥ first events page, median): {default_page:.0f} ms")
    finally:
        log.close()


if __name__ == "__main__":
    main()
