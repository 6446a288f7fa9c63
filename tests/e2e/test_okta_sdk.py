"""Okta's official Python SDK against a real glasslog server: bounded and polling reads through 2,500 events
with limit=1000, following `next` the way the SDK does, every event exactly once and JSON-equal to what was
posted; a polling client sees later (and late) events on its next poll, exactly once."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from okta.client import Client as OktaClient
from okta.pagination import PaginationHelper
from tests.conftest import make_event
from tests.e2e.conftest import Running, ndjson

os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"


def run_in_own_loop(coro) -> None:  # noqa: ANN001 - a coroutine
    """Run the SDK's coroutine on a private thread and event loop: another test in this process (the browser
    tests' Playwright) may have left an event loop running on the main thread, where asyncio.run() refuses."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test's thread
            failure.append(exc)

    worker = threading.Thread(target=target, name="okta-sdk-test")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def events_between(n: int, start: datetime, end: datetime) -> list[dict]:
    step = (end - start) / n
    return [make_event(when=start + i * step, eventType="e2e.sdk.event", target=[{"id": str(i), "type": "User"}],
                       debugContext={"debugData": {"n": str(i), "odd": None}}) for i in range(n)]


def post(running: Running, events: list[dict]) -> dict:
    r = httpx.post(running.server.url + "/api/v1/logs", content=ndjson(events), timeout=60,
                   headers=running.h("INGEST", **{"Content-Type": "application/x-ndjson"}))
    assert r.status_code == 200, r.text
    return r.json()


def client(running: Running) -> OktaClient:
    return OktaClient({"orgUrl": running.server.url, "token": running.tokens["READ_ONLY_ADMIN"]})


async def pages(okta: OktaClient, **params: object) -> list[list[dict]]:
    """Follow `next` as the SDK's pagination helpers do: take `after` from the Link header, repeat the params.
    Returns the raw JSON of each page (the SDK's models keep only the fields they know)."""
    out: list[list[dict]] = []
    after = None
    while True:
        data, resp, err = await okta.list_log_events(**params, after=after)
        assert err is None, err
        page = orjson.loads(resp.raw_data)
        assert len(page) == len(data)
        out.append(page)
        after = PaginationHelper.extract_next_cursor(resp.headers)
        if after is None or not page:
            return out


def test_sdk_bounded_and_polling(running: Running) -> None:
    now = datetime.now(UTC)
    posted = events_between(2500, now - timedelta(hours=2), now - timedelta(minutes=1))
    for i in range(0, 2500, 700):
        assert post(running, posted[i:i + 700])["accepted"] == len(posted[i:i + 700])
    by_uuid = {e["uuid"]: e for e in posted}

    async def scenario() -> None:
        okta = client(running)
        # bounded
        got = await pages(okta, since=iso(now - timedelta(hours=3)), until=iso(now), limit=1000,
                          filter='eventType eq "e2e.sdk.event"')
        assert [len(p) for p in got] == [1000, 1000, 500]
        flat = [e for p in got for e in p]
        assert len({e["uuid"] for e in flat}) == 2500 and all(by_uuid[e["uuid"]] == e for e in flat)
        assert [e["published"] for e in flat] == sorted(e["published"] for e in flat)
        # bounded, descending
        got = await pages(okta, since=iso(now - timedelta(hours=3)), until=iso(now), limit=1000,
                          sort_order="DESCENDING", filter='eventType eq "e2e.sdk.event"')
        flat = [e for p in got for e in p]
        assert len(flat) == 2500 and {e["uuid"] for e in flat} == set(by_uuid)
        # polling: follow next until an empty page (next is still there)
        since = iso(now - timedelta(days=1))
        data, resp, err = await okta.list_log_events(since=since, limit=1000,
                                                     filter='eventType eq "e2e.sdk.event"')
        seen: list[str] = []
        while True:
            assert err is None
            page = orjson.loads(resp.raw_data)
            seen += [e["uuid"] for e in page]
            after = PaginationHelper.extract_next_cursor(resp.headers)
            assert after, "polling responses always carry next"
            if not page:
                break
            data, resp, err = await okta.list_log_events(since=since, limit=1000, after=after,
                                                         filter='eventType eq "e2e.sdk.event"')
        assert sorted(seen) == sorted(by_uuid)
        # later events, including ones published long ago, appear on the next poll exactly once
        late = events_between(30, now - timedelta(days=20), now - timedelta(days=19))
        fresh = events_between(20, now, now + timedelta(seconds=1))
        assert post(running, late + fresh)["accepted"] == 50
        post(running, late[:5])  # a producer retry
        polled: list[dict] = []
        for _ in range(3):
            data, resp, err = await okta.list_log_events(since=since, limit=1000, after=after,
                                                         filter='eventType eq "e2e.sdk.event"')
            assert err is None
            polled += orjson.loads(resp.raw_data)
            after = PaginationHelper.extract_next_cursor(resp.headers)
        assert sorted(e["uuid"] for e in polled) == sorted(e["uuid"] for e in late + fresh)
        assert all(e in late + fresh for e in polled)

    run_in_own_loop(scenario())


def test_sdk_sees_only_its_org_and_gets_okta_errors(running: Running) -> None:
    marker = str(uuid.uuid4())
    r = httpx.post(running.server.url + "/api/v1/logs", content=ndjson([make_event(displayMessage=marker)]),
                   headers=running.h("OTHER", **{"Content-Type": "application/x-ndjson"}))
    assert r.json()["accepted"] == 1

    async def scenario() -> None:
        okta = client(running)
        data, resp, err = await okta.list_log_events(q=marker, limit=10)
        assert err is None and orjson.loads(resp.raw_data) == []
        data, resp, err = await okta.list_log_events(filter="nonsense ==", limit=10)
        assert err is not None and "E0000053" in str(err), err

    run_in_own_loop(scenario())
