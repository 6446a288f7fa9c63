"""A server killed with SIGKILL during sustained ingest from several posters, then restarted: every event it
acknowledged is there, and none twice. Three rounds on the same data directory (recovery after recovery)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.conftest import make_event
from tests.e2e.conftest import Running, ndjson, setup_server

POSTERS = 3
BATCH = 200


def read_all(running: Running) -> list[str]:
    """Every uuid in the org, by a bounded query followed to the end."""
    uuids: list[str] = []
    url = (f"{running.server.url}/api/v1/logs?since=2000-01-01T00:00:00Z"
           f"&until={(datetime.now(UTC) + timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%SZ')}&limit=1000"
           "&filter=eventType%20eq%20%22crash.test%22")
    with httpx.Client(timeout=60) as c:
        while url:
            r = c.get(url, headers=running.h())
            assert r.status_code == 200, r.text
            uuids += [e["uuid"] for e in r.json()]
            url = r.links.get("next", {}).get("url")
    return uuids


def poster(running: Running, acked: list[str], stop: threading.Event) -> None:
    with httpx.Client(timeout=30) as c:
        while not stop.is_set():
            batch = [make_event("crash.test") for _ in range(BATCH)]
            try:
                r = c.post(running.server.url + "/api/v1/logs", content=ndjson(batch),
                           headers=running.h("INGEST", **{"Content-Type": "application/x-ndjson"}))
            except httpx.TransportError:
                return  # the server died mid-request: this batch was never acknowledged
            if r.status_code == 200 and r.json()["accepted"] == BATCH:
                acked.extend(e["uuid"] for e in batch)


@pytest.mark.timeout(300)
def test_sigkill_during_ingest_loses_no_acknowledged_event(tmp_path_factory: pytest.TempPathFactory) -> None:
    running = setup_server(tmp_path_factory.mktemp("crash"))
    acked: list[str] = []
    try:
        for _round in range(3):
            stop = threading.Event()
            threads = [threading.Thread(target=poster, args=(running, acked, stop)) for _ in range(POSTERS)]
            before = len(acked)
            for t in threads:
                t.start()
            deadline = time.monotonic() + 20
            while len(acked) < before + 5 * BATCH and time.monotonic() < deadline:
                time.sleep(0.05)
            running.server.kill()  # SIGKILL while the posters are still sending
            stop.set()
            for t in threads:
                t.join(timeout=30)
            assert len(acked) > before, "no batch was acknowledged before the kill"
            running.server.start()
            present = read_all(running)
            assert len(present) == len(set(present)), "an event is stored twice"
            missing = set(acked) - set(present)
            assert not missing, f"{len(missing)} acknowledged events lost"
    finally:
        running.server.stop()
