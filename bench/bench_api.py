"""HTTP API benchmark (issue 2), each figure beside its reference measured in the same run:

- ingest: 4 concurrent clients POSTing 1,000-event NDJSON batches to a real `glasslog serve`, vs the bulk
  `glasslog import` of the same file (goal ≥ 40k events/s and ≥ 0.5× import);
- freshness: time from a POST's response to the event's appearance in a polling GET (goal p99 ≤ 1 s);
- read: `GET /api/v1/logs` for the seed guide's queries under 16 concurrent clients: p50 / p99 (goal p99 ≤ 250 ms
  on 10M events — that run is `--events 10000000`).

    python bench/bench_api.py --events 200000
    python bench/bench_api.py --events 10000000 --users 2000 --days 30

Events come from `glasslog simulate` (ending now, so the default 7-day window of the read queries sees them),
else from the shared Okta samples with fresh uuids and times.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

HERE = Path(__file__).resolve().parent
GLASSLOG = [sys.executable, "-m", "glasslog"]
SAMPLES = HERE.parent.parent / "shared" / "data" / "okta-samples" / "elastic-integrations-okta-system.ndjson"
SEED_QUERIES = [
    'eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"',
    'eventType sw "user.authentication.auth"',
    'authenticationContext.externalSessionId eq "102bZDNFfWaQSyEZQuDgWt-uQ"',
    'client.userAgent.rawUserAgent eq "Python-urllib/2.7"',
    'request.ipChain.geographicalContext.country eq "United States"',
    'eventType eq "user.account.privilege.grant" and debugContext.debugData.privilegeGranted eq '
    '"Super administrator"',
]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_events(n: int, users: int, days: float, work: Path) -> Path:
    out = work / "events.ndjson"
    sim = work / "sim.ndjson"
    end = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    proc = subprocess.run([*GLASSLOG, "simulate", "--org", "acme", "--users", str(users), "--days", str(days),
                           "--end", end, "--out", str(sim), "--quiet"], capture_output=True, text=True)
    written = 0
    with open(out, "wb") as fh:
        if proc.returncode == 0 and sim.exists():
            with open(sim, "rb") as src:
                for line in src:
                    if written >= n:
                        break
                    if line.strip():
                        fh.write(line)
                        written += 1
            print(f"events: {written:,} from glasslog simulate ({users} users, {days} days)")
        else:
            print(f"simulate unavailable ({proc.stderr.strip()[:120]}); varying the shared samples")
        samples = [orjson.loads(x) for x in SAMPLES.read_bytes().splitlines() if x.strip()]
        now = datetime.now(UTC)
        while written < n:  # top up (or build entirely) from the samples
            ev = dict(samples[written % len(samples)])
            ev["uuid"] = str(uuid.uuid4())
            t = now - timedelta(seconds=(written * 7) % (6 * 86400))
            ev["published"] = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
            fh.write(orjson.dumps(ev) + b"\n")
            written += 1
    return out


def cli(args: list[str], data: Path) -> str:
    return subprocess.run([*GLASSLOG, *args, "--data", str(data)], check=True, capture_output=True,
                          text=True).stdout


def start_server(data: Path, port: int, detect: bool = True) -> subprocess.Popen:
    env = {**os.environ, **{f"GLASSLOG_RATE_LIMIT_{k}_PER_MINUTE": "100000000" for k in
                            ("READ", "WRITE", "OTHER", "ANONYMOUS")}, "GLASSLOG_TOKEN_SHARE": "1",
           "GLASSLOG_DETECT": "true" if detect else "false", "GLASSLOG_READ_VISIBILITY_WAIT_SECONDS": "300"}
    proc = subprocess.Popen([*GLASSLOG, "serve", "--data", str(data), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/logs", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def bench_import(path: Path, work: Path, n: int) -> float:
    data = work / "import-data"
    t = time.perf_counter()
    subprocess.run([*GLASSLOG, "import", str(path), "--data", str(data), "--org", "acme"], check=True,
                   capture_output=True)
    rate = n / (time.perf_counter() - t)
    print(f"bulk import:        {rate:>10,.0f} events/s  ({n:,} events, includes process start)")
    return rate


def bench_http_ingest(path: Path, url: str, token: str, clients: int = 4) -> float:
    lines = [x for x in path.read_bytes().split(b"\n") if x.strip()]
    batches = [b"\n".join(lines[i:i + 1000]) + b"\n" for i in range(0, len(lines), 1000)]
    del lines
    todo = iter(batches)
    lock = threading.Lock()
    accepted = [0]

    def worker() -> None:
        with httpx.Client(timeout=120) as c:
            while True:
                with lock:
                    body = next(todo, None)
                if body is None:
                    return
                r = c.post(url + "/api/v1/logs", content=body, headers={
                    "Authorization": f"SSWS {token}", "Content-Type": "application/x-ndjson"})
                r.raise_for_status()
                with lock:
                    accepted[0] += r.json()["accepted"]

    t = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    rate = accepted[0] / (time.perf_counter() - t)
    print(f"HTTP ingest:        {rate:>10,.0f} events/s  ({accepted[0]:,} accepted, {clients} clients, "
          f"{len(batches)} batches of ≤1000; acknowledged = durable)")
    # A read waits until every acknowledged write is in the store (the journal's read-your-writes), so the
    # first read after the last acknowledgement tells when the store had taken everything in.
    httpx.get(url + "/api/v1/logs", params={"limit": "1"}, headers={"Authorization": f"SSWS {token}"},
              timeout=300).raise_for_status()
    visible = accepted[0] / (time.perf_counter() - t)
    print(f"  … all visible:    {visible:>10,.0f} events/s  (acknowledged and taken into the store)")
    return rate


def bench_freshness(url: str, token: str, rounds: int = 100) -> list[float]:
    hdr = {"Authorization": f"SSWS {token}"}
    with httpx.Client(timeout=30) as c:
        r = c.get(url + "/api/v1/logs", params={"limit": "1000", "filter": 'eventType eq "bench.fresh"'},
                  headers=hdr)
        nxt = r.links["next"]["url"]
        while r.json():
            r = c.get(nxt, headers=hdr)
            nxt = r.links["next"]["url"]
        lags = []
        for _ in range(rounds):
            now = datetime.now(UTC)
            ev = {"uuid": str(uuid.uuid4()), "eventType": "bench.fresh",
                  "published": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"}
            c.post(url + "/api/v1/logs", content=orjson.dumps(ev), headers={**hdr, "Content-Type":
                                                                            "application/x-ndjson"})
            acked = time.perf_counter()
            while True:
                r = c.get(nxt, headers=hdr)
                nxt = r.links["next"]["url"]
                if any(e["uuid"] == ev["uuid"] for e in r.json()):
                    break
            lags.append(time.perf_counter() - acked)
    print(f"freshness:          p50 {pct(lags, 50) * 1000:6.1f} ms   p99 {pct(lags, 99) * 1000:6.1f} ms  "
          f"({rounds} rounds; POST response → visible in a polling GET)")
    return lags


def bench_reads(url: str, token: str, clients: int = 16, rounds: int = 10,
                window: dict[str, str] | None = None) -> dict[str, list[float]]:
    """`window` (since/until) replaces the API's default last 7 days, for a store whose events end in the past."""
    hdr = {"Authorization": f"SSWS {token}"}
    jobs = [(q, i) for i in range(rounds) for q in SEED_QUERIES]
    per_query: dict[str, list[float]] = {q: [] for q in SEED_QUERIES}
    local = threading.local()

    def one(job: tuple[str, int]) -> None:
        c = getattr(local, "c", None) or httpx.Client(timeout=120)
        local.c = c
        t = time.perf_counter()
        r = c.get(url + "/api/v1/logs", params={"filter": job[0], "sortOrder": "DESCENDING", **(window or {})},
                  headers=hdr)
        r.raise_for_status()
        per_query[job[0]].append(time.perf_counter() - t)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, jobs))
    every = [x for v in per_query.values() for x in v]
    span = f"{window['since']} .. {window['until']}" if window else "the default 7 days"
    print(f"read ({clients} clients): p50 {pct(every, 50) * 1000:6.1f} ms   p99 {pct(every, 99) * 1000:6.1f} ms  "
          f"({len(every)} requests, newest 100 over {span})")
    for q, v in per_query.items():
        print(f"    p50 {pct(v, 50) * 1000:7.1f}  p99 {pct(v, 99) * 1000:7.1f} ms  {q[:90]}")
    return per_query


def reads_only(data: Path) -> None:
    """The read figures on a store built elsewhere (a 10M-event one takes long to make)."""
    import duckdb

    from glasslog.store import event_json

    con = duckdb.connect(str(data / "glasslog.duckdb"), read_only=True)
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'json_dicts'").fetchall()[0][0]:
        event_json.register_stored(con)  # the `events` view names the function even where `raw` is not read
    # The newest event that is not this script's own token creation (a run writes one into the org's log).
    org, n, last = con.execute("SELECT org, count(*), max(published) FILTER (WHERE event_type NOT LIKE "
                               "'system.api_token.%') FROM events GROUP BY org ORDER BY 2 DESC LIMIT 1").fetchall()[0]
    con.close()
    print(f"store: {data}, org {org}: {n:,} events, the newest at {last}")
    window = None
    if datetime.now(UTC) - last.replace(tzinfo=UTC) > timedelta(hours=1):
        # Events that end in the past (bench_core's fixed end): the same 7 days, ending at the newest event.
        until = last.replace(tzinfo=UTC) + timedelta(seconds=1)
        window = {"since": (until - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "until": until.strftime("%Y-%m-%dT%H:%M:%SZ")}
    token = cli(["token", "create", "--org", org, "--role", "READ_ONLY_ADMIN", "--name", "bench-reads"],
                data).strip().splitlines()[-1]
    port = free_port()
    proc = start_server(data, port, detect=False)  # a first detection pass over 10M events would share the CPU
    try:
        bench_reads(f"http://127.0.0.1:{port}", token, window=window)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--days", type=float, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--reads-on", type=Path, default=None,
                    help="only the read benchmark, on this existing store (its largest org), e.g. bench_console's 10M")
    args = ap.parse_args()
    if args.reads_on:
        reads_only(args.reads_on)
        return
    work = Path(tempfile.mkdtemp(prefix="glasslog-bench-api-"))
    proc = None
    try:
        path = make_events(args.events, args.users, args.days, work)
        with open(path, "rb") as fh:
            n = sum(1 for line in fh if line.strip())
        import_rate = bench_import(path, work, n)
        data = work / "server-data"
        cli(["org", "create", "acme"], data)
        token = cli(["token", "create", "--org", "acme", "--role", "SUPER_ADMIN"], data).strip().splitlines()[-1]
        port = free_port()
        proc = start_server(data, port)
        url = f"http://127.0.0.1:{port}"
        http_rate = bench_http_ingest(path, url, token)
        print(f"HTTP / import:      {http_rate / import_rate:10.2f}×  (goal ≥ 0.5×; goal ≥ 40,000 events/s)")
        bench_freshness(url, token)
        bench_reads(url, token)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")


if __name__ == "__main__":
    main()
