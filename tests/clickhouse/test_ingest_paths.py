"""The two ways ingest fills the hot columns (clickhouse_rows): ClickHouse's DEFAULT expressions over the raw
JSON for ordinary events, Python for the rest. Whatever the path, every column must hold what the Python
derivation gives; and stores made before the DEFAULTs existed (schema 1) must still open."""

from __future__ import annotations

import random
import sys
import unicodedata
import uuid as _uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from tests.conftest import make_event, sample_events

from glasslog.errors import GlasslogError
from glasslog.events.validate import validate_event
from glasslog.query import matches
from glasslog.query.parser import parse_filter
from glasslog.store.base import SearchQuery, ValidEvent
from glasslog.store.clickhouse import ClickHouseStore, open_clickhouse
from glasslog.store.clickhouse_exec import ChdbExecutor
from glasslog.store.clickhouse_rows import event_table, needs_python
from glasslog.store.clickhouse_schema import SCHEMA_VERSION, hot_defaults
from glasslog.store.columns import JOINED, LISTS, SCALARS

HERE = Path(__file__).resolve().parent
T0 = datetime(2024, 8, 13, 15, 0, tzinfo=UTC)
WIDE = SearchQuery(since=datetime(2000, 1, 1, tzinfo=UTC), until=datetime(2100, 1, 1, tzinfo=UTC), limit=None)
COLUMNS = [c.column for c in SCALARS] + [lst.column for lst in LISTS] + ["lat", "lon", "raw", "published",
                                                                          "expires"] + [j.column for j in JOINED]


def valid(ev: dict[str, Any]) -> ValidEvent:
    checked = validate_event(ev)
    assert isinstance(checked, ValidEvent), checked
    return checked


def fresh(n: int, seed: int) -> list[ValidEvent]:
    """Copies of the real sample events under new uuids."""
    rng = random.Random(seed)
    base = sample_events()
    out = []
    for i in range(n):
        ev = dict(base[i % len(base)])
        ev["uuid"] = str(_uuid.UUID(int=rng.getrandbits(128)))
        out.append(valid(ev))
    return out


def stored(store: ClickHouseStore) -> dict[str, tuple[Any, ...]]:
    """uuid → every derived column, as read back (None for a column an old, unupgraded table lacks)."""
    have = store._columns  # noqa: SLF001
    cols = ", ".join(f"`{c}`" if have is None or c in have else "NULL" for c in COLUMNS)
    rows = store._rows(f"SELECT {cols} FROM {store.events}")  # noqa: SLF001
    return {r[0]: tuple(r) for r in rows}


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    """Two stores in one chdb engine: `fast` derives in ClickHouse where it can, `slow` always in Python."""
    x = ChdbExecutor(str(tmp_path / "ch"))
    fast = ClickHouseStore(x, db="fast", single_writer=True)
    slow = ClickHouseStore(x, db="slow", single_writer=True)
    slow._derive = False  # noqa: SLF001 - the Python path, as a schema-1 store would use
    assert fast._derive  # noqa: SLF001
    yield fast, slow
    x.close()


# -- values at hot paths ----------------------------------------------------------------------------------------

PLAIN = ["x", "", "MiXeD Case", "Élodie Ünal", "ΑΣ ΌΣΟΣ.", "İstanbul", "ǅ ẞ ﬃ", "emoji 😀", "tab\there",
         'quote " back \\ slash /', "nul\x00char", "line\nbreak", None, True, False, 0, -12, 7, 10**17, -(10**17)]
ODD = [1.5, 2.0, -0.0, 1e300, 10**18, 2**63 - 1, -(2**63), {}, {"a": [1, 2.5]}, [], ["x"], [1, 2],
       "\ua7cb unassigned in 3.11"]
COORDS_PLAIN = [37.775, -122.419, 0, -0.0, 12, 1e-7, None]
COORDS_ODD = ["1.5", True, False, {}, [1], 2**60]


def _put(obj: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        nxt = obj.get(key)
        if not isinstance(nxt, dict):
            nxt = obj[key] = {}
        obj = nxt
    obj[path[-1]] = value


def _varied(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Events whose hot paths hold values of every kind (most plain, some odd, some paths missing), with
    intermediate objects sometimes replaced by other values and list elements of every shape."""
    out = []
    base = sample_events()
    scalar_paths = [c.path for c in SCALARS if c.column != "uuid"]
    for i in range(n):
        ev = orjson.loads(orjson.dumps(base[i % len(base)]))
        ev["uuid"] = str(_uuid.UUID(int=rng.getrandbits(128)))
        ev["published"] = (T0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        odd = rng.random() < 0.3
        for path in rng.sample(scalar_paths, 6):
            if path == ("eventType",):
                continue  # validation needs a non-empty string
            _put(ev, path, rng.choice(ODD if odd and rng.random() < 0.3 else PLAIN))
        for key in ("lat", "lon"):
            _put(ev, ("client", "geographicalContext", "geolocation", key),
                 rng.choice(COORDS_ODD if odd and rng.random() < 0.5 else COORDS_PLAIN))
        elements: list[Any] = [{"id": rng.choice(PLAIN), "type": rng.choice(PLAIN), "displayName": rng.choice(PLAIN)},
                               {"alternateId": rng.choice(PLAIN)}, "scalar", 5, None]
        if odd:
            elements += [[1, 2], {"id": rng.choice(ODD)}]
        chosen = rng.sample(elements[1:], rng.randint(0, len(elements) - 1))
        if rng.random() < 0.8:  # usually with an element that has a string member (see needs_python)
            elements[0]["alternateId"] = rng.choice(["x", "ÉLODIE"])
            chosen.insert(rng.randint(0, len(chosen)), elements[0])
        ev["target"] = chosen
        ip = rng.choice(["10.0.0.1", "FE80::1"]) if rng.random() < 0.8 else rng.choice(PLAIN)
        ev["request"] = {"ipChain": [{"ip": ip,
                                      "geographicalContext": rng.choice([{"city": rng.choice(PLAIN)}, None])}]}
        if rng.random() < 0.1:  # an intermediate that is not an object
            ev[rng.choice(["actor", "client", "outcome", "debugContext", "securityContext"])] = rng.choice(
                [None, "text", 5, [1, 2], True])
        if rng.random() < 0.05:
            ev[rng.choice(["target", "request"])] = rng.choice([None, {}, "text", {"ipChain": {"ip": "1"}}])
        out.append(ev)
    return out


def test_both_paths_store_the_same_columns(pair: Any) -> None:
    fast, slow = pair
    rng = random.Random(7)
    docs = _varied(rng, 600)
    docs += [make_event(uuid=str(_uuid.uuid4()), displayMessage=5, severity=None,
                        actor={"id": 12, "type": {"a": [1, 2.5]}, "alternateId": True, "displayName": "É x"},
                        target=[{"id": "t1", "type": "User"}, "junk", {"displayName": 1.5}],
                        request={"ipChain": {"not": "a list"}})]
    batch = [valid(d) for d in docs]
    routed = [needs_python(e) for e in batch]
    assert 50 < sum(routed) < len(batch) - 300  # both paths are exercised
    for i in range(0, len(batch), 200):  # several batches, each mixing both paths
        fast.ingest("acme", batch[i:i + 200])
        slow.ingest("acme", batch[i:i + 200])
    got, want = stored(fast), stored(slow)
    assert len(got) == len(batch)
    differ = [(COLUMNS[i], a, b) for u in got for i, (a, b) in enumerate(zip(got[u], want[u], strict=True)) if a != b]
    assert differ == []
    # and the Python derivation is what clickhouse_rows computes (the reference both are held to)
    table = event_table("acme", batch[:50], list(range(50)), 0)
    for col in ("event_type", "actor_id", "actor_display_name", "client_city", "lat"):
        for ev, value in zip(batch[:50], table.column(col).to_pylist(), strict=True):
            assert got[ev.uuid][COLUMNS.index(col)] == value, (col, ev.raw)


def test_ordinary_events_go_to_clickhouse_and_odd_ones_to_python() -> None:
    for ev in sample_events():
        assert not needs_python(valid(ev)), ev
    odd = [
        {"displayMessage": 1.5}, {"severity": {}}, {"actor": {"id": [1]}}, {"actor": {"id": 10**18}},
        {"actor": [1, 2]}, {"actor": "someone"}, {"target": [{"id": "a"}, [1, 2]]}, {"target": {"id": "a"}},
        {"request": {"ipChain": "x"}}, {"client": {"geographicalContext": {"geolocation": {"lat": "1.5"}}}},
        {"client": {"geographicalContext": {"geolocation": {"lon": True}}}},
        {"client": {"geographicalContext": {"city": "\ua7cb"}}},  # a character Python 3.11 does not know
        {"debugContext": {"debugData": {"requestId": {"a": 1}}}},
    ]
    for fields in odd:
        ev = valid(make_event(**fields))
        assert needs_python(ev), fields
        assert needs_python(ValidEvent({}, ev.raw, ev.uuid, ev.published)), fields  # bulk import: text only
    for depth, routed in ((30, False), (300, True)):  # nesting elsewhere is fine, up to a depth far below
        template = orjson.dumps(make_event(debugContext={"debugData": {"x": "DEEP"}}))  # both parsers' limits
        raw = template.replace(b'"DEEP"', b"[" * depth + b"]" * depth)
        ev = validate_event(orjson.loads(raw), raw=raw)
        assert isinstance(ev, ValidEvent) and needs_python(ev) is routed


def test_lower_utf8_lowers_every_known_character_as_python_does(tmp_path: Path) -> None:
    """needs_python sends an event to Python only for characters Python's Unicode tables do not know: that is
    sound only while ClickHouse's lowerUTF8 agrees with str.lower on every other character (and context)."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) not in ("Cn", "Cs")]
    words = chars + ["ΑΣ", "ΑΣ.", "ΣΑ", "ΌΣΟΣ ΟΣ", "aΣb", "İI", "ǅǄ"]
    store = open_clickhouse(f"chdb://{tmp_path / 'ch'}")
    try:
        store.x.command("CREATE TABLE glasslog.words (i UInt32, w String) ENGINE = Memory")
        store.x.insert_arrow("glasslog.words", pa.table({"i": pa.array(range(len(words)), pa.uint32()),
                                                         "w": pa.array(words, pa.string())}))
        rows = store._rows("SELECT i, lowerUTF8(w) FROM glasslog.words ORDER BY i")  # noqa: SLF001
    finally:
        store.close()
    assert len(rows) == len(words)
    differ = [(words[i], low) for i, low in rows if words[i].lower() != low]
    assert differ == []


# -- schema versions ------------------------------------------------------------------------------------------


def _v1_store(path: Path, events: list[ValidEvent]) -> None:
    """A chdb directory as the glasslog before schema versions left it: its DDL, rows built in Python."""
    x = ChdbExecutor(str(path))
    try:
        for stmt in (HERE / "schema_v1.sql").read_text().split(";"):
            body = "\n".join(line for line in stmt.splitlines() if not line.startswith("--")).strip()
            if body:
                x.command(body)
        table = event_table("acme", events, [(i + 1) << 10 for i in range(len(events))], 0)
        # the columns schema 1 had (hot columns added since, such as privilege_granted, are not in it)
        have = set(x.arrow("SELECT name FROM system.columns WHERE database = 'glasslog' "
                           "AND table = 'events'").column("name").to_pylist())
        x.insert_arrow("`glasslog`.`events`", table.select([n for n in table.column_names if n in have]))
    finally:
        x.close()


def test_a_schema_1_store_opens_and_is_upgraded(tmp_path: Path) -> None:
    old = fresh(20, 1)
    _v1_store(tmp_path / "ch", old)
    store = open_clickhouse(f"chdb://{tmp_path / 'ch'}")
    try:
        assert store._derive  # noqa: SLF001
        comment = store._scalar("SELECT comment FROM system.tables WHERE database = 'glasslog' "  # noqa: SLF001
                                "AND name = 'events'")
        assert comment == f"glasslog events schema {SCHEMA_VERSION}"
        kinds = dict(store._rows("SELECT name, default_kind FROM system.columns "  # noqa: SLF001
                                 "WHERE database = 'glasslog' AND table = 'events'"))
        assert all(kinds[c] == "DEFAULT" for c in hot_defaults())
        new = fresh(20, 2)
        assert all(not needs_python(e) for e in new)
        result = store.ingest("acme", new + old[:3])
        assert (result.accepted, result.duplicates) == (len(new), 3)
        page = store.search("acme", WIDE)
        assert {e.uuid for e in page.events} == {e.uuid for e in old + new}
        # parts written before `ip_chain_ips` existed compute it from `ip_chain` when read: the prefilter finds them
        ip = orjson.loads(old[0].raw)["request"]["ipChain"][0]["ip"]
        chained = SearchQuery(filter=parse_filter(f'request.ipChain.ip eq "{ip.upper()}"'), since=WIDE.since,
                              until=WIDE.until, limit=None)
        want = {e.uuid for e in old + new if matches(chained.filter, orjson.loads(e.raw))}
        assert old[0].uuid in want and {e.uuid for e in store.search("acme", chained).events} == want
        # the new rows' hot columns came from ClickHouse and equal the Python derivation the old rows have
        table = event_table("acme", new, list(range(len(new))), 0)
        got = stored(store)
        for col in ("event_type", "actor_alternate_id", "targets", "client_ip", "lat", "ip_chain_ips"):
            want = table.column(col).to_pylist()
            for ev, value in zip(new, want, strict=True):
                have = got[ev.uuid][COLUMNS.index(col)]
                if col == "targets":
                    have = [dict(t) if not isinstance(t, dict) else t for t in have]
                assert have == value, col
    finally:
        store.close()


def test_a_schema_1_store_not_upgraded_keeps_the_python_path(tmp_path: Path) -> None:
    _v1_store(tmp_path / "ch", fresh(5, 1))
    store = ClickHouseStore(ChdbExecutor(str(tmp_path / "ch")), single_writer=True, create=False)
    try:
        assert not store._derive  # noqa: SLF001 - no DEFAULTs: ClickHouse would fill NULLs
        new = fresh(10, 2)
        store.ingest("acme", new)
        table = event_table("acme", new, list(range(len(new))), 0)
        got = stored(store)
        for ev, value in zip(new, table.column("event_type").to_pylist(), strict=True):
            assert value is not None and got[ev.uuid][COLUMNS.index("event_type")] == value
    finally:
        store.close()


def test_the_upgrade_script_takes_a_schema_1_store_to_this_version(tmp_path: Path) -> None:
    """`glasslog clickhouse ddl --upgrade`, for nodes that run with create=0."""
    from typer.testing import CliRunner

    from glasslog.cli import app

    _v1_store(tmp_path / "ch", fresh(5, 1))
    result = CliRunner().invoke(app, ["clickhouse", "ddl", "--upgrade"])
    assert result.exit_code == 0, result.output
    x = ChdbExecutor(str(tmp_path / "ch"))
    for stmt in result.output.split(";"):
        body = "\n".join(line for line in stmt.splitlines() if not line.startswith("--")).strip()
        if body:
            x.command(body)
    store = ClickHouseStore(x, single_writer=True, create=False)
    try:
        assert store._derive  # noqa: SLF001
        new = fresh(5, 2)
        store.ingest("acme", new)
        got = stored(store)
        table = event_table("acme", new, list(range(len(new))), 0)
        for ev, value in zip(new, table.column("actor_alternate_id").to_pylist(), strict=True):
            assert value is not None and got[ev.uuid][COLUMNS.index("actor_alternate_id")] == value
        assert store.event_count("acme") == 10
    finally:
        store.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    open_clickhouse(f"chdb://{tmp_path / 'ch'}").close()
    x = ChdbExecutor(str(tmp_path / "ch"))
    x.command(f"ALTER TABLE glasslog.events MODIFY COMMENT 'glasslog events schema {SCHEMA_VERSION + 1}'")
    x.close()
    with pytest.raises(GlasslogError, match=f"schema {SCHEMA_VERSION + 1}, newer"):
        open_clickhouse(f"chdb://{tmp_path / 'ch'}")
