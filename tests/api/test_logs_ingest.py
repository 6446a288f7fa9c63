"""POST /api/v1/logs: body shapes, encodings, limits, partial rejection, group commit."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from tests.api.conftest import Api, build_api, ndjson
from tests.conftest import make_event

from glasslog.api.group_commit import GroupCommitter
from glasslog.events.validate import validate_event


def stored(api: Api, org: str = "acme") -> list[dict]:
    # the API acknowledges journaled events; this reads the store directly, behind the API's visibility wait
    assert api.client.app.state.committer.settle(timeout=30)
    return api.log.search(org=org, since=datetime(2000, 1, 1, tzinfo=UTC), limit=None)


def test_json_array_and_ndjson(api: Api) -> None:
    a, b = [make_event() for _ in range(3)], [make_event() for _ in range(4)]
    r = api.client.post("/api/v1/logs", content=orjson.dumps(a), headers=api.h(**{"Content-Type":
                                                                                   "application/json"}))
    assert r.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    r = api.client.post("/api/v1/logs", content=ndjson(b),
                        headers=api.h(**{"Content-Type": "application/x-ndjson; charset=utf-8"}))
    assert r.json() == {"accepted": 4, "duplicates": 0, "rejected": []}
    assert {e["uuid"]: e for e in stored(api)} == {e["uuid"]: e for e in a + b}


def test_gzip_with_and_without_header(api: Api) -> None:
    a, b = [make_event()], [make_event()]
    r = api.client.post("/api/v1/logs", content=gzip.compress(ndjson(a)),
                        headers=api.h(**{"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}))
    assert r.status_code == 200 and r.json()["accepted"] == 1
    r = api.client.post("/api/v1/logs", content=gzip.compress(orjson.dumps(b)),
                        headers=api.h(**{"Content-Type": "application/json"}))
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_duplicates_are_reported_and_not_stored_twice(api: Api) -> None:
    events = [make_event() for _ in range(5)]
    hdr = api.h(**{"Content-Type": "application/x-ndjson"})
    assert api.client.post("/api/v1/logs", content=ndjson(events), headers=hdr).json()["accepted"] == 5
    r = api.client.post("/api/v1/logs", content=ndjson(events + events[:1] + [make_event()]), headers=hdr)
    assert r.json() == {"accepted": 1, "duplicates": 6, "rejected": []}
    assert len(stored(api)) == 6


def test_invalid_records_rejected_by_index_valid_ones_stored(api: Api) -> None:
    good = make_event()
    no_uuid = make_event()
    del no_uuid["uuid"]
    bad_time = make_event(published="yesterday")
    body = ndjson([good]) + b"{not json\n" + ndjson([no_uuid, bad_time]) + b"[1,2]\n"
    r = api.client.post("/api/v1/logs", content=body, headers=api.h(**{"Content-Type": "application/x-ndjson"}))
    assert r.status_code == 200
    doc = r.json()
    assert doc["accepted"] == 1 and doc["duplicates"] == 0
    assert [x["index"] for x in doc["rejected"]] == [1, 2, 3, 4]
    assert "uuid" in doc["rejected"][1]["errorSummary"] and "published" in doc["rejected"][2]["errorSummary"]
    assert [e["uuid"] for e in stored(api)] == [good["uuid"]]


@pytest.mark.parametrize("body,ctype", [
    (b'[{"uuid": "x", "published": "2024-01-01T00:00:00.000Z", "eventType": "a.b"}, {broken', "application/json"),
    (b"", "application/json"),
    (b"   \n", "application/x-ndjson"),
    (b'"just a string"', "application/json"),
    (b"\x1f\x8b\x08\x00garbage", "application/json"),
])
def test_unparseable_body_is_400_and_stores_nothing(api: Api, body: bytes, ctype: str) -> None:
    r = api.client.post("/api/v1/logs", content=body, headers=api.h(**{"Content-Type": ctype}))
    assert r.status_code == 400, r.text
    assert r.json()["errorCode"] in ("E0000003", "E0000001")
    assert stored(api) == []


def test_bad_gzip_declared(api: Api) -> None:
    r = api.client.post("/api/v1/logs", content=b"not gzip at all",
                        headers=api.h(**{"Content-Type": "application/json", "Content-Encoding": "gzip"}))
    assert r.status_code == 400 and r.json()["errorCode"] == "E0000003"
    truncated = gzip.compress(ndjson([make_event()]))[:-10]
    r = api.client.post("/api/v1/logs", content=truncated,
                        headers=api.h(**{"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}))
    assert r.status_code == 400 and stored(api) == []


@pytest.mark.parametrize("headers", [
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "application/xml"},
    {"Content-Type": "application/json", "Content-Encoding": "br"},
])
def test_wrong_content_types_are_415(api: Api, headers: dict) -> None:
    r = api.client.post("/api/v1/logs", content=ndjson([make_event()]), headers=api.h(**headers))
    assert r.status_code == 415, r.text
    assert r.json()["errorCode"] == "E0000001" and stored(api) == []


def test_size_limit_413_plain_streamed_and_gzip_bomb(tmp_path) -> None:
    gen = build_api(tmp_path, max_body_bytes=4096)
    api = next(gen)
    hdr = api.h(**{"Content-Type": "application/x-ndjson"})
    small = ndjson([make_event()])
    assert api.client.post("/api/v1/logs", content=small, headers=hdr).status_code == 200
    big = ndjson([make_event() for _ in range(40)])
    r = api.client.post("/api/v1/logs", content=big, headers=hdr)
    assert r.status_code == 413 and r.json()["errorCode"] == "E0000093"

    def chunks():  # no Content-Length: the limit is found while streaming
        for i in range(0, len(big), 1000):
            yield big[i:i + 1000]

    r = api.client.post("/api/v1/logs", content=chunks(), headers=hdr)
    assert r.status_code == 413
    bomb = gzip.compress(b" " * 2_000_000 + small, 9)
    assert len(bomb) < 4096
    r = api.client.post("/api/v1/logs", content=bomb, headers={**hdr, "Content-Encoding": "gzip"})
    assert r.status_code == 413 and r.json()["errorCode"] == "E0000093"
    assert len(stored(api)) == 1
    next(gen, None)


def test_roles_for_writing(api: Api) -> None:
    body = ndjson([make_event()])
    hdr = {"Content-Type": "application/x-ndjson"}
    r = api.client.post("/api/v1/logs", content=body, headers=api.h("READ_ONLY_ADMIN", **hdr))
    assert r.status_code == 403 and r.json()["errorCode"] == "E0000006"
    r = api.client.post("/api/v1/logs", content=body, headers=api.h("INGEST", **hdr))
    assert r.status_code == 200
    r = api.client.post("/api/v1/logs", content=body, headers=hdr)
    assert r.status_code == 401 and r.json()["errorCode"] == "E0000011"
    # INGEST cannot read
    r = api.client.get("/api/v1/logs", headers=api.h("INGEST"))
    assert r.status_code == 403 and r.json()["errorCode"] == "E0000006"


def test_events_go_to_the_tokens_org_only(api: Api) -> None:
    ev = make_event()
    api.client.post("/api/v1/logs", content=ndjson([ev]), headers=api.h("OTHER", **{"Content-Type":
                                                                                      "application/x-ndjson"}))
    assert stored(api, "acme") == [] and [e["uuid"] for e in stored(api, "globex")] == [ev["uuid"]]


def _valid(events):
    return [validate_event(e, i) for i, e in enumerate(events)]


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_group_commit_merges_requests_and_attributes_results(tmp_path, backend: str) -> None:
    import glasslog

    # Each request's share comes from the store's own answer (which uuids it already held), on both backends.
    log = glasslog.open(tmp_path / "d" if backend == "duckdb" else f"chdb://{tmp_path / 'ch'}?lag=60")
    existing = [make_event() for _ in range(3)]
    log.ingest(existing, org="acme")
    fresh = [make_event() for _ in range(10)]
    committer = GroupCommitter(log, linger_ms=300)
    try:
        a = _valid(fresh[:6])                          # 6 new
        b = _valid(fresh[4:] + existing[:2])           # 4 new, 2 overlap a, 2 pre-existing
        c = _valid(existing)                           # all pre-existing
        d = _valid([make_event() for _ in range(2)])   # another org
        futures = [committer.submit("acme", a), committer.submit("acme", b), committer.submit("acme", c),
                   committer.submit("globex", d)]
        results = [f.result(timeout=10) for f in futures]
        assert [(r.accepted, r.duplicates) for r in results] == [(6, 0), (4, 4), (0, 3), (2, 0)]
        assert committer.commits == 2  # one per org, four requests
        assert log.store.event_count("acme") == 13
    finally:
        committer.close()
        log.close()


def test_concurrent_posts_all_committed(api: Api) -> None:
    batches = [[make_event(when=datetime.now(UTC) - timedelta(minutes=i)) for _ in range(50)] for i in range(8)]
    results: list[dict] = []

    def worker(batch: list[dict]) -> None:
        r = api.client.post("/api/v1/logs", content=ndjson(batch), headers=api.h(**{"Content-Type":
                                                                                      "application/x-ndjson"}))
        results.append(r.json())

    threads = [threading.Thread(target=worker, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["accepted"] for r in results) == 400
    assert len(stored(api)) == 400
