"""The console's JSON endpoints over HTTP, against the real `glasslog serve` of conftest (no browser): every
"Example Queries" search of the incident-response guide, aggregates, exports, saved searches and roles."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from conftest import Server, all_events
from glasslog.export import csv_row

# The guide's "Example Queries" (seed 001), with its placeholders filled from the data.
GUIDE_QUERIES = [
    'eventType eq "user.session.start"',
    'eventType eq "user.session.start" and client.ipAddress eq "198.51.100.10"',
    'eventType eq "user.authentication.sso" and client.ipAddress eq "203.0.113.30"',
    'client.userAgent.rawUserAgent eq "Python-urllib/2.7"',
    'authenticationContext.externalSessionId eq "102bZDNFfWaQSyEZQuDgWt-uQ"',
    'eventType eq "user.authentication.auth_via_mfa" and outcome.result eq "FAILURE"',
    'eventType eq "user.session.start" and outcome.result eq "SUCCESS"',
    'actor.alternateId eq "alice@acme.example"',
    'actor.displayName eq "Alice Martin"',
    'eventType eq "user.session.access_admin_app"',
    'eventType eq "user.authentication.sso" and actor.alternateId eq "alice@acme.example"',
    'client.IpAddress eq "198.51.100.10"',
    'request.ipChain.ip eq "198.51.100.10"',
    'request.ipChain.geographicalContext.country eq "United States"',
    'target.displayName eq "Box" and eventType eq "user.authentication.sso"',
    'eventType eq "user.account.privilege.grant" and debugContext.debugData.privilegeGranted eq "Super administrator"',
    'eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"',
    'eventType eq "user.account.lock"',
    'eventType eq "user.session.start" and outcome.reason eq "INVALID_CREDENTIALS"',
    'eventType sw "user.authentication.auth"',
    'eventType eq "user.mfa.factor.deactivate"',
    'eventType eq "group.user_membership.add"',
]
WIDE = {"since": "2019-01-01T00:00:00.000Z"}


def _until() -> str:
    return (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize("query", GUIDE_QUERIES)
def test_every_guide_query_runs_in_the_console(server: Server, query: str) -> None:
    """What the page does for a search: interpret, count over time, trends, map, first page of events."""
    params = {**WIDE, "until": _until(), "filter": query, "tz": "Europe/Paris"}
    with server.api() as c:
        assert c.get("/api/glasslog/interpret", params={"text": query}).json() == {"kind": "filter", "filter": query}
        hist = c.get("/api/glasslog/histogram", params=params).json()
        trends = c.get("/api/glasslog/trends", params=params).json()
        places = c.get("/api/glasslog/places", params=params).json()
        events = all_events(c, {**params, "sortOrder": "DESCENDING"})
    assert hist["total"] == trends["total"] == places["total"] == len(events) > 0, query
    assert sum(b["count"] for b in hist["buckets"]) == hist["total"]


def test_histogram_buckets_follow_the_zone(server: Server) -> None:
    since, until = "2026-01-01T00:00:00.000Z", "2026-03-31T00:00:00.000Z"
    with server.api() as c:
        utc = c.get("/api/glasslog/histogram", params={"since": since, "until": until, "tz": "UTC"}).json()
        ny = c.get("/api/glasslog/histogram", params={"since": since, "until": until, "tz": "America/New_York"}).json()
    assert utc["bucketSeconds"] == ny["bucketSeconds"] == 43200  # 89 days → 12 h bars
    assert utc["buckets"][0]["start"].endswith("T00:00:00.000Z")
    assert ny["buckets"][0]["start"] == "2025-12-31T17:00:00.000Z"  # local noon/midnight in New York (UTC-5)


def test_trends_and_places_with_keywords(server: Server) -> None:
    params = {**WIDE, "until": _until(), "q": "Python-urllib/2.7"}
    with server.api() as c:
        trends = c.get("/api/glasslog/trends", params=params).json()
        places = c.get("/api/glasslog/places", params=params).json()
        events = all_events(c, params)
    assert trends["total"] == places["total"] == len(events) > 0
    assert sum(i["count"] for i in trends["eventTypes"]["items"]) <= trends["total"]
    assert places["located"] == sum(p["count"] for p in places["places"])


def test_field_values_and_interpretation(server: Server) -> None:
    with server.api() as c:
        vals = c.get("/api/glasslog/fields/values", params={"field": "client.IpAddress", "prefix": "203.",
                                                             **WIDE, "until": _until()}).json()
        assert vals["field"] == "client.ipAddress"
        assert {v["value"] for v in vals["values"]} == {"203.0.113.30", "203.0.113.40"}
        bad = c.get("/api/glasslog/fields/values", params={"field": "nope"})
        assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000053"
        err = c.get("/api/glasslog/interpret", params={"text": 'eventType eq "x" and'}).json()
        assert err["kind"] == "error" and err["position"] == 20
        assert c.get("/api/glasslog/interpret", params={"text": "john smith"}).json()["kind"] == "keywords"
        fields = c.get("/api/glasslog/fields").json()["fields"]
    by_path = {f["path"]: f for f in fields}
    assert "event_type" in by_path["eventType"]["aliases"]
    assert "client.IpAddress" in by_path["client.ipAddress"]["aliases"]
    assert by_path["published"]["operators"] == ["eq", "ne", "gt", "ge", "lt", "le", "pr"]


def test_csv_export_is_the_api_answer(server: Server) -> None:
    params = {**WIDE, "until": _until(), "filter": 'eventType sw "user."', "sortOrder": "ASCENDING"}
    with server.api() as c:
        with c.stream("GET", "/api/glasslog/export.csv", params=params) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/csv")
            assert "attachment" in resp.headers["content-disposition"]
            text = "".join(resp.iter_text())
        events = all_events(c, params)
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) == len(events) > 1000
    assert rows == [csv_row(e) for e in events]


def _forbidden(resp: httpx.Response) -> None:
    """Okta's 403 for a caller whose role may not do this."""
    assert resp.status_code == 403, resp.text
    body = resp.json()
    assert body["errorCode"] == "E0000006", body
    assert body["errorSummary"] == "You do not have permission to perform the requested action"
    assert body["errorCauses"] == [{"errorSummary": "the READ_ONLY_ADMIN role may not change saved searches"}]


def test_saved_searches_roles_and_csrf(server: Server) -> None:
    with server.api() as admin:
        made = admin.post("/api/glasslog/saved-searches",
                          json={"name": "Spray", "filter": 'outcome.reason eq "INVALID_CREDENTIALS"', "range": "30d",
                                "tz": "Asia/Tokyo"})
        assert made.status_code == 201, made.text
        ss = made.json()
        assert admin.post("/api/glasslog/saved-searches", json={"name": ""}).status_code == 400
        assert admin.post("/api/glasslog/saved-searches", json={"name": "x", "range": "custom"}).status_code == 400
        listed = admin.get("/api/glasslog/saved-searches").json()
        assert listed["canWrite"] is True
        mine = {s["id"]: s for s in listed["searches"]}
        assert mine[ss["id"]]["mine"] is True and mine[ss["id"]]["canDelete"] is True
        other = admin.post("/api/glasslog/saved-searches", json={"name": "Admin only"}).json()
    # A READ_ONLY_ADMIN lists and opens the org's saved searches but may neither save nor delete one.
    with server.api(server.reader_token) as reader:
        listed = reader.get("/api/glasslog/saved-searches").json()
        assert listed["canWrite"] is False
        theirs = {s["id"]: s for s in listed["searches"]}
        assert theirs[ss["id"]]["canDelete"] is False and theirs[ss["id"]]["mine"] is False
        assert reader.get(f"/api/glasslog/saved-searches/{ss['id']}").json()["filter"] == ss["filter"]
        _forbidden(reader.post("/api/glasslog/saved-searches", json={"name": "Mine", "filter": "eventType pr"}))
        _forbidden(reader.post("/api/glasslog/saved-searches", json={"name": ""}))  # role before validation
        _forbidden(reader.delete(f"/api/glasslog/saved-searches/{other['id']}"))
        _forbidden(reader.delete(f"/api/glasslog/saved-searches/{ss['id']}"))
        assert {s["name"] for s in reader.get("/api/glasslog/saved-searches").json()["searches"]} >= {
            "Spray", "Admin only"}
        assert "Mine" not in {s["name"] for s in reader.get("/api/glasslog/saved-searches").json()["searches"]}
    with server.api() as admin:  # a SUPER_ADMIN deletes any of the org's
        assert admin.delete(f"/api/glasslog/saved-searches/{ss['id']}").status_code == 204
        assert admin.get(f"/api/glasslog/saved-searches/{ss['id']}").status_code == 404
    # A cookie session must echo its CSRF value on a change; a reader's session is refused even with it.
    with httpx.Client(base_url=server.url) as browser:
        info = browser.post("/api/glasslog/session", json={"token": server.admin_token}).json()
        no_csrf = browser.post("/api/glasslog/saved-searches", json={"name": "sneaky"})
        assert no_csrf.status_code == 403
        ok = browser.post("/api/glasslog/saved-searches", json={"name": "fine"}, headers={"X-CSRF-Token": info["csrf"]})
        assert ok.status_code == 201
        gone = browser.delete(f"/api/glasslog/saved-searches/{ok.json()['id']}", headers={"X-CSRF-Token": info["csrf"]})
        assert gone.status_code == 204
    with httpx.Client(base_url=server.url) as browser:
        info = browser.post("/api/glasslog/session", json={"token": server.reader_token}).json()
        _forbidden(browser.post("/api/glasslog/saved-searches", json={"name": "fine"},
                                headers={"X-CSRF-Token": info["csrf"]}))


def test_auth_is_required_and_pages_are_locked_down(server: Server) -> None:
    with httpx.Client(base_url=server.url) as anon:
        for path in ("/api/glasslog/histogram", "/api/glasslog/export.csv", "/api/glasslog/saved-searches",
                     "/api/glasslog/event-types", "/api/glasslog/fields"):
            r = anon.get(path)
            assert r.status_code == 401 and r.json()["errorCode"] == "E0000011", path
        page = anon.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert anon.get("/console/static/js/main.js").headers["cache-control"] == "no-cache"
        assert anon.get("/console/static/geo/world.json").json()["countries"]
        assert anon.get("/console/event-types").status_code == 200
        assert anon.get("/console/signin").status_code == 200


def test_event_type_catalog(server: Server) -> None:
    with server.api() as c:
        data = c.get("/api/glasslog/event-types").json()
    by_type = {t["eventType"]: t for t in data["eventTypes"]}
    assert by_type["user.session.start"]["category"] == "Sign-in and sessions"
    assert by_type["user.session.start"]["description"]
    assert data["total"] == sum(t["count"] for t in data["eventTypes"])
