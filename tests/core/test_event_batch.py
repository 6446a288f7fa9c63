"""The columnar batch a bulk import hands the store (EventBatch), its compression ahead of the store (`prepare`),
and what the store does with both: every event must come back with its own JSON, whatever the batch's order,
repeats, chunking, or a dictionary taken up between `prepare` and `ingest`."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import orjson
import pyarrow as pa
import pytest
from tests.conftest import make_event

from glasslog.events.validate import validate_event
from glasslog.store import base, event_json
from glasslog.store.base import EventBatch, SearchQuery
from glasslog.store.duckdb_store import DuckDBStore

T0 = datetime(2024, 3, 1, tzinfo=UTC)
EVERYTHING = SearchQuery(since=datetime(2000, 1, 1, tzinfo=UTC), until=datetime(2100, 1, 1, tzinfo=UTC),
                         limit=None)


def valid(events: list[dict]) -> list:
    out = []
    for i, ev in enumerate(events):
        line = orjson.dumps(ev)
        out.append(validate_event(orjson.loads(line), i, line, keep=False))
    return out


def shuffled_events(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    events = [make_event(when=T0 + timedelta(seconds=rng.uniform(0, 86400)), displayMessage=f"message {i}")
              for i in range(n)]
    rng.shuffle(events)
    return events


def stored(store: DuckDBStore, org: str = "acme") -> dict[str, dict]:
    return {e.uuid: orjson.loads(e.raw) for e in store.iter_search(org, EVERYTHING)}


def test_batch_keeps_each_text_with_its_event_across_chunks(monkeypatch):
    monkeypatch.setattr(base, "TEXT_CHUNK", 7)
    events = valid(shuffled_events(30, seed=1))
    batch = EventBatch()
    for ev in events[:12]:
        batch.add(ev)
    batch.seal()  # sealing halfway, then adding more, must not lose or move texts
    for ev in events[12:]:
        batch.add(ev)
    assert batch.text_column().num_chunks == 5  # 7 + 5 (sealed early) + 7 + 7 + 4
    assert [(e.uuid, e.raw, e.published) for e in batch.events()] == [(e.uuid, e.raw, e.published)
                                                                      for e in events]
    want = [(e.published - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) for e in events]
    assert batch.times().cast(pa.int64()).to_pylist() == want


@pytest.mark.parametrize("n", [5, 700])  # below and above the size where zstd runs on two threads
def test_compressed_frames_decompress_to_their_own_texts(n):
    codec = event_json.Codec({event_json.GENERIC_ID: event_json.generic_dictionary()})
    batch = EventBatch.of(valid(shuffled_events(n, seed=n)))
    texts = batch.text_column()
    frames = codec.compress(texts, event_json.GENERIC_ID)
    assert len(frames) == n
    got = [codec.decompress(event_json.GENERIC_ID, f) for f in frames.to_pylist()]
    assert got == texts.cast(pa.large_binary()).to_pylist()


def test_prepared_batch_with_repeats_and_disorder_stores_each_event_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "TEXT_CHUNK", 64)
    events = valid(shuffled_events(400, seed=3))
    repeats = [events[5], events[77], events[5]]  # a uuid repeated inside the batch: the first one stays
    store = DuckDBStore(tmp_path / "d")
    try:
        before = store.ingest("acme", valid(shuffled_events(50, seed=4)) + [events[300]])  # one is stored already
        assert before.accepted == 51
        batch = EventBatch.of(events + repeats)
        store.prepare(batch)
        assert batch.frames is not None
        result = store.ingest("acme", batch)
        assert (result.accepted, result.duplicates) == (399, 4)
        kept = stored(store)
        for ev in events:
            assert kept[ev.uuid] == orjson.loads(ev.raw)
        # persistence order follows `published` within the batch (the rows were reordered with their frames)
        fresh = sorted((e for e in store.iter_search("acme", EVERYTHING) if e.seq > before.last_seq),
                       key=lambda e: e.seq)
        assert [e.published for e in fresh] == sorted(e.published for e in fresh)
    finally:
        store.close()


def test_a_dictionary_taken_up_after_prepare_compresses_again(tmp_path):
    store = DuckDBStore(tmp_path / "d")
    try:
        store._train_after = 100  # noqa: SLF001 - train on the first batch instead of after 10,000 events
        store.ingest("acme", valid(shuffled_events(3000, seed=5)))
        training = store._training  # noqa: SLF001
        assert training is not None and training.wait(60)
        events = valid(shuffled_events(300, seed=6))
        batch = EventBatch.of(events)
        store.prepare(batch)  # still with the generic dictionary: the trained one is taken up by the next ingest
        assert batch.frames is not None and batch.frames[0] == event_json.GENERIC_ID
        store.ingest("acme", batch)
        numbers = {n for (n,) in store.sql("acme", EVERYTHING, "DISTINCT zdict")}
        assert numbers == {event_json.GENERIC_ID, event_json.GENERIC_ID + 1}
        kept = stored(store)
        for ev in events:
            assert kept[ev.uuid] == orjson.loads(ev.raw)
        written = {u: n for u, n in store.sql("acme", EVERYTHING, "uuid, zdict")}
        assert {written[e.uuid] for e in events} == {event_json.GENERIC_ID + 1}
    finally:
        store.close()
