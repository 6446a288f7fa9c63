"""GET /api/v1/logs: bounded and polling semantics, links, cursors, parameters (reference §2, §5)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from tests.api.conftest import Api, build_api, ndjson
from tests.conftest import make_event

NOW = datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def post(api: Api, events: list[dict], role: str = "SUPER_ADMIN") -> dict:
    r = api.client.post("/api/v1/logs", content=ndjson(events),
                        headers=api.h(role, **{"Content-Type": "application/x-ndjson"}))
    assert r.status_code == 200, r.text
    return r.json()


def links(resp) -> list[tuple[str, str]]:
    out = []
    for value in resp.headers.get_list("link"):
        m = re.fullmatch(r'<([^>]+)>; rel="(\w+)"', value)
        assert m, value
        out.append((m.group(2), m.group(1)))
    return out


def next_url(resp) -> str | None:
    rels = dict(links(resp))
    return rels.get("next")


def follow(api: Api, url: str, role: str = "SUPER_ADMIN", max_pages: int = 100) -> tuple[list[dict], list]:
    """All pages of a bounded query; returns events and the responses."""
    events, responses = [], []
    while url and len(responses) < max_pages:
        r = api.client.get(url, headers=api.h(role))
        assert r.status_code == 200, r.text
        responses.append(r)
        events += r.json()
        url = next_url(r)
    return events, responses


def spread(n: int, start: datetime, step: timedelta = timedelta(seconds=7)) -> list[dict]:
    return [make_event(when=start + i * step, eventType=f"test.event.n{i % 3}") for i in range(n)]


def test_bounded_pages_cover_every_event_once_in_order(api: Api) -> None:
    events = spread(250, NOW - timedelta(hours=2))
    assert post(api, events)["accepted"] == 250
    since, until = iso(NOW - timedelta(hours=3)), iso(NOW)
    got, responses = follow(api, f"/api/v1/logs?since={since}&until={until}&limit=100")
    assert [e["uuid"] for e in got] == [e["uuid"] for e in sorted(events, key=lambda e: (e["published"],
                                                                                            e["uuid"]))]
    assert len(responses) == 3
    assert [r for r, _ in links(responses[0])] == ["self", "next"]
    assert [r for r, _ in links(responses[-1])] == ["self"]  # last page: no next
    # JSON-equal to what was posted
    posted = {e["uuid"]: e for e in events}
    assert all(posted[e["uuid"]] == e for e in got)


def test_next_link_repeats_the_query_and_adds_after(api: Api) -> None:
    post(api, spread(5, NOW - timedelta(hours=1)))
    since, until = iso(NOW - timedelta(hours=2)), iso(NOW)
    r = api.client.get("/api/v1/logs", params={"since": since, "until": until, "limit": "2",
                                               "filter": 'eventType sw "test."'}, headers=api.h())
    assert r.status_code == 200, r.text
    (rel_self, self_url), (rel_next, nxt) = links(r)
    assert (rel_self, rel_next) == ("self", "next")
    q = parse_qs(urlsplit(nxt).query)
    assert q["since"] == [since] and q["until"] == [until] and q["limit"] == ["2"]
    assert q["filter"] == ['eventType sw "test."'] and len(q["after"]) == 1
    assert "after" not in parse_qs(urlsplit(self_url).query)


def test_descending_without_until_is_bounded(api: Api) -> None:
    events = spread(30, NOW - timedelta(hours=1))
    post(api, events)
    got, responses = follow(api, "/api/v1/logs?sortOrder=DESCENDING&limit=7")
    assert [e["uuid"] for e in got] == [e["uuid"] for e in sorted(events, key=lambda e: (e["published"],
                                                                                            e["uuid"]),
                                                                   reverse=True)]
    assert next_url(responses[-1]) is None


def test_default_since_is_seven_days_before_until(api: Api) -> None:
    old = make_event(when=NOW - timedelta(days=8))
    recent = make_event(when=NOW - timedelta(days=6))
    post(api, [old, recent])
    r = api.client.get(f"/api/v1/logs?until={iso(NOW)}", headers=api.h())
    assert [e["uuid"] for e in r.json()] == [recent["uuid"]]
    r = api.client.get(f"/api/v1/logs?until={iso(NOW - timedelta(days=7))}", headers=api.h())
    assert [e["uuid"] for e in r.json()] == [old["uuid"]]


def test_polling_next_always_present_and_late_events_seen_once(api: Api) -> None:
    first = spread(5, NOW - timedelta(minutes=30))
    too_old = make_event(when=NOW - timedelta(days=30))  # before the poll started and before `since`
    post(api, first + [too_old])
    r = api.client.get("/api/v1/logs?limit=3", headers=api.h())
    page1 = r.json()
    assert len(page1) == 3 and next_url(r)
    r = api.client.get(next_url(r), headers=api.h())
    page2 = r.json()
    assert {e["uuid"] for e in page1 + page2} == {e["uuid"] for e in first}
    r = api.client.get(next_url(r), headers=api.h())
    assert r.json() == [] and next_url(r), "an empty polling page still has next"
    empty_next = next_url(r)
    # Late arrivals: one with an old published (days before `since` of the first poll), one fresh.
    late_old = make_event(when=NOW - timedelta(days=20))
    late_new = make_event(when=NOW - timedelta(seconds=1))
    post(api, [late_old, late_new])
    r = api.client.get(empty_next, headers=api.h())
    assert sorted(e["uuid"] for e in r.json()) == sorted([late_old["uuid"], late_new["uuid"]])
    r = api.client.get(next_url(r), headers=api.h())
    assert r.json() == []
    # Re-posting (a producer retry) does not make them appear again.
    post(api, [late_old, late_new])
    assert api.client.get(next_url(r), headers=api.h()).json() == []


def test_polling_with_limit_zero_keeps_position(api: Api) -> None:
    post(api, spread(3, NOW - timedelta(minutes=5)))
    r = api.client.get("/api/v1/logs?limit=0", headers=api.h())
    assert r.status_code == 200 and r.json() == [] and next_url(r)
    r2 = api.client.get(next_url(r).replace("limit=0", "limit=10"), headers=api.h())
    assert len(r2.json()) == 3


def test_polling_order_is_persistence_order(api: Api) -> None:
    newer = make_event(when=NOW - timedelta(minutes=1))
    older = make_event(when=NOW - timedelta(hours=1))
    post(api, [newer])
    post(api, [older])
    r = api.client.get("/api/v1/logs", headers=api.h())
    assert [e["uuid"] for e in r.json()] == [newer["uuid"], older["uuid"]]


def test_cursor_alone_continues_the_query(api: Api) -> None:
    """The official SDK's pagination helper may send only `after` (and limit)."""
    post(api, spread(6, NOW - timedelta(hours=1)))
    r = api.client.get(f"/api/v1/logs?since={iso(NOW - timedelta(hours=2))}&until={iso(NOW)}&limit=1"
                       "&filter=eventType%20eq%20%22test.event.n0%22", headers=api.h())
    first = r.json()
    assert len(first) == 1
    after = parse_qs(urlsplit(next_url(r)).query)["after"][0]
    r = api.client.get("/api/v1/logs", params={"after": after, "limit": "4"}, headers=api.h())
    assert r.status_code == 200
    assert {e["eventType"] for e in first + r.json()} == {"test.event.n0"}
    assert len(first) + len(r.json()) == 2


def test_cursor_cannot_be_forged_or_moved(api: Api) -> None:
    post(api, spread(6, NOW - timedelta(hours=1)))
    r = api.client.get(f"/api/v1/logs?since={iso(NOW - timedelta(hours=2))}&until={iso(NOW)}&limit=2",
                       headers=api.h())
    nxt = next_url(r)
    after = parse_qs(urlsplit(nxt).query)["after"][0]
    payload, mac = after.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    for bad in (forged, "garbage", after + "x", ""):
        r = api.client.get("/api/v1/logs", params={"after": bad}, headers=api.h())
        assert r.status_code == 400 and r.json()["errorCode"] == "E0000001", bad
    # another org's token
    r = api.client.get(nxt, headers=api.h("OTHER"))
    assert r.status_code == 400 and r.json()["errorCode"] == "E0000001"
    # the same cursor with a different query
    r = api.client.get(nxt + "&filter=" + "eventType%20eq%20%22x%22", headers=api.h())
    assert r.status_code == 400 and r.json()["errorCode"] == "E0000001"
    r = api.client.get(nxt.replace("limit=2", "limit=2&sortOrder=DESCENDING"), headers=api.h())
    assert r.status_code == 400


def test_orgs_are_isolated(api: Api) -> None:
    post(api, spread(3, NOW - timedelta(minutes=10)))
    r = api.client.get("/api/v1/logs", headers=api.h("OTHER"))
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize("query", [
    "limit=-1", "limit=1001", "limit=abc", "limit=1.5", "limit=", "limit=1e3",
    "since=yesterday", "until=2024-13-01T00:00:00Z", "since=2024-01-01", "until=0001-01-01T00:00:00%2B05:00",
    "sortOrder=UP", "since=2999-01-01T00:00:00Z", "limit=5&limit=6",
    "since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z",
    "q=" + "+".join(f"w{i}" for i in range(11)), "q=" + "x" * 41,
])
def test_bad_parameters_are_e0000001(api: Api, query: str) -> None:
    r = api.client.get("/api/v1/logs?" + query, headers=api.h())
    assert r.status_code == 400, (query, r.text)
    body = r.json()
    assert body["errorCode"] == "E0000001" and body["errorLink"] == "E0000001"
    assert body["errorSummary"].startswith("Api validation failed") and body["errorId"]


@pytest.mark.parametrize("flt,code", [
    ('eventType eq', "E0000053"),
    ('nosuchfield eq "x"', "E0000053"),
    ('eventType eq "a" and (', "E0000053"),
])
def test_bad_filters(api: Api, flt: str, code: str) -> None:
    r = api.client.get("/api/v1/logs", params={"filter": flt}, headers=api.h())
    assert r.status_code == 400, r.text
    assert r.json()["errorCode"] == code


def test_filter_and_q(api: Api) -> None:
    a = make_event("user.session.start", outcome={"result": "FAILURE", "reason": "UNKNOWN_USER"})
    b = make_event("user.session.start", displayMessage="something else entirely")
    post(api, [a, b])
    r = api.client.get("/api/v1/logs", params={"filter": 'outcome.reason eq "UNKNOWN_USER"'}, headers=api.h())
    assert [e["uuid"] for e in r.json()] == [a["uuid"]]
    r = api.client.get("/api/v1/logs", params={"q": "entirely"}, headers=api.h())
    assert [e["uuid"] for e in r.json()] == [b["uuid"]]


def test_limit_zero_and_default(api: Api) -> None:
    post(api, spread(120, NOW - timedelta(hours=1), timedelta(seconds=1)))
    since = iso(NOW - timedelta(hours=2))
    assert api.client.get(f"/api/v1/logs?since={since}&until={iso(NOW)}&limit=0", headers=api.h()).json() == []
    assert len(api.client.get(f"/api/v1/logs?since={since}&until={iso(NOW)}", headers=api.h()).json()) == 100


def test_retention_hides_old_events(api: Api) -> None:
    old = make_event(when=NOW - timedelta(days=5))
    new = make_event(when=NOW - timedelta(days=1))
    post(api, [old, new])
    api.log.set_retention("acme", 3)
    r = api.client.get(f"/api/v1/logs?since={iso(NOW - timedelta(days=6))}&until={iso(NOW)}", headers=api.h())
    assert [e["uuid"] for e in r.json()] == [new["uuid"]]


def test_query_time_limit_is_500_and_frees_the_worker(tmp_path) -> None:
    """A stuck query answers E0000009 and its worker is interrupted, so the next request still runs."""
    gen = build_api(tmp_path, query_timeout_seconds=0.5, read_workers=1)
    api = next(gen)
    try:
        post(api, spread(3, NOW - timedelta(minutes=5)))
        store = api.log.store
        real_search = store.search
        calls = {"n": 0}

        def slow_search(org, query):  # the first search runs a statement that takes minutes
            calls["n"] += 1
            if calls["n"] == 1:
                store._cursor().execute("SELECT count(*) FROM range(100000000000) t(x) WHERE x % 7 = 3").fetchall()
            return real_search(org, query)

        store.search = slow_search  # type: ignore[method-assign]
        t0 = time.monotonic()
        r = api.client.get("/api/v1/logs", headers=api.h())
        assert r.status_code == 500 and r.json()["errorCode"] == "E0000009"
        assert time.monotonic() - t0 < 5
        r = api.client.get("/api/v1/logs", headers=api.h())
        assert r.status_code == 200 and len(r.json()) == 3
        assert time.monotonic() - t0 < 10
    finally:
        with pytest.raises(StopIteration):
            next(gen)


def test_response_is_raw_json_array(api: Api) -> None:
    odd = make_event(client={"zone": "null", "ipAddress": "null"}, extra={"n": 1, "nested": {}}, version=0)
    post(api, [odd])
    r = api.client.get("/api/v1/logs", headers=api.h())
    assert r.headers["content-type"].startswith("application/json")
    assert orjson.loads(r.content) == [odd]
