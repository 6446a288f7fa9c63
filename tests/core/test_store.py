"""The DuckDB store on a real database file: durability, dedupe, sequence, paging, tenancy, retention."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from tests.conftest import make_event, sample_events

import glasslog
from glasslog.errors import GlasslogError
from glasslog.events.validate import validate_event
from glasslog.query.parser import parse_filter as parse
from glasslog.store.base import SearchQuery
from glasslog.store.duckdb_store import DuckDBStore, StoreLocked

T0 = datetime(2024, 1, 1, tzinfo=UTC)
WIDE = {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}


def spread(n: int, days: float = 90, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [make_event(when=T0 + timedelta(seconds=rng.uniform(0, days * 86400))) for _ in range(n)]


def test_roundtrip_is_json_equal_and_reimport_is_noop(tmp_path):
    events = sample_events()
    with glasslog.open(tmp_path / "d") as log:
        first = log.ingest(events, org="acme")
        assert first.accepted == len({e["uuid"] for e in events}) == 10
        assert first.duplicates == 16
        again = log.ingest(events, org="acme")
        assert (again.accepted, again.duplicates) == (0, 26)
        got = log.search(org="acme", limit=None, **WIDE)
    by_uuid = {}
    for e in events:
        by_uuid.setdefault(e["uuid"], e)  # the first occurrence is the one kept
    assert sorted(got, key=lambda e: e["uuid"]) == sorted(by_uuid.values(), key=lambda e: e["uuid"])


def test_events_survive_reopen_and_seq_keeps_increasing(tmp_path):
    log = glasslog.open(tmp_path)
    r1 = log.ingest(spread(50), org="a")
    log.close()
    log = glasslog.open(tmp_path)
    r2 = log.ingest(spread(30, seed=2), org="a")
    assert (r1.first_seq, r1.last_seq) == (1, 50)
    assert (r2.first_seq, r2.last_seq) == (51, 80)
    assert len(log.search(org="a", limit=None, **WIDE)) == 80
    log.close()


def test_orgs_are_isolated(tmp_path):
    with glasslog.open(tmp_path) as log:
        ev = make_event()
        log.ingest([ev], org="a")
        assert log.ingest([ev], org="b").accepted == 1  # the same uuid in another org is another event
        log.ingest([make_event()], org="b")
        assert [e["uuid"] for e in log.search(org="a")] == [ev["uuid"]]
        assert len(log.search(org="b")) == 2
        assert log.search(org="c") == []


@pytest.mark.parametrize("order", ["ASCENDING", "DESCENDING"])
def test_keyset_paging_over_slices_has_no_gaps_or_duplicates(tmp_path, order):
    events = spread(700)
    same_instant = [make_event(when=T0 + timedelta(days=3)) for _ in range(40)]  # ties broken by uuid
    store = DuckDBStore(tmp_path)
    store.ingest("o", [validate_event(e) for e in events + same_instant])
    base = SearchQuery(since=T0 - timedelta(days=1), until=T0 + timedelta(days=91), limit=37, order=order)
    seen: list[str] = []
    q = base
    while True:
        page = store.search("o", q)
        seen += [e.uuid for e in page.events]
        if not page.has_more:
            break
        last = page.events[-1]
        q = SearchQuery(since=base.since, until=base.until, limit=37, order=order, after=(last.published, last.uuid))
    expected = sorted(events + same_instant, key=lambda e: (e["published"], e["uuid"]),
                      reverse=order == "DESCENDING")
    assert seen == [e["uuid"] for e in expected]
    store.close()


def test_newest_page_from_sliced_search_matches_full_sort(tmp_path):
    events = spread(2000, days=90)
    with glasslog.open(tmp_path) as log:
        log.ingest(events, org="o")
        got = log.search(org="o", since=T0, until=T0 + timedelta(days=90), limit=100, sort_order="DESCENDING")
    newest = sorted(events, key=lambda e: (e["published"], e["uuid"]), reverse=True)[:100]
    assert [e["uuid"] for e in got] == [e["uuid"] for e in newest]


def test_default_window_is_seven_days_before_until(tmp_path):
    now = datetime.now(UTC)
    recent = make_event(when=now - timedelta(days=6))
    old = make_event(when=now - timedelta(days=8))
    with glasslog.open(tmp_path) as log:
        log.ingest([recent, old], org="o")
        assert [e["uuid"] for e in log.search(org="o")] == [recent["uuid"]]
        until = (now - timedelta(days=7)).isoformat()
        assert [e["uuid"] for e in log.search(org="o", until=until)] == [old["uuid"]]


def test_polling_follows_commit_order_not_published(tmp_path):
    store = DuckDBStore(tmp_path)
    new = make_event(when=T0 + timedelta(days=2))
    late = make_event(when=T0)  # arrives later but happened earlier
    store.ingest("o", [validate_event(new)])
    poll = SearchQuery(mode="polling", since=T0 - timedelta(days=1), limit=10, after_seq=0)
    page1 = store.search("o", poll)
    assert [e.uuid for e in page1.events] == [new["uuid"]]
    store.ingest("o", [validate_event(late)])
    page2 = store.search("o", SearchQuery(mode="polling", since=poll.since, limit=10,
                                          after_seq=page1.events[-1].seq))
    assert [e.uuid for e in page2.events] == [late["uuid"]]
    store.close()


def test_hot_columns_are_derived_with_their_case_rules(tmp_path):
    ev = make_event(
        eventType="User.Session.Start",
        target=[{"id": "0oaABC", "type": "AppInstance", "displayName": "Box", "alternateId": "BOX"}, "odd"],
        request={"ipChain": [{"ip": "10.0.0.1", "geographicalContext": {"country": "United States"}}]},
        authenticationContext={"externalSessionId": "102AbC"},
    )
    ev["client"]["geographicalContext"] = {"geolocation": {"lat": 37.5, "lon": -122.25}}
    store = DuckDBStore(tmp_path)
    store.ingest("o", [validate_event(ev)])
    row = store.sql("o", SearchQuery(), "event_type, external_session_id, targets, ip_chain, lat, lon")[0]
    assert row[0] == "user.session.start" and row[1] == "102AbC"
    assert row[2][0] == {"id": "0oaABC", "type": "appinstance", "alternate_id": "box", "display_name": "box"}
    assert row[2][1] == {"id": None, "type": None, "alternate_id": None, "display_name": None}
    assert row[3][0]["country"] == "united states" and row[4:] == (37.5, -122.25)
    store.close()


def test_retention_hides_then_drops_old_events(tmp_path):
    now = datetime.now(UTC)
    old, new = make_event(when=now - timedelta(days=100)), make_event(when=now - timedelta(days=1))
    with glasslog.open(tmp_path) as log:
        log.ingest([old, new], org="o")
        assert len(log.search(org="o", since=now - timedelta(days=365))) == 2  # default: keep forever
        log.set_retention("o", 90)
        assert [e["uuid"] for e in log.search(org="o", since=now - timedelta(days=365))] == [new["uuid"]]
        assert log.enforce_retention("o") == 1
        log.set_retention("o", 0)
        assert [e["uuid"] for e in log.search(org="o", since=now - timedelta(days=365))] == [new["uuid"]]
        with pytest.raises(GlasslogError):
            log.set_retention("o", -1)


def test_meta_documents(tmp_path):
    store = DuckDBStore(tmp_path)
    store.put_meta("o", "saved", "x", {"filter": "a"})
    store.put_meta("o", "saved", "x", {"filter": "b"})
    store.put_meta("p", "saved", "y", {"filter": "c"})
    assert store.get_meta("o", "saved", "x") == {"filter": "b"}
    assert store.list_meta("o", "saved") == [("x", {"filter": "b"})]
    assert store.find_meta("saved", "y") == ("p", {"filter": "c"})
    assert store.delete_meta("o", "saved", "x") and not store.delete_meta("o", "saved", "x")
    assert store.orgs() == ["p"]
    store.close()


def test_meta_reads_follow_every_write_and_hand_out_fresh_documents(tmp_path):
    store = DuckDBStore(tmp_path)
    assert store.get_meta("o", "settings", "org") is None  # a miss is remembered too ...
    store.put_meta("o", "settings", "org", {"retention_days": 90})
    assert store.get_meta("o", "settings", "org") == {"retention_days": 90}  # ... and forgotten on a write
    doc = store.get_meta("o", "settings", "org")
    doc["retention_days"] = 1  # a caller changing its copy changes nothing stored
    assert store.get_meta("o", "settings", "org") == {"retention_days": 90}
    store.put_meta("o", "settings", "org", {"retention_days": 30})
    assert store.get_meta("o", "settings", "org") == {"retention_days": 30}
    assert store.delete_meta("o", "settings", "org")
    assert store.get_meta("o", "settings", "org") is None
    store.put_meta("o", "settings", "org", {"retention_days": 7})
    store.close()
    reopened = DuckDBStore(tmp_path)  # what the cache answered is what the file holds
    assert reopened.get_meta("o", "settings", "org") == {"retention_days": 7}
    reopened.close()


def test_a_meta_read_that_raced_a_write_is_not_kept():
    from glasslog.store.duckdb_store import _MetaCache

    cache = _MetaCache()
    ident = ("o", "settings", "org")
    before = cache.generation  # a reader starts its statement here and sees the old value ...
    cache.forget(ident)  # ... while a writer commits the new one
    cache.keep(ident, '{"retention_days": 0}', before)
    assert cache.lookup(ident) == (False, None)  # the next read goes to the database
    cache.keep(ident, '{"retention_days": 90}', cache.generation)
    assert cache.lookup(ident) == (True, '{"retention_days": 90}')


def test_a_page_without_keywords_asks_for_exactly_its_rows():
    from glasslog.store.sql_common import chunk_size

    plain = SearchQuery(limit=100)
    worded = SearchQuery(limit=100, keywords=("okta",))
    assert chunk_size(plain, 101, 0) == 101 and chunk_size(plain, 101, 40) == 61
    assert chunk_size(worded, 101, 0) == 404 and chunk_size(worded, 101, 100) == 256
    assert chunk_size(plain, None, 0) is None


def test_second_process_gets_a_plain_message_not_a_lock_traceback(tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import glasslog, sys, time; log = glasslog.open({str(tmp_path)!r}); print('ready', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked) as info:
            DuckDBStore(tmp_path)
        assert "in use by another glasslog process" in str(info.value.detail)
    finally:
        holder.kill()


def test_histogram_and_count(tmp_path):
    events = [make_event(when=T0 + timedelta(minutes=m)) for m in (0, 1, 59, 60, 61, 125)]
    store = DuckDBStore(tmp_path)
    store.ingest("o", [validate_event(e) for e in events])
    q = SearchQuery(since=T0, until=T0 + timedelta(days=1))
    assert store.count("o", q) == 6
    assert [(b.start, b.count) for b in store.histogram("o", q, 3600)] == [
        (T0, 3), (T0 + timedelta(hours=1), 2), (T0 + timedelta(hours=2), 1)]
    raw = store.search("o", SearchQuery(since=T0, until=T0 + timedelta(days=1), limit=1)).events[0].raw
    assert orjson.loads(raw)["uuid"] == events[0]["uuid"]
    store.close()


def _make_legacy(path) -> None:
    """Turn a store into the layout glasslog wrote before per-event compression: one `events` table whose
    `raw` column holds the text (zstd by DuckDB), no dictionaries."""
    import duckdb

    from glasslog.store import event_json

    con = duckdb.connect(str(path / "glasslog.duckdb"))
    event_json.register_stored(con)
    con.execute("CREATE TABLE legacy AS SELECT * EXCLUDE (zdict, raw_z) FROM events")
    con.execute("DROP VIEW events")
    con.execute("DROP TABLE event_rows")
    con.execute("DROP TABLE json_dicts")
    con.execute("ALTER TABLE legacy RENAME TO events")
    con.close()


def _store_without_column(path, layout: str, events: list[dict], column: str) -> None:  # noqa: ANN001
    """A store holding `events`, in `layout`, as a glasslog from before `column` existed would have left it."""
    import duckdb

    log = glasslog.open(path)
    assert log.ingest(events, org="acme").accepted == len(events)
    log.close()
    if layout == "legacy":
        _make_legacy(path)
    con = duckdb.connect(str(path / "glasslog.duckdb"))
    con.execute(f"ALTER TABLE {'events' if layout == 'legacy' else 'event_rows'} DROP COLUMN {column}")
    con.close()


@pytest.mark.parametrize("layout", ["per-event", "legacy"])
def test_a_store_made_before_a_hot_column_existed_gets_it_filled_on_open(tmp_path, layout):
    """An older glasslog's store lacks newer hot columns; opening it adds them from the kept JSON, so old events
    answer filters on the new column exactly as new ones do (in both storage layouts)."""

    import glasslog

    def grant(i: int, granted: str | None) -> dict:
        ev = {"uuid": f"g-{i}", "published": f"2024-08-13T15:58:{i:02d}.000Z",
              "eventType": "user.account.privilege.grant", "debugContext": {"debugData": {}}}
        if granted is not None:
            ev["debugContext"]["debugData"]["privilegeGranted"] = granted
        return ev

    events = [grant(0, "Super administrator"), grant(1, "Help Desk administrator"), grant(2, None),
              {"uuid": "o-3", "published": "2024-08-13T15:58:03.000Z", "eventType": "user.session.start",
               "displayMessage": "privilegeGranted is only a word here"}]
    _store_without_column(tmp_path, layout, events, "privilege_granted")

    log = glasslog.open(tmp_path)
    try:
        got = log.search(org="acme", filter='debugContext.debugData.privilegeGranted eq "super ADMINISTRATOR"',
                         since="2024-08-13T00:00:00Z", until="2024-08-14T00:00:00Z", limit=None)
        assert [e["uuid"] for e in got] == ["g-0"]
        present = log.search(org="acme", filter="debugContext.debugData.privilegeGranted pr",
                             since="2024-08-13T00:00:00Z", until="2024-08-14T00:00:00Z", limit=None)
        assert sorted(e["uuid"] for e in present) == ["g-0", "g-1"]
        column = log.store._cursor().execute(
            "SELECT uuid, privilege_granted FROM events ORDER BY uuid").fetchall()
        assert column == [("g-0", "super administrator"), ("g-1", "help desk administrator"), ("g-2", None),
                          ("o-3", None)]
    finally:
        log.close()


@pytest.mark.parametrize("layout", ["per-event", "legacy"])
def test_a_store_made_before_the_joined_ip_column_gets_it_filled_on_open(tmp_path, layout):
    """`ip_chain_ips` (the prefilter for ipChain filters) is filled on open from the list column, in both
    layouts, with exactly the text ingest gives; old and new events then answer ipChain filters as the matcher
    does (a row left without it would be missed by the prefilter)."""

    from glasslog.query import matches
    from glasslog.store.columns import joined_text

    def chained(i: int, request: object) -> dict:
        return {"uuid": f"c-{i}", "published": f"2024-08-13T15:58:{i:02d}.000Z", "eventType": "user.session.start",
                "request": request}

    requests = [{"ipChain": [{"ip": "10.0.0.1"}, {"ip": "FE80::1"}]}, {"ipChain": [{"ip": "10.0.0.1 10.0.0.2"}]},
                {"ipChain": [{"ip": None}, {}]}, {"ipChain": []}, {"ipChain": "10.0.0.1"}, None]
    _store_without_column(tmp_path, layout, [chained(i, r) for i, r in enumerate(requests)], "ip_chain_ips")

    log = glasslog.open(tmp_path)
    try:
        log.ingest([chained(len(requests), {"ipChain": [{"ip": "fe80::1"}]})], org="acme")
        rows = log.store._cursor().execute(
            "SELECT uuid, ip_chain_ips, list_transform(ip_chain, lambda x: x.ip) FROM events ORDER BY uuid").fetchall()
        assert [(u, j) for u, j, _ in rows] == [("c-0", " 10.0.0.1 fe80::1 "), ("c-1", " 10.0.0.1 10.0.0.2 "),
                                                ("c-2", " "), ("c-3", " "), ("c-4", " "), ("c-5", " "),
                                                ("c-6", " fe80::1 ")]
        assert all(j == joined_text(ips or []) for _, j, ips in rows)
        stored = log.search(org="acme", limit=None, **WIDE)
        for text in ('request.ipChain.ip eq "FE80::1"', 'request.ipChain.ip eq "10.0.0.1"',
                     'request.ipChain.ip eq "10.0.0.2"', 'request.ipChain.ip sw "10.0.0.1 "',
                     'request.ipChain.ip ne "10.0.0.1"'):
            got = {e["uuid"] for e in log.search(org="acme", filter=text, limit=None, **WIDE)}
            assert got == {e["uuid"] for e in stored if matches(parse(text), e)}, text
        assert {e["uuid"] for e in log.search(org="acme", filter='request.ipChain.ip eq "fe80::1"', limit=None,
                                              **WIDE)} == {"c-0", "c-6"}
    finally:
        log.close()


def test_a_legacy_store_reads_and_takes_new_events_exactly(tmp_path):
    """A store written before per-event compression keeps its layout: old and new events come back
    byte-for-byte, filters on fields without a column still read the text, duplicates are still found."""
    old = [make_event(when=T0 + timedelta(minutes=m), debugContext={"debugData": {"k": f"v{m}"}})
           for m in range(5)]
    store = DuckDBStore(tmp_path)
    store.ingest("o", [validate_event(e) for e in old])
    store.close()
    _make_legacy(tmp_path)
    store = DuckDBStore(tmp_path)
    try:
        assert store._codec is None
        new = [make_event(when=T0 + timedelta(minutes=10 + m)) for m in range(3)]
        result = store.ingest("o", [validate_event(e) for e in old[:2] + new])
        assert (result.accepted, result.duplicates) == (3, 2)
        q = SearchQuery(since=T0, until=T0 + timedelta(days=1), limit=None)
        got = [orjson.loads(e.raw) for e in store.search("o", q).events]
        assert got == old + new
        k3 = SearchQuery(since=T0, until=T0 + timedelta(days=1), limit=None,
                         filter=parse('debugContext.debugData.k eq "v3"'))
        assert [orjson.loads(e.raw)["uuid"] for e in store.search("o", k3).events] == [old[3]["uuid"]]
    finally:
        store.close()


def test_a_failed_dictionary_training_keeps_the_generic_one_and_retries_later(tmp_path, monkeypatch):
    """zstd refuses to train on too little or too uniform text. The writer must not fail for it: the batches
    keep the generic dictionary and read back whole, and training is tried again once four times as many
    events are stored."""
    from glasslog.store import event_json

    monkeypatch.setattr(event_json, "TRAIN_AFTER", 100)
    calls: list[int] = []

    def refuse(samples):  # noqa: ANN001, ANN202
        calls.append(len(samples))
        raise RuntimeError("cannot train dictionary")

    monkeypatch.setattr(event_json, "train", refuse)
    events = [make_event(when=T0 + timedelta(seconds=i)) for i in range(600)]
    store = DuckDBStore(tmp_path)
    try:
        for lo in range(0, 600, 100):
            store.ingest("o", [validate_event(e) for e in events[lo:lo + 100]])
            if store._training is not None:
                assert store._training.wait(60)
        assert store._cursor().execute("SELECT DISTINCT zdict FROM event_rows").fetchall() == [(0,)]
        assert calls == [100, 400]  # at 100 events; after the refusal, once 4 x 100 are stored
        q = SearchQuery(since=T0, until=T0 + timedelta(days=1), limit=None)
        assert [orjson.loads(e.raw) for e in store.search("o", q).events] == events
    finally:
        store.close()


def test_the_store_trains_its_own_dictionary_and_reads_every_row_after(tmp_path, monkeypatch):
    """Rows written before the store trained its dictionary keep the generic one; both kinds read back exactly,
    through Python and through SQL, also after reopening; the trained dictionary compresses the org's events
    smaller than the generic one."""
    from glasslog.store import event_json

    monkeypatch.setattr(event_json, "TRAIN_AFTER", 1500)
    rng = random.Random(5)
    surnames = ["kim", "lee", "okafor", "novak"]
    names = [f"user{i}.{rng.choice(surnames)}@corp-{rng.randint(0, 9)}.example" for i in range(60)]

    def ev(i: int) -> dict:
        user = rng.choice(names)
        return make_event(when=T0 + timedelta(seconds=i), **{
            "actor": {"id": f"00u{rng.getrandbits(40):x}", "type": "User", "alternateId": user,
                      "displayName": user.split("@")[0].title()},
            "client": {"ipAddress": f"10.{rng.randint(0, 9)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}",
                       "userAgent": {"rawUserAgent": rng.choice(["Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
                                                                  "okta-sdk-python/2.9"])}},
            "outcome": {"result": rng.choice(["SUCCESS", "FAILURE"])}})

    events = [ev(i) for i in range(3000)]
    store = DuckDBStore(tmp_path)
    try:
        for lo in range(0, 3000, 500):
            store.ingest("o", [validate_event(e) for e in events[lo:lo + 500]])
            if lo == 1000:  # the third batch reached TRAIN_AFTER: it is stored, and training runs behind it
                assert store._training is not None and store._training.wait(60)
        used = store._cursor().execute(
            "SELECT zdict, count(*), avg(octet_length(raw_z)) FROM event_rows GROUP BY 1 ORDER BY 1").fetchall()
        assert [(n, c) for n, c, _ in used] == [(0, 1500), (1, 1500)]
        assert store._cursor().execute("SELECT events FROM json_dicts WHERE id = 1").fetchall() == [(1500,)]
        assert used[1][2] < used[0][2]
    finally:
        store.close()
    store = DuckDBStore(tmp_path)
    try:
        q = SearchQuery(since=T0, until=T0 + timedelta(days=1), limit=None)
        assert [orjson.loads(e.raw) for e in store.search("o", q).events] == events
        failed = SearchQuery(since=T0, until=T0 + timedelta(days=1), limit=None,
                             filter=parse('client.userAgent.rawUserAgent sw "okta" and outcome.result eq "FAILURE"'))
        want = [e["uuid"] for e in events if e["client"]["userAgent"]["rawUserAgent"].startswith("okta")
                and e["outcome"]["result"] == "FAILURE"]
        assert [orjson.loads(e.raw)["uuid"] for e in store.search("o", failed).events] == want
        texts = store._cursor().execute("SELECT raw FROM events ORDER BY seq").fetchall()
        assert [orjson.loads(t) for (t,) in texts] == events
    finally:
        store.close()


def test_repeats_are_found_whether_or_not_the_batch_is_outside_the_store(tmp_path):
    """A batch newer or older than all the org holds skips the duplicate look-up; the bounds it uses must
    follow every commit (per org, and across a reopen), or a re-sent batch would be stored twice."""
    store = DuckDBStore(tmp_path)
    try:
        first = [validate_event(make_event(when=T0 + timedelta(minutes=m))) for m in range(3)]
        later = [validate_event(make_event(when=T0 + timedelta(hours=1, minutes=m))) for m in range(3)]
        earlier = [validate_event(make_event(when=T0 - timedelta(hours=1, minutes=m))) for m in range(3)]
        assert store.ingest("o", first).accepted == 3
        assert store.ingest("o", later).accepted == 3  # newer than the store: no look-up needed
        assert store.ingest("o", later).duplicates == 3
        assert store.ingest("o", earlier).accepted == 3  # a backfill, older than the store
        assert store.ingest("o", earlier).duplicates == 3
        assert store.ingest("o", first[:1] + later[1:]).duplicates == 3
        assert store.ingest("other", later).accepted == 3  # another org's bound is its own
        assert store.stored_uuids("o", [e.uuid for e in later], later[0].published,
                                  later[-1].published) == {e.uuid for e in later}
    finally:
        store.close()
    store = DuckDBStore(tmp_path)
    try:
        assert store.ingest("o", later + earlier).duplicates == 6
        assert store.event_count("o") == 9 and store.event_count("other") == 3
    finally:
        store.close()
