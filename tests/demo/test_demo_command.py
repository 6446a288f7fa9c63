"""`glasslog demo` as a newcomer runs it: a real process, a real port, the demo token, the Okta API.

One demo run (the default 500 users × 30 days) serves every check here, since building it is the slow part."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
import orjson
import pytest

import glasslog
from glasslog.simulate import SCENARIOS
from glasslog.simulate.stats import distribution_stats, out_of_range


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo") / "data"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "glasslog", "demo", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    token_file = data / "demo-token"
    try:
        while time.monotonic() - started < 300:
            if proc.poll() is not None:
                pytest.fail(f"demo exited early:\n{proc.stdout.read()}")
            if token_file.exists():
                try:
                    httpx.get(f"{url}/openapi.json", timeout=2)
                    break
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        else:
            pytest.fail("demo did not come up within 300 s")
        yield {"url": url, "data": data, "token": token_file.read_text().strip(), "proc": proc}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_demo_serves_the_okta_api_with_its_token(demo):
    mode = stat.S_IMODE(os.stat(demo["data"] / "demo-token").st_mode)
    assert mode == 0o600
    r = httpx.get(f"{demo['url']}/api/v1/logs", params={"limit": 50},
                  headers={"Authorization": f"SSWS {demo['token']}"}, timeout=30)
    assert r.status_code == 200
    assert len(r.json()) == 50
    assert r.headers.get_list("link")[-1].endswith('rel="next"')
    bad = httpx.get(f"{demo['url']}/api/v1/logs", headers={"Authorization": "SSWS nope"}, timeout=30)
    assert bad.status_code == 401 and bad.json()["errorCode"] == "E0000011"


def test_live_traffic_arrives_through_ingest(demo):
    """Live events (published now) appear within a few seconds of each other in the polling API."""
    headers = {"Authorization": f"SSWS {demo['token']}"}
    since = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 5))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = httpx.get(f"{demo['url']}/api/v1/logs", params={"since": since, "limit": 1000}, headers=headers,
                        timeout=30).json()
        live = [e for e in got if e["eventType"] != "system.api_token.create"]
        if live:
            return
        time.sleep(2)
    pytest.fail("no live traffic within 60 s")


@pytest.fixture(scope="module")
def stored(demo):
    """The demo's events read back through the Python API after the server stops."""
    demo["proc"].send_signal(signal.SIGINT)
    demo["proc"].wait(60)
    demo["stdout"] = demo["proc"].stdout.read()
    with glasslog.open(demo["data"]) as log:
        events = log.search(org="acme", since="2000-01-01T00:00:00Z", limit=None)
    labels = orjson.loads((Path(demo["data"]) / "demo-labels.json").read_bytes())
    return events, labels


def test_demo_org_is_large_and_realistic(stored):
    events, _ = stored
    assert len(events) >= 200_000
    stats = distribution_stats(events, users=500, days=30)
    assert out_of_range(stats) == {}, stats


def test_every_scenario_is_present_and_consistent(stored):
    events, labels = stored
    by_uuid = {e["uuid"]: e for e in events}
    scenarios = [label["scenario"] for label in labels]
    missing = set(SCENARIOS) - set(scenarios)
    assert not missing, missing
    assert scenarios.count("storyline") == 3  # several incidents for the alert list, not one
    for label in labels:
        mine = [by_uuid[u] for u in label["event_uuids"]]  # KeyError = a labelled event is missing
        times = [e["published"] for e in mine]
        assert times == sorted(times)
        assert label["start"] <= times[0] and times[-1] <= label["end"]
        sessions = defaultdict(set)
        for e in mine:
            sid = (e.get("authenticationContext") or {}).get("externalSessionId")
            if sid:
                sessions[sid].add(e["actor"]["alternateId"])
        for sid, actors in sessions.items():
            assert len(actors) == 1, (label["scenario"], sid, actors)  # one session, one account
        for e in mine:
            geo = (e.get("client") or {}).get("geographicalContext") or {}
            loc = geo.get("geolocation")
            if loc:
                assert -90 <= loc["lat"] <= 90 and -180 <= loc["lon"] <= 180


def test_demo_prints_the_url_and_the_token(demo, stored):
    out = demo["stdout"]
    assert f"console   {demo['url']}/" in out
    assert f"API       {demo['url']}/api/v1/logs" in out
    assert demo["token"] in out.splitlines()  # the token on a line of its own, for scripts


def test_a_second_run_reuses_the_data(demo, stored):
    """Run again on the same directory: no new history, the same token, the same events."""
    events, _ = stored
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "glasslog", "demo", "--data", str(demo["data"]),
                             "--port", str(port), "--no-live"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read()
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/logs", params={"limit": 1},
                              headers={"Authorization": f"SSWS {demo['token']}"}, timeout=2)
                assert r.status_code == 200  # the kept token still works
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the second demo run did not come up within 120 s")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    out = proc.stdout.read()
    assert "reusing the demo org" in out and "loading" not in out, out
    assert (demo["data"] / "demo-token").read_text().strip() == demo["token"]
    with glasslog.open(demo["data"]) as log:
        again = log.search(org="acme", since="2000-01-01T00:00:00Z", limit=None)
    assert len(again) == len(events)
