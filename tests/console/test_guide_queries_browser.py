"""The console issue's "Done when": a newcomer running the demo command can do, in the console, every search of
the incident-response guide's "Example Queries" section and see the results, the charts and the map for it.

Against the real `glasslog demo` (small, no live traffic; see the `demo` fixture) in a headless chromium, one
page for every query: type the guide's query into the search box, submit, and check that the box understood a
filter, that the table holds exactly the rows the Okta API returns for the same query and range, that the chart's
bars add up to the match count, and that the map view shows the matching events' places. The guide's
placeholders (an IP, a session id, a user, an app) are filled from the simulator's attack labels, so each query
is asked about the attack the demo org suffered — and must find some of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from test_console_api import GUIDE_QUERIES

from conftest import Demo, all_events, shot, sign_in, wait_js

TABLE_PAGE = 50  # the events table's first page
SINCE = "2019-01-01T00:00:00.000Z"


def _fill(demo: Demo) -> dict[str, str]:
    """The sample values in `GUIDE_QUERIES` (from the Okta samples) → the demo's attack: the attacker's IP, the
    hijacked session, its victim and an app reached through it (from the labels, then that session's SSO event)."""
    story = next(lb for lb in demo.labels if lb["scenario"] == "storyline" and lb["session_ids"])
    sid = story["session_ids"][0]
    with demo.api() as c:
        sso = c.get("/api/v1/logs", params={
            "filter": f'authenticationContext.externalSessionId eq "{sid}" and eventType eq "user.authentication.sso"',
            "since": SINCE, "limit": "1"}).json()
    assert sso, f"the storyline's session {sid} reached no app"
    ip, victim = sso[0]["client"]["ipAddress"], sso[0]["actor"]
    assert ip in story["attacker_ips"] and victim["alternateId"] in story["compromised_accounts"], story
    app = next(t["displayName"] for t in sso[0]["target"] if t["type"] == "AppInstance")
    return {"198.51.100.10": ip, "203.0.113.30": ip, "102bZDNFfWaQSyEZQuDgWt-uQ": sid,
            "alice@acme.example": victim["alternateId"], "Alice Martin": victim["displayName"], '"Box"': f'"{app}"'}


def _demo_queries(demo: Demo) -> list[str]:
    fill = _fill(demo)
    out = []
    for query in GUIDE_QUERIES:
        for sample, value in fill.items():
            query = query.replace(sample, value)
        out.append(query)
    return out


@pytest.fixture(scope="module")
def demo_queries(demo: Demo) -> list[str]:
    return _demo_queries(demo)


@pytest.fixture(scope="module")
def guide_page(browser, demo: Demo) -> Iterator[object]:  # noqa: ANN001
    """One signed-in page for all the queries, on the last 30 days (the demo's whole history)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC")
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(pg, demo, token=demo.token, path="/?range=30d&tz=UTC")
    pg.wait_for_selector("tr.ev-row")
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _state(page) -> dict[str, str]:  # noqa: ANN001
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _range(page) -> dict[str, str]:  # noqa: ANN001
    """The absolute range the page resolved for its last search (what its download links carry)."""
    href = page.get_attribute("#download-csv", "href")
    q = parse_qs(urlparse(href).query)
    return {"since": unquote(q["since"][0]), "until": unquote(q["until"][0])}


def _located(events: list[dict]) -> int:
    def has_coords(e: dict) -> bool:
        loc = ((e.get("client") or {}).get("geographicalContext") or {}).get("geolocation") or {}
        return all(isinstance(loc.get(k), int | float) for k in ("lat", "lon"))
    return sum(1 for e in events if has_coords(e))


@pytest.mark.parametrize("n", range(len(GUIDE_QUERIES)), ids=[f"q{i:02d}" for i in range(len(GUIDE_QUERIES))])
def test_guide_query_in_the_console(guide_page, demo: Demo, demo_queries: list[str], n: int) -> None:  # noqa: ANN001
    page, query = guide_page, demo_queries[n]
    if _state(page).get("view") == "map":
        page.click("#view-table")
    # Type it into the search box (the real UI) and submit.
    page.fill("#search-input", query)
    page.press("#search-input", "Escape")
    page.click("#search-go")
    page.wait_for_url(lambda u: parse_qs(urlparse(u).query).get("filter", [None])[0] == query)
    wait_js(page, "document.querySelector('#search-kind').textContent === 'Filter'")
    assert page.get_attribute("#search-kind", "title") == "Understood as a filter expression"
    assert page.locator("#search-error").is_hidden()
    wait_js(page, "document.querySelector('#total-count').textContent !== '…' && "
                  "!document.querySelector('.table-foot').textContent.includes('Loading')")
    # The Okta API's answer for the same query over the same instants.
    rng = _range(page)
    with demo.api() as c:
        events = all_events(c, {"filter": query, **rng, "sortOrder": "DESCENDING"})
        places = c.get("/api/glasslog/places", params={"filter": query, **rng, "tz": "UTC"}).json()
    attack = {u for lb in demo.labels for u in lb["event_uuids"]}
    assert events, f"the guide's query finds nothing in the demo: {query}"
    assert attack & {e["uuid"] for e in events}, f"the guide's query misses the demo's attack: {query}"
    # Results: the count and the table's rows are the API's.
    assert int(page.text_content("#total-count").replace(",", "")) == len(events), query
    rows = page.locator("tr.ev-row").evaluate_all("rows => rows.map(r => r.dataset.uuid)")
    assert len(rows) == min(len(events), TABLE_PAGE), query
    assert rows == [e["uuid"] for e in events[:len(rows)]], query
    # The chart: bars whose counts add up to the matches.
    bars = page.locator("#chart rect.bar").evaluate_all("bars => bars.map(b => Number(b.dataset.count))")
    assert bars and all(bars) and sum(bars) == len(events), (query, bars)
    # The map: toggles, and shows every located match at its place.
    page.evaluate("document.querySelectorAll('#map-view .map-wrap').forEach(m => m.dataset.stale = '1')")
    page.click("#view-map")
    page.wait_for_url(lambda u: parse_qs(urlparse(u).query).get("view", [None])[0] == "map")
    page.wait_for_selector("#map-view .map-wrap:not([data-stale])")  # this query's map, not the last one's
    assert page.locator("#table-view").is_hidden()
    assert places["total"] == len(events) and places["located"] == _located(events), query
    if places["located"]:
        assert page.locator("circle.place").count() == len(places["places"]) > 0, query
        dots = page.locator("circle.place").evaluate_all("cs => cs.map(c => Number(c.dataset.count))")
        assert sum(dots) == places["located"], query
        page.wait_for_selector(f".map-side h3 >> text={places['located']:,} events in {len(places['places']):,} places")
    if n in (4, 15):  # the session pivot and the privilege grant: a look at the map after a run
        shot(page, f"guide-q{n:02d}-map")
    page.click("#view-table")
    page.wait_for_url(lambda u: "view" not in parse_qs(urlparse(u).query))
    page.wait_for_selector("tr.ev-row")


def test_guide_placeholders_are_all_filled(demo_queries: list[str]) -> None:
    """Every sample value of the API test's list was replaced by the demo's own, and nothing else changed."""
    assert len(demo_queries) == len(GUIDE_QUERIES) == len(set(demo_queries))
    for sample in ("198.51.100.10", "203.0.113.30", "102bZDNFfWaQSyEZQuDgWt-uQ", "alice@acme.example",
                   "Alice Martin", '"Box"'):
        assert not any(sample in q for q in demo_queries), sample
    assert sum(a != b for a, b in zip(GUIDE_QUERIES, demo_queries, strict=True)) == 9
