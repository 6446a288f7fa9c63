"""The ClickHouse backend's own guarantees (chdb in a temporary directory): idempotent ingest and twins from
racing nodes, polling exactly once under a visibility watermark with late commits, paging without gaps,
metadata, retention, org isolation, persistence, and agreement with DuckDB on aggregates."""

from __future__ import annotations

import uuid as _uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.conftest import make_event, sample_events

import glasslog
from glasslog.events.validate import validate_event
from glasslog.query import parse_filter
from glasslog.store import clickhouse as chmod
from glasslog.store.base import SearchQuery, StoredEvent, ValidEvent
from glasslog.store.clickhouse import ClickHouseStore, open_clickhouse
from glasslog.store.clickhouse_rows import event_table
from glasslog.store.clickhouse_schema import NODE_BITS
from glasslog.store.duckdb_store import DuckDBStore

WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
T0 = datetime(2024, 8, 13, 15, 0, tzinfo=UTC)


def valid(ev: dict[str, Any]) -> ValidEvent:
    checked = validate_event(ev)
    assert isinstance(checked, ValidEvent), checked
    return checked


def events(n: int, start: datetime = T0, step: timedelta = timedelta(seconds=1), **fields: Any) -> list[ValidEvent]:
    return [valid(make_event(when=start + i * step, **fields)) for i in range(n)]


def bounded(**kw: Any) -> SearchQuery:
    return SearchQuery(since=WIDE[0], until=WIDE[1], **kw)


def poll(after: int | None = None, limit: int | None = 100, **kw: Any) -> SearchQuery:
    return SearchQuery(mode="polling", since=WIDE[0], until=None, after_seq=after, limit=limit, **kw)


def drain(store: ClickHouseStore, org: str, cursor: int | None, limit: int = 3) -> tuple[list[StoredEvent], int | None]:
    out: list[StoredEvent] = []
    while True:
        page = store.search(org, poll(cursor, limit))
        out += page.events
        if page.events:
            cursor = page.events[-1].seq
        if len(page.events) < limit:
            return out, cursor


# -- ingest ---------------------------------------------------------------------------------------------------


def test_ingest_is_idempotent_within_and_across_batches(ch: ClickHouseStore) -> None:
    batch = events(5)
    first = ch.ingest("acme", batch + batch[:2])
    assert (first.accepted, first.duplicates) == (5, 2)
    again = ch.ingest("acme", batch[3:] + events(1, start=T0 + timedelta(hours=1)))
    assert (again.accepted, again.duplicates) == (1, 2)
    assert ch.count("acme", bounded()) == 6
    assert first.first_seq is not None and first.last_seq is not None
    assert first.first_seq < first.last_seq < again.first_seq  # type: ignore[operator]


def test_seq_is_unique_increasing_and_encodes_the_ingest_time(ch: ClickHouseStore) -> None:
    before = datetime.now(UTC)
    ch.ingest("acme", events(10))
    ch.ingest("acme", events(10, start=T0 - timedelta(days=1)))  # late events: older `published`
    page = ch.search("acme", poll(limit=None))
    seqs = [e.seq for e in page.events]
    assert len(set(seqs)) == 20 and seqs == sorted(seqs)
    ingested = datetime.fromtimestamp((seqs[0] >> NODE_BITS) / 1e6, UTC)
    assert before - timedelta(seconds=1) <= ingested <= datetime.now(UTC) + timedelta(seconds=1)
    # the late batch comes after the first one in persistence order, whatever its `published`
    assert [e.published for e in page.events[10:]] == sorted(e.published for e in page.events[10:])
    assert page.events[10].published < page.events[0].published


def _race_twin(store: ClickHouseStore, org: str, ev: ValidEvent) -> int:
    """Store a second copy of `ev` the way a racing ingest node would: past the probe, with a later seq."""
    seq = store._assign(1)  # noqa: SLF001 - simulating another node
    store.x.insert_arrow(store.events, event_table(org, [ev], seq, 0))
    store._committed = max(store._committed, seq[0])  # noqa: SLF001
    return seq[0]


def test_twins_from_racing_nodes_are_seen_once(ch: ClickHouseStore) -> None:
    batch = events(5)
    ch.ingest("acme", batch)
    twin_seq = _race_twin(ch, "acme", batch[2])
    assert ch.event_count("acme") == 6  # physically two copies until a merge
    for order in ("ASCENDING", "DESCENDING"):
        for limit in (None, 2, 3):
            seen: list[str] = []
            q = bounded(order=order, limit=limit)
            while True:
                page = ch.search("acme", q)
                seen += [e.uuid for e in page.events]
                if not page.has_more:
                    break
                last = page.events[-1]
                q = bounded(order=order, limit=limit, after=(last.published, last.uuid))
            assert sorted(seen) == sorted(e.uuid for e in batch), (order, limit)
    polled, _ = drain(ch, "acme", None, limit=2)
    assert sorted(e.uuid for e in polled) == sorted(e.uuid for e in batch)
    assert twin_seq not in {e.seq for e in polled}  # the first-committed copy is the one served
    ch.x.command(f"OPTIMIZE TABLE {ch.events} FINAL")
    assert ch.event_count("acme") == 5
    rows = ch._rows(f"SELECT seq FROM {ch.events} WHERE uuid = {{?}}", [batch[2].uuid])  # noqa: SLF001
    assert rows[0][0] != twin_seq  # the merge kept the smaller seq too


# -- polling --------------------------------------------------------------------------------------------------


class Clock:
    def __init__(self, start_us: int) -> None:
        self.us = start_us

    def __call__(self) -> int:
        return self.us


@pytest.fixture
def lagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A store in multi-writer mode (as on a cluster): 2 s lag, a clock the test moves."""
    clock = Clock(1_800_000_000_000_000)
    monkeypatch.setattr(chmod, "_now_us", clock)
    executor = chmod.ChdbExecutor(str(tmp_path / "lagged"))
    store = ClickHouseStore(executor, lag=timedelta(seconds=2), node=7, single_writer=False)
    yield store, clock
    store.close()


def test_polling_serves_only_up_to_the_watermark(lagged: Any) -> None:
    store, clock = lagged
    store.ingest("acme", events(3))
    assert store.search("acme", poll()).events == []  # committed, but younger than the lag
    assert store.max_seq() < min(e.seq for e in store._run("acme", poll(), None, mark=1 << 62))  # noqa: SLF001
    clock.us += 2_000_000 + 3  # each event of a batch has its own µs
    page = store.search("acme", poll())
    assert len(page.events) == 3
    assert store.max_seq() >= page.events[-1].seq


def test_polling_sees_a_late_commit_exactly_once(lagged: Any) -> None:
    """Node B stamps its batch before this node (A) does but commits after A: a reader must not move its cursor
    past B's seqs before B commits. The watermark (now − lag) guarantees it when B commits within the lag."""
    store, clock = lagged
    t = clock.us
    b_events = events(2, start=T0 - timedelta(days=3))  # late-arriving events (old `published`)
    b_seqs = [((t + i) << NODE_BITS) | 3 for i in range(2)]  # node 3 stamps at t ...
    clock.us = t + 500
    a_events = events(4)
    store.ingest("acme", a_events)  # ... node A stamps at t+0.5ms and commits first
    clock.us = t + 1_000_000  # 1 s later: inside the lag
    assert drain(store, "acme", None)[0] == []
    naive = store._run("acme", poll(limit=None), None, mark=1 << 62)  # noqa: SLF001 - a reader without watermark
    assert [e.uuid for e in naive] == [e.uuid for e in sorted(a_events, key=lambda e: e.published)]
    store.x.insert_arrow(store.events, event_table("acme", b_events, b_seqs, 0))  # B commits 1.5 s after t
    # the naive reader's cursor is already past B's seqs: B would never reach it
    assert store._run("acme", poll(after=naive[-1].seq, limit=None), None, mark=1 << 62) == []  # noqa: SLF001
    clock.us = t + 2_000_600
    seen, cursor = drain(store, "acme", None)
    assert [e.uuid for e in seen[:2]] == [e.uuid for e in b_events]  # B first: persistence order
    assert sorted(e.uuid for e in seen) == sorted(e.uuid for e in a_events + b_events)
    clock.us += 10_000_000
    assert drain(store, "acme", cursor)[0] == []  # exactly once


def test_single_writer_watermark_never_passes_a_batch_in_flight(ch: ClickHouseStore) -> None:
    ch.ingest("acme", events(3))
    top = ch.max_seq()
    assert len(ch.search("acme", poll()).events) == 3
    ch._inflight = top - 5  # noqa: SLF001 - as if a batch starting below were being inserted
    assert ch.watermark() == top - 6
    assert len(ch.search("acme", poll()).events) < 3
    ch._inflight = None  # noqa: SLF001
    assert ch.watermark() == top


def test_polling_pages_have_no_gaps_or_repeats(ch: ClickHouseStore) -> None:
    for k in range(6):
        ch.ingest("acme", events(7, start=T0 + timedelta(hours=k), step=timedelta(0)))  # equal `published`
    seen, cursor = drain(ch, "acme", None, limit=4)
    assert len(seen) == 42 and len({e.uuid for e in seen}) == 42
    assert cursor == ch.max_seq()
    ch.ingest("acme", events(5, start=T0 - timedelta(days=2)))
    more, _ = drain(ch, "acme", cursor, limit=4)
    assert len(more) == 5


def test_bounded_pages_have_no_gaps_or_repeats(ch: ClickHouseStore) -> None:
    ch.ingest("acme", events(30, step=timedelta(0)) + events(25, start=T0 + timedelta(minutes=1)))
    for order in ("ASCENDING", "DESCENDING"):
        q = bounded(order=order, limit=7)
        seen: list[StoredEvent] = []
        while True:
            page = ch.search("acme", q)
            seen += page.events
            if not page.has_more:
                break
            q = bounded(order=order, limit=7, after=(page.events[-1].published, page.events[-1].uuid))
        keys = [(e.published, e.uuid) for e in seen]
        assert len(set(keys)) == 55
        assert keys == sorted(keys, reverse=order == "DESCENDING")


# -- metadata -------------------------------------------------------------------------------------------------


def test_meta_put_get_list_find_delete(ch: ClickHouseStore) -> None:
    ch.put_meta("acme", "token", "h1", {"name": "one"})
    ch.put_meta("acme", "token", "h2", {"name": "two"})
    ch.put_meta("acme", "token", "h1", {"name": "one again"})
    ch.put_meta("beta", "token", "h3", {"name": "three"})
    assert ch.get_meta("acme", "token", "h1") == {"name": "one again"}
    assert ch.list_meta("acme", "token") == [("h1", {"name": "one again"}), ("h2", {"name": "two"})]
    assert ch.find_meta("token", "h3") == ("beta", {"name": "three"})
    assert ch.delete_meta("acme", "token", "h2") is True
    assert ch.delete_meta("acme", "token", "h2") is False
    assert ch.get_meta("acme", "token", "h2") is None
    assert ch.list_meta("acme", "token") == [("h1", {"name": "one again"})]
    ch.put_meta("acme", "token", "h2", {"name": "back"})
    assert ch.get_meta("acme", "token", "h2") == {"name": "back"}
    assert ch.orgs() == ["acme", "beta"]
    ch.x.command(f"OPTIMIZE TABLE {ch.meta} FINAL")
    assert ch.get_meta("acme", "token", "h2") == {"name": "back"}


def test_everything_survives_a_reopen(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path / 'ch'}"
    store = open_clickhouse(url)
    store.ingest("acme", events(4))
    store.put_meta("acme", "settings", "org", {"retention_days": 0})
    top = store.max_seq()
    store.close()
    store = open_clickhouse(url)
    try:
        assert store.count("acme", bounded()) == 4
        assert store.get_meta("acme", "settings", "org") == {"retention_days": 0}
        assert store.max_seq() == top
        result = store.ingest("acme", events(1, start=T0 + timedelta(days=1)))
        assert result.first_seq is not None and result.first_seq > top
    finally:
        store.close()


# -- retention ------------------------------------------------------------------------------------------------


def test_retention_drives_the_ttl(ch: ClickHouseStore) -> None:
    now = datetime.now(UTC)
    ch.put_meta("acme", "settings", "org", {"retention_days": 30})
    old, recent = events(3, start=now - timedelta(days=40)), events(2, start=now - timedelta(days=1))
    ch.ingest("acme", old + recent)
    ch.ingest("keep", events(2, start=now - timedelta(days=400)))  # no retention: kept forever
    ch.x.command(f"OPTIMIZE TABLE {ch.events} FINAL")  # TTL is applied when parts merge
    assert ch.count("acme", bounded()) == 2
    assert ch.count("keep", bounded()) == 2
    # a shorter retention rewrites `expires` of the rows already stored
    ch.put_meta("acme", "settings", "org", {"retention_days": 1})
    ch.x.command(f"OPTIMIZE TABLE {ch.events} FINAL")
    left = ch.search("acme", bounded(limit=None)).events
    assert {e.uuid for e in left} <= {e.uuid for e in recent}
    assert all(e.published >= now - timedelta(days=1, minutes=1) for e in left)


def test_delete_before_and_log_retention(tmp_path: Path) -> None:
    log = glasslog.open(f"chdb://{tmp_path / 'ch'}")
    try:
        now = datetime.now(UTC)
        log.ingest([make_event(when=now - timedelta(days=d)) for d in (1, 2, 10, 20)], org="acme")
        log.set_retention("acme", 5)
        assert len(log.search("acme", since=now - timedelta(days=60), until=now)) == 2  # reads hide them
        # the new retention's TTL may already have dropped them (the `expires` rewrite applies it)
        assert log.enforce_retention("acme") in (0, 2)
        assert log.store.event_count("acme") == 2  # type: ignore[attr-defined]
    finally:
        log.close()


# -- isolation ------------------------------------------------------------------------------------------------


def test_orgs_are_isolated_everywhere(ch: ClickHouseStore) -> None:
    shared = events(3)
    ch.ingest("acme", shared)
    other = ch.ingest("beta", shared + events(2, start=T0 + timedelta(hours=2), event_type="user.session.end"))
    assert other.accepted == 5 and other.duplicates == 0  # the same uuid is a different event in another org
    assert ch.count("acme", bounded()) == 3
    assert ch.count("beta", bounded()) == 5
    assert ch.count("acme", bounded(filter=parse_filter('eventType eq "user.session.end"'))) == 0
    assert sum(b.count for b in ch.histogram("acme", bounded(), 3600)) == 3
    assert ch.top_values("acme", bounded(), "eventType") == [("user.session.start", 3)]
    assert len(ch.search("acme", poll(limit=None)).events) == 3
    assert ch.search("nobody", bounded()).events == []
    assert ch.orgs() == ["acme", "beta"]


# -- agreement with DuckDB ------------------------------------------------------------------------------------


def test_aggregates_and_search_agree_with_duckdb(ch: ClickHouseStore, tmp_path: Path) -> None:
    duck = DuckDBStore(tmp_path / "duck")
    try:
        batch = [valid(e) for e in {e["uuid"]: e for e in sample_events()}.values()]
        batch += events(40, start=T0, step=timedelta(minutes=7))
        for store in (duck, ch):
            store.ingest("acme", batch)
        q = bounded()
        assert ch.count("acme", q) == duck.count("acme", q)
        assert ch.histogram("acme", q, 3600) == duck.histogram("acme", q, 3600)
        for path in ("eventType", "actor.alternateId", "target.displayName", "client.ipAddress",
                     "debugContext.debugData.requestUri"):
            assert ch.top_values("acme", q, path, 5) == duck.top_values("acme", q, path, 5), path
        for text in ('eventType sw "user"', 'target.type eq "User" and not (outcome.result eq "FAILURE")'):
            fq = bounded(filter=parse_filter(text), order="DESCENDING", limit=10)
            assert [e.uuid for e in ch.search("acme", fq).events] == [e.uuid for e in duck.search("acme", fq).events]
        for words in (("john",), ("user", "okta")):
            kq = bounded(keywords=words, limit=None)
            assert {e.uuid for e in ch.search("acme", kq).events} == {e.uuid for e in duck.search("acme", kq).events}
            assert ch.count("acme", kq) == duck.count("acme", kq)
        raw = {e.uuid: orjson.loads(e.raw) for e in ch.search("acme", bounded(limit=None)).events}
        assert raw == {v.uuid: orjson.loads(v.raw) for v in batch}  # returned JSON-equal to what came in
    finally:
        duck.close()


def test_hot_columns_match_what_duckdb_derives(ch: ClickHouseStore, tmp_path: Path) -> None:
    """Python-side extraction (clickhouse_rows) must fill the same values DuckDB's json_transform does.
    (Known difference, on DuckDB's side: json_transform writes 1.5e300 as `1.5e+300` where the matcher's
    coercion, and so this store, write `1.5e300`.)"""
    duck = DuckDBStore(tmp_path / "duck")
    try:
        odd = [make_event(uuid=str(_uuid.uuid4()), displayMessage=5, severity=None,
                          actor={"id": 12, "type": {"a": [1, 2.5]}, "alternateId": True, "displayName": "É x"},
                          target=[{"id": "t1", "type": "User"}, "junk", {"displayName": 1.5}],
                          request={"ipChain": {"not": "a list"}}),
               *[e for e in sample_events()[:5]]]
        batch = [valid(e) for e in {e["uuid"]: e for e in odd}.values()]
        duck.ingest("acme", batch)
        ch.ingest("acme", batch)
        cols = ["uuid", "event_type", "severity", "display_message", "actor_id", "actor_type",
                "actor_alternate_id", "actor_display_name", "client_ip", "client_user_agent",
                "external_session_id", "request_id", "lat", "lon"]
        d_rows = duck._cursor().execute(f"SELECT {', '.join(cols)} FROM events ORDER BY uuid").fetchall()  # noqa: SLF001
        c_rows = ch._rows(f"SELECT {', '.join(cols)} FROM {ch.events} ORDER BY uuid")  # noqa: SLF001
        assert [tuple(r) for r in d_rows] == [tuple(r) for r in c_rows]
        d_t = duck._cursor().execute("SELECT [(t.id, t.type, t.alternate_id, t.display_name) "  # noqa: SLF001
                                     "FOR t IN coalesce(targets, [])] FROM events ORDER BY uuid").fetchall()
        c_t = ch._rows(f"SELECT targets FROM {ch.events} ORDER BY uuid")  # noqa: SLF001
        assert [[tuple(x) for x in r[0]] for r in d_t] == [[tuple(x.values()) if isinstance(x, dict) else tuple(x)
                                                         for x in r[0]] for r in c_t]
    finally:
        duck.close()


def test_top_values_group_case_insensitively_spelled_as_the_first_event(ch: ClickHouseStore, tmp_path: Path) -> None:
    """top_values groups on the hot columns and restores each winner's spelling from its group's first event."""
    duck = DuckDBStore(tmp_path / "duck")
    try:
        spellings = ["John@Example.COM", "john@example.com", "JOHN@EXAMPLE.COM", "ann@example.com"]
        batch = [valid(make_event(when=T0 + timedelta(seconds=i), actor={"id": f"00u{i}", "alternateId": s},
                                  target=[{"id": "t", "type": "User", "displayName": s.upper() if i else s}]))
                 for i, s in enumerate(spellings)]
        for store in (duck, ch):
            store.ingest("acme", batch)
        for path, first in (("actor.alternateId", "John@Example.COM"), ("target.displayName", "John@Example.COM")):
            want = [(first, 3), ("ANN@EXAMPLE.COM" if path.startswith("target") else "ann@example.com", 1)]
            assert ch.top_values("acme", bounded(), path, 5) == want, path
            assert duck.top_values("acme", bounded(), path, 5) == want, path
        assert ch.top_values("acme", bounded(), "actor.id", 2) == [("00u0", 1), ("00u1", 1)]
    finally:
        duck.close()
