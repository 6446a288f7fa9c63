"""Demo start-up benchmark (issue 3): from an empty data directory to a server answering `GET /api/v1/logs` with
the demo token, as `glasslog demo` runs it (a real process on a real port), then the same on the second run,
which reuses the data.

    python bench/bench_demo.py                 # the default demo: 500 users x 30 days
    python bench/bench_demo.py --users 100     # quick look

Goal: <= 60 s from nothing to serving, >= 200,000 events held.
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data: Path, users: int, days: float) -> tuple[float, str]:
    """Seconds until the API answers with the demo token, and the demo's output."""
    port = _free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "glasslog", "demo", "--data", str(data), "--port", str(port),
                             "--users", str(users), "--days", str(days), "--no-live"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    token_file = data / "demo-token"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the demo exited:\n{proc.stdout.read()}")
            if token_file.exists():
                try:
                    r = httpx.get(f"http://127.0.0.1:{port}/api/v1/logs", params={"limit": 1}, timeout=5,
                                  headers={"Authorization": f"SSWS {token_file.read_text().strip()}"})
                    if r.status_code == 200:
                        return time.perf_counter() - t0, _stop(proc)
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
    except BaseException:
        _stop(proc)
        raise


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    return proc.stdout.read()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--days", type=float, default=30)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="glasslog-bench-demo-") as tmp:
        data = Path(tmp) / "demo"
        first, out = start(data, a.users, a.days)
        held = re.search(r"org acme, ([\d,]+) events", out)
        events = int(held.group(1).replace(",", "")) if held else 0
        second, _ = start(data, a.users, a.days)
    ok = first <= 60 and events >= 200_000
    print(f"first run (empty directory -> serving): {first:.1f} s, {events:,} events")
    print(f"second run (reusing the data):          {second:.1f} s")
    print(f"goal <= 60 s and >= 200,000 events: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
