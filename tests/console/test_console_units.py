"""Console pieces without a server: bucket choice and zone alignment, what the search box understood,
the field list, saved-search validation, event-type categories, and an export past the store's page size
through the real app in-process (no row cap)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from events_gen import generate

from glasslog.console import buckets, event_types, saved
from glasslog.console.fields_catalog import field_entries
from glasslog.console.interpret import interpret, looks_like_filter
from glasslog.errors import GlasslogError
from glasslog.store.base import Bucket, SearchQuery

SHARED_TYPES = Path(__file__).resolve().parents[3] / "shared" / "data" / "okta-event-types.json"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(("span", "size"), [
    (timedelta(hours=1), 60), (timedelta(hours=24), 600), (timedelta(days=7), 3600),
    (timedelta(days=30), 6 * 3600), (timedelta(days=90), 12 * 3600), (timedelta(days=3650), 30 * 86400 * 4 + 1),
])
def test_bucket_sizes(span: timedelta, size: int) -> None:
    got = buckets.bucket_size(T0, T0 + span)
    if span < timedelta(days=1000):
        assert got == size
    assert span.total_seconds() / got <= buckets.MAX_BARS


class FakeStore:
    """A store whose histogram returns one event per fine bucket at fixed instants."""

    def __init__(self, instants: list[datetime]) -> None:
        self.instants = instants
        self.asked: list[int] = []

    def histogram(self, org: str, query: SearchQuery, bucket_seconds: int) -> list[Bucket]:
        self.asked.append(bucket_seconds)
        counts: dict[int, int] = {}
        for t in self.instants:
            k = int(t.timestamp()) // bucket_seconds * bucket_seconds
            counts[k] = counts.get(k, 0) + 1
        return [Bucket(datetime.fromtimestamp(k, UTC), n) for k, n in sorted(counts.items())]


def test_zoned_histogram_cuts_days_at_local_midnight() -> None:
    zone = ZoneInfo("Asia/Kolkata")  # UTC+05:30: not a whole number of hours
    since, until = T0, T0 + timedelta(days=3)
    instants = [datetime(2026, 3, 1, 18, 29, tzinfo=UTC), datetime(2026, 3, 1, 18, 31, tzinfo=UTC)]  # 23:59, 00:01 IST
    store = FakeStore(instants)
    rows = buckets.zoned_histogram(store, "o", SearchQuery(since=since, until=until), 86400, zone)
    assert store.asked == [1800]  # gcd(1 day, 5.5 h)
    assert rows[0].start == datetime(2026, 2, 28, 18, 30, tzinfo=UTC)  # local midnight of Mar 1
    counts = {r.start: r.count for r in rows if r.count}
    assert counts == {datetime(2026, 2, 28, 18, 30, tzinfo=UTC): 1, datetime(2026, 3, 1, 18, 30, tzinfo=UTC): 1}
    assert all(b.start - a.start == timedelta(days=1) for a, b in zip(rows, rows[1:], strict=False))


def test_zoned_histogram_is_dense_and_uses_store_buckets_when_aligned() -> None:
    store = FakeStore([T0 + timedelta(minutes=90)])
    query = SearchQuery(since=T0, until=T0 + timedelta(hours=6))
    rows = buckets.zoned_histogram(store, "o", query, 3600, ZoneInfo("UTC"))
    assert store.asked == [3600]
    assert [r.count for r in rows] == [0, 1, 0, 0, 0, 0]
    assert buckets.describe(3600) == "1 hour" and buckets.describe(600) == "10 minutes"


@pytest.mark.parametrize(("text", "kind"), [
    ('eventType eq "user.session.start"', "filter"),
    ("client.IpAddress pr", "filter"),
    ("john smith", "keywords"),
    ("python-urllib", "keywords"),
    ("user.session.start", "keywords"),
    ('eventType eq "x" and', "error"),
    ("eventType eq", "error"),
    ('foo eq "x"', "error"),
    ("", "empty"),
    (" ".join(["word"] * 11), "error"),  # more than 10 keywords
])
def test_interpret(text: str, kind: str) -> None:
    assert interpret(text)["kind"] == kind


def test_interpret_reports_position() -> None:
    got = interpret('eventType eq "user.session.start" and outcome.result')
    assert got["position"] == 52 and got["as"] == "filter"
    assert "position" not in got["message"]
    assert looks_like_filter("a eq") and not looks_like_filter("eq")


def test_field_entries_cover_the_guide_spellings() -> None:
    entries = {f.path: f for f in field_entries()}
    assert entries["authenticationContext.externalSessionId"].aliases[0] == "authentication_context.external_session_id"
    assert entries["request.ipChain.geographicalContext.country"].array
    assert entries["debugContext.debugData.supportAction"].free_map
    assert list(entries)[0] == "eventType"  # the popular ones first


def test_saved_search_validation() -> None:
    class Meta:
        def __init__(self) -> None:
            self.docs: dict[tuple[str, str, str], dict] = {}

        def put_meta(self, org, kind, key, value):  # noqa: ANN001, ANN201
            self.docs[(org, kind, key)] = value

        def get_meta(self, org, kind, key):  # noqa: ANN001, ANN201
            return self.docs.get((org, kind, key))

        def list_meta(self, org, kind):  # noqa: ANN001, ANN201
            return [(k[2], v) for k, v in self.docs.items() if k[:2] == (org, kind)]

        def delete_meta(self, org, kind, key):  # noqa: ANN001, ANN201
            return self.docs.pop((org, kind, key), None) is not None

    store = Meta()
    doc = saved.create(store, "o", {"name": " Locks ", "filter": "eventType pr", "range": "90d", "tz": "UTC",
                                    "extra": "dropped"}, "tok1", "Ada")
    assert doc["name"] == "Locks" and "extra" not in doc and doc["owner"] == "tok1"
    assert saved.list_all(store, "o") == [doc] and saved.list_all(store, "other") == []
    for bad in ({"name": "x" * 101}, {"name": "x", "range": "2d"}, {"name": "x", "filter": 5}):
        with pytest.raises(GlasslogError):
            saved.create(store, "o", bad, "tok1")
    with pytest.raises(GlasslogError) as exc:
        saved.delete(store, "o", doc["id"], "tok2", is_admin=False)
    assert exc.value.code == "E0000006"
    saved.delete(store, "o", doc["id"], "tok2", is_admin=True)
    with pytest.raises(GlasslogError):
        saved.get(store, "o", doc["id"])


def test_event_type_descriptions_are_ours_and_name_real_types() -> None:
    catalog = json.loads(SHARED_TYPES.read_text())
    okta = {e["id"]: e.get("description", "") for e in catalog["versions"][0]["eventTypes"]}
    for name, text in event_types.DESCRIPTIONS.items():
        assert name in okta, name
        assert text.strip() and text != okta[name], name
    assert event_types.category("user.session.impersonation.grant") == "Support access"
    assert event_types.category("user.mfa.factor.deactivate") == "Multifactor"
    assert event_types.category("zzz.thing") == "Other"
    assert event_types.describe("user.authentication.auth_via_ad_agent")[0] == "user.authentication.auth_via_AD_agent"


def test_export_streams_past_the_store_page_without_a_cap(tmp_path: Path) -> None:
    """12,000 matches (more than two of iter_search's 5,000-row pages) come out whole, in order."""
    from fastapi.testclient import TestClient

    import glasslog
    from glasslog.api import orgs, tokens
    from glasslog.api.app import create_app
    from glasslog.api.settings import Settings

    log = glasslog.open(tmp_path / "d")
    try:
        orgs.create_org(log, "big")
        token, _ = tokens.create_token(log, "big", "READ_ONLY_ADMIN", "t", "test")
        end = datetime.now(UTC) - timedelta(minutes=2)
        log.ingest(list(generate(12_000, days=2, end=end, seed=3)), org="big")
        params = {"since": (end - timedelta(days=3)).isoformat(), "until": datetime.now(UTC).isoformat(),
                  "filter": 'actor.alternateId ew "@acme.example"'}  # not the org's own audit event
        with TestClient(create_app(log, Settings())) as client:
            h = {"Authorization": f"SSWS {token}"}
            nd = client.get("/api/glasslog/export.ndjson", params=params, headers=h)
            lines = nd.text.splitlines()
            assert len(lines) == 12_000
            times = [orjson.loads(x)["published"] for x in lines]
            assert times == sorted(times, reverse=True)  # newest first, like the table
            csv_text = client.get("/api/glasslog/export.csv", params=params, headers=h).text
            assert csv_text.count("\n") == 12_001
    finally:
        log.close()
