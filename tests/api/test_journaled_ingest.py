"""Journal-first ingest: exact per-request counts, replay after a crash, back-pressure, read-your-writes.

The store's own write lock is held by a test to keep the applier from taking events in: that is how events
stay *pending* (journaled, not yet in the store) for as long as a test needs, without any stand-in store.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import orjson
import pytest
from tests.api.conftest import build_api, ndjson
from tests.conftest import make_event

import glasslog
from glasslog.api import journal_file
from glasslog.api.journaled_ingest import JournaledIngest
from glasslog.events.validate import validate_event

SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def _valid(events: list[dict]) -> list:
    return [validate_event(e, i, orjson.dumps(e)) for i, e in enumerate(events)]


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_counts_see_the_group_the_pending_journal_and_the_store(tmp_path, backend: str) -> None:
    log = glasslog.open(tmp_path / "d" if backend == "duckdb" else f"chdb://{tmp_path / 'ch'}?lag=60")
    stored = [make_event() for _ in range(3)]
    log.ingest(stored, org="acme")
    fresh = [make_event() for _ in range(10)]
    journal = JournaledIngest(log, tmp_path / "journal")
    try:
        with log.store._write_lock:  # the applier cannot take anything in: a's events stay pending
            a = journal.submit("acme", _valid(fresh[:6])).result(timeout=10)
            b = journal.submit("acme", _valid(fresh[4:] + stored[:2])).result(timeout=10)
            c = journal.submit("acme", _valid(stored + fresh[:1])).result(timeout=10)
            d = journal.submit("globex", _valid(fresh[:2])).result(timeout=10)  # another org: all new
            once = make_event()
            e = journal.submit("acme", _valid([once, once, stored[0]])).result(timeout=10)  # a repeat within
            assert journal.applied == 0 and journal.acked == 6 + 4 + 2 + 1
            assert log.store.event_count("acme") == 3
        assert [(r.accepted, r.duplicates) for r in (a, b, c, d, e)] == [(6, 0), (4, 4), (0, 4), (2, 0), (1, 2)]
        assert journal.settle(timeout=30)
        assert log.store.event_count("acme") == 14 and log.store.event_count("globex") == 2
        # once applied, the same events are duplicates by the store's answer
        again = journal.submit("acme", _valid(fresh)).result(timeout=10)
        assert (again.accepted, again.duplicates) == (0, 10)
    finally:
        journal.close()
        log.close()


def test_replay_takes_whole_frames_once_and_stops_at_a_torn_one(tmp_path) -> None:
    log = glasslog.open(tmp_path / "d")
    try:
        already = [make_event() for _ in range(2)]
        log.ingest(already, org="acme")
        first, second, torn = ([make_event() for _ in range(n)] for n in (5, 3, 4))
        directory = tmp_path / "journal"
        writer = journal_file.SegmentWriter(directory)
        writer.write([journal_file.encode_frame("acme", _valid(first + already))])
        writer.write([journal_file.encode_frame("globex", _valid(second))])
        frame = journal_file.encode_frame("acme", _valid(torn))
        writer.write([frame[: len(frame) // 2]])  # the process died while writing this one: never acknowledged
        writer.close()
        journal = JournaledIngest(log, directory)
        try:
            assert journal.replayed == 5 + 3
            assert journal_file.segments(directory) == [journal._segments.path]  # replayed ones are gone
            got = {e["uuid"]: e for e in log.search(org="acme", since=SINCE, limit=None)}
            assert set(got) == {e["uuid"] for e in first + already}
            assert got[first[0]["uuid"]] == first[0]  # the text comes back as it was written
            assert {e["uuid"] for e in log.search(org="globex", since=SINCE, limit=None)} == {
                e["uuid"] for e in second}
        finally:
            journal.close()
        assert journal_file.segments(directory) == []  # a clean close leaves no journal behind
    finally:
        log.close()


def test_a_store_far_behind_holds_writers_back(tmp_path) -> None:
    log = glasslog.open(tmp_path / "d")
    journal = JournaledIngest(log, tmp_path / "journal", backlog_events=5)
    try:
        with log.store._write_lock:
            journal.submit("acme", _valid([make_event() for _ in range(5)])).result(timeout=10)
            time.sleep(0.2)  # let the applier take the first entry and block on the lock
            held = journal.submit("acme", _valid([make_event() for _ in range(2)]))
            time.sleep(0.3)
            assert not held.done()  # the backlog is at its limit: the second write waits
        assert held.result(timeout=30).accepted == 2
        assert journal.settle(timeout=30) and log.store.event_count("acme") == 7
    finally:
        journal.close()
        log.close()


def test_a_read_waits_for_writes_acknowledged_before_it(tmp_path) -> None:
    for api in build_api(tmp_path):
        ev = make_event()
        hdr = api.h(**{"Content-Type": "application/x-ndjson"})
        params = {"since": "2000-01-01T00:00:00Z", "filter": f'uuid eq "{ev["uuid"]}"'}
        lock = api.log.store._write_lock
        lock.acquire()
        try:
            assert api.client.post("/api/v1/logs", content=ndjson([ev]), headers=hdr).json()["accepted"] == 1
            assert api.log.search(org="acme", since=SINCE, limit=None) == []  # acknowledged, not yet applied
            threading.Timer(0.4, lock.release).start()
            started = time.monotonic()
            r = api.client.get("/api/v1/logs", params=params, headers=api.h())
        except BaseException:
            lock.release()
            raise
        assert r.status_code == 200 and [e["uuid"] for e in r.json()] == [ev["uuid"]]
        assert time.monotonic() - started >= 0.3  # it waited for the applier rather than answering without it


def test_the_visibility_wait_is_bounded(tmp_path) -> None:
    for api in build_api(tmp_path, read_visibility_wait_seconds=0.2):
        ev = make_event()
        with api.log.store._write_lock:
            api.client.post("/api/v1/logs", content=ndjson([ev]), headers=api.h(**{"Content-Type":
                                                                                    "application/x-ndjson"}))
            started = time.monotonic()
            r = api.client.get("/api/v1/logs", params={"since": "2000-01-01T00:00:00Z"}, headers=api.h())
            assert r.status_code == 200 and r.json() == []  # the store is stuck: answer with what it has
            assert time.monotonic() - started < 5


def test_entries_applied_together_keep_the_order_they_were_acknowledged_in(tmp_path) -> None:
    """The store orders one batch by `published`; entries merged into one apply must not be reordered, or
    a poller would see a later acknowledgement before an earlier one."""
    from datetime import timedelta

    from glasslog.store.base import SearchQuery

    log = glasslog.open(tmp_path / "d")
    journal = JournaledIngest(log, tmp_path / "journal")
    now = datetime.now(UTC)
    newer, older = make_event(when=now - timedelta(minutes=1)), make_event(when=now - timedelta(hours=1))
    try:
        with log.store._write_lock:
            journal.submit("acme", _valid([newer])).result(timeout=10)
            journal.submit("acme", _valid([older])).result(timeout=10)
        assert journal.settle(timeout=30) and journal.applies == 1  # one store batch for both
        page = log.store.search("acme", SearchQuery(mode="polling", after_seq=0, since=SINCE, limit=10))
        assert [e.uuid for e in page.events] == [newer["uuid"], older["uuid"]]
    finally:
        journal.close()
        log.close()
