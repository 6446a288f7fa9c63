"""The daily rollup answers unfiltered trends exactly as grouping the events does: through ingests (tail and
rolled-up parts, compaction), duplicates, retention, odd values, unaligned and open ranges, and old stores."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import duckdb
import pytest
from tests.conftest import make_event

from glasslog.events.validate import validate_event
from glasslog.query.coercion import value_text
from glasslog.query.fields import resolve
from glasslog.store import duckdb_rollup
from glasslog.store.base import SearchQuery
from glasslog.store.duckdb_store import DuckDBStore

D0 = datetime(2024, 3, 1, tzinfo=UTC)
DAYS = 9

# every rolled-up dim as the filter path the console asks for
PATHS = [".".join(c.path) for c in duckdb_rollup.SCALAR_DIMS.values()] + [
    ".".join(lst.path + m.path) for lst, m in duckdb_rollup.LIST_DIMS.values()]


def _spell(rng: random.Random, word: str) -> str:
    return "".join(ch.upper() if rng.random() < 0.3 else ch for ch in word)


def _event(rng: random.Random, when: datetime) -> dict[str, Any]:
    ev = make_event(_spell(rng, rng.choice(["user.session.start", "user.authentication.sso", "policy.evaluate"])),
                    when=when)
    ev["severity"] = rng.choice(["INFO", "WARN", "info"])
    ev["outcome"] = rng.choice([{"result": "SUCCESS", "reason": None}, {"result": "FAILURE", "reason": "Bad"},
                                {"result": "failure", "reason": "bad"}, {}])
    who = rng.choice(["ann@x.com", "bob@x.com", "cy@x.com", "dee@x.com"])
    actor: Any = {"id": rng.choice(["00uA", "00ua", "00uB"]), "type": rng.choice(["User", "user", "SystemPrincipal"]),
                  "alternateId": _spell(rng, who), "displayName": _spell(rng, who.split("@")[0].title())}
    roll = rng.random()
    if roll < 0.05:
        actor = None
    elif roll < 0.1:
        actor["alternateId"] = rng.choice([42, True, None, {"odd": 1}])
    elif roll < 0.15:
        del actor["displayName"]
    ev["actor"] = actor
    ev["client"] = {"ipAddress": rng.choice(["10.0.0.1", "10.0.0.2", "2001:DB8::1", "2001:db8::1"]),
                    "userAgent": {"rawUserAgent": rng.choice(["Mozilla/5.0", "curl/8"])},
                    "zone": rng.choice(["null", "LAN", None]),
                    "geographicalContext": rng.choice([
                        {"country": "United States", "state": "Ohio", "city": "Columbus"},
                        {"country": "united states", "city": "DAYTON"}, {"country": "France", "city": "Paris"}, None])}
    if rng.random() < 0.9:
        ev["client"]["geographicalContext"] = ev["client"]["geographicalContext"] or {}
    apps = [{"id": "0oa1", "type": "AppInstance", "alternateId": "Slack", "displayName": "Slack"},
            {"id": "0oa2", "type": "AppInstance", "alternateId": "BOX", "displayName": "Box"},
            {"id": "00uA", "type": "User", "alternateId": _spell(rng, who), "displayName": "Ann"},
            {"type": "appinstance", "displayName": "slack"}, "odd", {}, None]
    kind = rng.random()
    if kind < 0.1:
        pass  # no target at all
    elif kind < 0.2:
        ev["target"] = rng.choice([[], None, "not a list"])
    else:
        ev["target"] = [rng.choice(apps) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        ev["request"] = {"ipChain": [{"ip": rng.choice(["10.0.0.1", "10.9.9.9"]),
                                      "geographicalContext": {"country": _spell(rng, "france")}}]}
    if rng.random() < 0.3:
        ev["securityContext"] = {"isProxy": rng.choice([True, False]), "asNumber": rng.choice([7922, 15169]),
                                 "asOrg": _spell(rng, "comcast")}
        ev["transaction"] = {"id": "t", "detail": {"requestApiTokenId": rng.choice(["00T1", "00t1"])}}
        ev["debugContext"] = {"debugData": {"privilegeGranted": _spell(rng, "super administrator")}}
    return ev


def _when(rng: random.Random) -> datetime:
    day = D0 + timedelta(days=rng.randrange(DAYS))
    return rng.choice([day, day - timedelta(milliseconds=1), day + timedelta(milliseconds=1),
                       day + timedelta(seconds=rng.uniform(0, 86399))])


def _published(ev: dict[str, Any]) -> datetime:
    return datetime.strptime(ev["published"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _values(ev: Any, path: tuple[str, ...]) -> list[Any]:
    """The text at `path` as a hot column holds it (None where the path meets a non-object)."""
    if not path:
        return [value_text(ev)]
    return _values(ev.get(path[0]), path[1:]) if isinstance(ev, dict) else [None]


def _expected(kept: dict[str, dict[str, Any]], path: str, since: datetime | None, until: datetime | None,
              limit: int) -> list[tuple[str, int]]:
    """Counts in pure Python: the key is the text, lower-cased when the column is."""
    field = resolve(path)
    counts: Counter[str] = Counter()
    for ev in kept.values():
        t = _published(ev)
        if (since is not None and t < since) or (until is not None and t >= until):
            continue
        if field.hot is not None:
            texts = _values(ev, field.path)
            lower = field.hot.case == "lower"
        else:
            outer: Any = ev
            for key in field.hot_list.path:  # type: ignore[union-attr]
                outer = outer.get(key) if isinstance(outer, dict) else None
            elements = outer if isinstance(outer, list) else []
            texts = [_values(e, field.hot_member.path)[0] for e in elements]  # type: ignore[union-attr]
            lower = field.hot_member.case == "lower"  # type: ignore[union-attr]
        counts.update(t.lower() if lower else t for t in texts if t is not None)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _ranges() -> list[tuple[datetime | None, datetime | None]]:
    plus = timezone(timedelta(hours=5, minutes=30))
    return [
        (None, None),
        (D0, D0 + timedelta(days=DAYS)),  # aligned
        (D0 + timedelta(hours=7, minutes=3), D0 + timedelta(days=5, hours=2)),  # both ends partial
        (None, D0 + timedelta(days=4, milliseconds=1)),
        (D0 + timedelta(days=2) - timedelta(milliseconds=1), None),
        (D0 + timedelta(days=3, hours=1), D0 + timedelta(days=3, hours=20)),  # no whole day: no rollup
        (datetime(2024, 3, 3, 0, 0, tzinfo=plus), datetime(2024, 3, 7, 5, 30, tzinfo=plus)),  # not UTC
    ]


def _check(store: DuckDBStore, kept: dict[str, dict[str, Any]], org: str = "o") -> int:
    """Every rolled-up path over every range: rollup == events == Python. Returns how many answers came
    from the rollup (so a test can tell it was used)."""
    used = 0
    for since, until in _ranges():
        q = SearchQuery(since=since, until=until)
        for path in PATHS:
            field = resolve(path)
            via = store._rollup.top_rows(store._cursor(), store._where, lambda d: d.astimezone(UTC).replace(
                tzinfo=None), org, q, field, 50)
            used += via is not None
            for limit in (8, 2):
                rolled = store.top_values(org, q, path, limit)
                plain = store.top_values(org, q, path, limit, rollup=False)
                assert rolled == plain, (path, since, until, limit)
                lower = (field.hot or field.hot_member).case == "lower"
                got = [(v.lower() if lower else v, n) for v, n in rolled]
                assert got == _expected(kept, path, since, until, limit), (path, since, until, limit)
    return used


def _rolled_rows(store: DuckDBStore) -> int:
    return int(store._cursor().execute("SELECT count(*) FROM rollup_daily").fetchall()[0][0])


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_answers_exactly_as_the_events_through_ingests_duplicates_and_retention(tmp_path, seed):
    rng = random.Random(seed)
    store = DuckDBStore(tmp_path)
    store._rollup.tail, store._rollup.min_pending = 23, 10  # roll up and compact often
    kept: dict[str, dict[str, Any]] = {}
    sent: list[dict[str, Any]] = []
    used = 0
    for round_ in range(6):
        for _ in range(rng.randint(3, 8)):
            batch = [_event(rng, _when(rng)) for _ in range(rng.randint(1, 40))]
            batch += rng.sample(sent, min(len(sent), rng.randint(0, 5)))  # re-sent: duplicates
            batch += batch[:2]  # repeated within the batch
            store.ingest("o", [validate_event(e) for e in batch])
            store.ingest("other", [validate_event(_event(rng, _when(rng)))])  # another org shares the tail
            for e in batch:
                kept.setdefault(e["uuid"], e)
            sent += batch
        if round_ in (2, 5):
            used += _check(store, kept)
    upto = store._cursor().execute("SELECT upto FROM rollup_state").fetchall()[0][0]
    assert 0 < upto < store.max_seq()  # some events rolled up, some still in the tail
    # compaction keeps each day within its distinct keys plus as many partial rows (or min_pending)
    days = store._cursor().execute(
        "SELECT count(*), count(DISTINCT (dim, v)) FROM rollup_daily GROUP BY org, day").fetchall()
    assert all(total - keys <= max(10, keys) for total, keys in days)
    assert sum(total for total, _ in days) > 1.2 * sum(keys for _, keys in days)  # partial rows do exist

    cutoff = D0 + timedelta(days=3, hours=11, minutes=17)
    store._rollup.tail = 10**9  # these stay in the tail: retention must not count them into the rollup
    batch = [_event(rng, cutoff + timedelta(minutes=m)) for m in (1, 50, 600)]
    store.ingest("o", [validate_event(e) for e in batch])
    kept.update((e["uuid"], e) for e in batch)
    dropped = store.delete_before("o", cutoff)
    gone = [u for u, e in kept.items() if _published(e) < cutoff]
    assert dropped == len(gone) > 0
    for u in gone:
        del kept[u]
    assert store._cursor().execute(
        "SELECT count(*) FROM rollup_daily WHERE org = 'o' AND day < ?", [cutoff.date()]).fetchall()[0][0] == 0
    used += _check(store, kept)
    store._rollup.tail = 23
    for _ in range(4):  # ingest after retention, some into the cutoff's day
        batch = [_event(rng, cutoff + timedelta(minutes=rng.randint(0, 3000))) for _ in range(15)]
        store.ingest("o", [validate_event(e) for e in batch])
        kept.update((e["uuid"], e) for e in batch)
    used += _check(store, kept)
    assert used > 0
    store.close()

    reopened = DuckDBStore(tmp_path)  # counts agree: nothing is rebuilt, the same answers
    assert reopened._rollup.ensure(reopened._cursor()) == []
    assert _check(reopened, kept) > 0
    reopened.close()


def test_the_rollup_is_read_not_recomputed(tmp_path):
    """Counts planted in the rollup show up in the answer: the whole days do come from it."""
    store = DuckDBStore(tmp_path)
    store._rollup.tail = 1
    evs = [make_event("a.b", when=D0 + timedelta(hours=h)) for h in range(0, 72, 5)]
    store.ingest("o", [validate_event(e) for e in evs])
    q = SearchQuery(since=D0, until=D0 + timedelta(days=3))
    assert store.top_values("o", q, "eventType") == [("a.b", len(evs))]
    store._cursor().execute("INSERT INTO rollup_daily VALUES ('o', ?, 'event_type', 'planted', 1000, 1)",
                            [(D0 + timedelta(days=1)).date()])
    assert store.top_values("o", q, "eventType") == [("planted", 1000), ("a.b", len(evs))]
    assert store.top_values("o", q, "eventType", rollup=False) == [("a.b", len(evs))]
    # a range with no whole day is grouped from the events
    part = SearchQuery(since=D0 + timedelta(days=1, hours=1), until=D0 + timedelta(days=1, hours=23))
    assert store.top_values("o", part, "eventType")[0][0] == "a.b"
    # a filter bypasses the rollup
    from glasslog.query import parse_filter

    flt = SearchQuery(filter=parse_filter('eventType eq "a.b"'), since=q.since, until=q.until)
    assert store.top_values("o", flt, "eventType") == [("a.b", len(evs))]
    store.close()


def test_a_store_made_without_the_rollup_gets_it_built_on_open(tmp_path, monkeypatch):
    rng = random.Random(5)
    store = DuckDBStore(tmp_path)
    kept: dict[str, dict[str, Any]] = {}
    for _ in range(5):
        batch = [_event(rng, _when(rng)) for _ in range(60)]
        store.ingest("o", [validate_event(e) for e in batch])
        kept.update((e["uuid"], e) for e in batch)
    rows = store._rollup.table  # the table of event rows, written to directly below
    store.close()
    con = duckdb.connect(str(tmp_path / "glasslog.duckdb"))
    for table in ("rollup_daily", "rollup_dims", "rollup_state"):
        con.execute(f"DROP TABLE {table}")
    con.close()

    store = DuckDBStore(tmp_path)
    assert _rolled_rows(store) > 0
    assert store._cursor().execute("SELECT upto FROM rollup_state").fetchall() == [(store.max_seq(),)]
    assert _check(store, kept) > 0
    store.close()

    # events deleted by a glasslog that did not keep the rollup: the counts disagree, it is rebuilt
    con = duckdb.connect(str(tmp_path / "glasslog.duckdb"))
    (uid,) = con.execute(f"SELECT uuid FROM {rows} ORDER BY seq LIMIT 1").fetchone()
    con.execute(f"DELETE FROM {rows} WHERE uuid = ?", [uid])
    # and a dim a newer glasslog adds is built for the old events
    con.execute("DELETE FROM rollup_daily WHERE dim = 'event_type'")
    con.execute("DELETE FROM rollup_dims WHERE dim = 'event_type'")
    con.close()
    del kept[uid]
    store = DuckDBStore(tmp_path)
    assert _check(store, kept) > 0
    store.close()

    # rows copied inside DuckDB (as bench_detect scales a store) are a tail, rolled up on the next open
    con = duckdb.connect(str(tmp_path / "glasslog.duckdb"))
    top = con.execute(f"SELECT max(seq) FROM {rows}").fetchone()[0]
    cols = [r[0] for r in con.execute(f"DESCRIBE {rows}").fetchall()]
    exprs = [f"seq + {top}" if c == "seq" else "uuid || '-copy'" if c == "uuid" else f'"{c}"' for c in cols]
    con.execute(f"INSERT INTO {rows} SELECT {', '.join(exprs)} FROM {rows} WHERE seq % 3 = 0")
    copied = con.execute(f"SELECT uuid FROM {rows} WHERE uuid LIKE '%-copy'").fetchall()
    con.close()
    kept.update((u, kept[u.removesuffix("-copy")]) for (u,) in copied)
    monkeypatch.setattr(duckdb_rollup, "TAIL", 1)
    store = DuckDBStore(tmp_path)
    assert store._cursor().execute("SELECT upto FROM rollup_state").fetchall() == [(top + top // 3 * 3,)]
    assert _check(store, kept) > 0
    store.close()


def test_whole_days_of_a_range():
    d = datetime(2024, 1, 1)
    assert duckdb_rollup.whole_days(d, d + timedelta(days=2)) == (d.date(), (d + timedelta(days=2)).date())
    assert duckdb_rollup.whole_days(d + timedelta(microseconds=1), d + timedelta(days=2, hours=1)) == (
        (d + timedelta(days=1)).date(), (d + timedelta(days=2)).date())
    assert duckdb_rollup.whole_days(d + timedelta(hours=1), d + timedelta(days=1, hours=23)) is None
    assert duckdb_rollup.whole_days(d, d) is None
    assert duckdb_rollup.whole_days(d + timedelta(days=3), d) is None  # an empty range
    assert duckdb_rollup.whole_days(None, None) == (None, None)
    assert duckdb_rollup.whole_days(datetime(9999, 12, 31, 5), None) is None

