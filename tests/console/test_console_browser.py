"""The console in a real headless chromium against a real `glasslog serve`: what an admin does in an
incident, click by click. Screenshots of the main views land in tests/artifacts/."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from conftest import ORG, Server, shot, sign_in, wait_js
from glasslog.export import CSV_COLUMNS, csv_row

GUIDE_QUERY = 'eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"'


def wait_param(page, name: str, value: str | None) -> None:  # noqa: ANN001
    page.wait_for_url(lambda u: parse_qs(urlparse(u).query).get(name, [None])[0] == value)


def url_state(page) -> dict[str, str]:  # noqa: ANN001
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def run_search(page, text: str) -> None:  # noqa: ANN001
    page.fill("#search-input", text)
    page.press("#search-input", "Escape")
    page.click("#search-go")


def first_rows_text(page, n: int = 5) -> list[str]:  # noqa: ANN001
    page.wait_for_selector("tr.ev-row")
    return page.locator("tr.ev-row").evaluate_all(f"rows => rows.slice(0, {n}).map(r => r.innerText)")


def api_events(server: Server, **params: str) -> list[dict]:
    """Every event the Okta API returns for a query, following `next` links."""
    out: list[dict] = []
    with server.api() as client:
        resp = client.get("/api/v1/logs", params={**params, "limit": "1000"})
        while True:
            assert resp.status_code == 200, resp.text
            page = resp.json()
            out += page
            nxt = resp.links.get("next", {}).get("url")
            if not nxt or not page:
                return out
            resp = client.get(nxt)


def test_sign_in_then_default_view(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    page.wait_for_selector("#chart rect.bar")
    state = url_state(page)
    assert state["range"] == "7d" and state["tz"] == "UTC"
    assert int(page.text_content("#total-count").replace(",", "")) >= 3000
    assert page.locator("#topbar").inner_text().count(ORG) == 1
    assert "Super admin" in page.inner_text("#topbar")
    # rows are newest first, in the page's zone
    times = page.locator("tr.ev-row td.ev-time").all_inner_texts()[:10]
    assert times == sorted(times, reverse=True)
    page.click("#trends-toggle")
    page.wait_for_selector(".trend-row")
    shot(page, "1-default")
    # a trend row is a click into the filter
    top_type = page.locator("[data-trend=eventTypes] .trend-row").first
    value = top_type.get_attribute("data-value")
    top_type.click()
    wait_param(page, "filter", f'eventType eq "{value}"')
    assert url_state(page)["trends"] == "1"


def test_custom_range_in_the_page_zone(page, server: Server) -> None:
    sign_in(page, server, path="/?tz=America/New_York")
    page.wait_for_selector("tr.ev-row")
    page.select_option("#range-preset", "custom")
    since = (datetime.now(UTC) - timedelta(days=2)).astimezone(ZoneInfo("America/New_York"))
    page.fill("#range-since", since.strftime("%Y-%m-%dT%H:%M:%S"))
    page.fill("#range-until", (since + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#range-apply")
    wait_param(page, "range", "custom")
    state = url_state(page)
    got = datetime.fromisoformat(state["since"].replace("Z", "+00:00"))
    assert got == since.replace(microsecond=0)  # the wall time was read in New York, not in the browser's UTC
    assert datetime.fromisoformat(state["until"].replace("Z", "+00:00")) - got == timedelta(hours=6)
    page.wait_for_selector("#bucket-label >> text=2 minutes per bar")


def test_filter_search_tells_filter_from_keywords(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    run_search(page, GUIDE_QUERY)
    wait_js(page, "document.querySelector('#search-kind').textContent === 'Filter'")
    wait_js(page, "() => [...document.querySelectorAll('tr.ev-row')].length > 0 && "
                  "[...document.querySelectorAll('tr.ev-row .ev-type')].every(e => e.textContent === "
                  "'user.session.start')")
    assert url_state(page)["filter"] == GUIDE_QUERY
    total = int(page.text_content("#total-count").replace(",", ""))
    state = url_state(page)
    assert total == len(api_events(server, filter=GUIDE_QUERY, since=_since(page), until=_until(page)))
    assert "range" in state
    # keywords
    run_search(page, "Python-urllib/2.7")
    wait_js(page, "document.querySelector('#search-kind').textContent === 'Keywords'")
    wait_param(page, "q", 'Python-urllib/2.7')
    page.wait_for_selector("tr.ev-row")
    assert "filter" not in url_state(page)


def _since(page) -> str:  # noqa: ANN001
    return page.evaluate("document.querySelector('#download-csv').href.match(/since=([^&]+)/)[1]").replace("%3A", ":")


def _until(page) -> str:  # noqa: ANN001
    return page.evaluate("document.querySelector('#download-csv').href.match(/until=([^&]+)/)[1]").replace("%3A", ":")


def test_syntax_error_is_shown_at_its_position(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    run_search(page, 'eventType eq "user.session.start" and outcome.result')
    page.wait_for_selector("#search-error:not([hidden])")
    text = page.inner_text("#search-error")
    assert "position 52" in text, text
    assert page.text_content("#search-kind") == "Error"
    assert page.locator("#search-error .err-at").count() == 1
    shot(page, "2-syntax-error")


def test_autocomplete_fields_aliases_operators_values(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    page.click("#search-input")
    page.keyboard.type("event_ty")  # the legacy alias
    page.wait_for_selector("#suggest li.active")
    assert "eventType" in page.inner_text("#suggest li.active")
    page.keyboard.press("Tab")
    page.wait_for_selector("#suggest li.active >> text=eq")
    assert "sw" in page.inner_text("#suggest")
    page.keyboard.press("Tab")  # eq
    page.wait_for_selector("#suggest >> text=Most frequent eventType")
    values = page.locator("#suggest li:not(.s-head) .s-main").all_inner_texts()
    assert values[0] == '"user.session.start"', values  # the most frequent type of the generated data
    page.keyboard.type('"user.authentication.s')
    page.wait_for_selector("#suggest li.active .s-main >> text=user.authentication.sso")
    shot(page, "3-autocomplete")
    page.keyboard.press("Enter")
    assert page.input_value("#search-input") == 'eventType eq "user.authentication.sso" '
    page.keyboard.press("Enter")
    wait_param(page, "filter", 'eventType eq "user.authentication.sso"')
    page.wait_for_selector("tr.ev-row .ev-type >> text=user.authentication.sso")


def _advanced_row(page, n: int, join: str | None, field: str, op: str, value: str) -> None:
    """Fill row n of the Advanced filter dialog as a user does (the field's change event sets its operators)."""
    row = page.locator(".adv-row").nth(n)
    if join:
        row.locator(".adv-join").select_option(join)
    row.locator(".adv-field").fill(field)
    row.locator(".adv-field").dispatch_event("change")
    row.locator(".adv-op").select_option(op)
    row.locator(".adv-value").fill(value)


def test_advanced_filter_builder(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    page.click("#advanced-open")
    page.wait_for_selector("#advanced[open] .adv-row")
    _advanced_row(page, 0, None, "eventType", "eq", "user.authentication.sso")
    page.click("#advanced-add")
    _advanced_row(page, 1, "and", "target.displayName", "eq", "Box")
    expected = 'eventType eq "user.authentication.sso" and target.displayName eq "Box"'
    assert page.text_content("#advanced-preview") == expected
    shot(page, "4-advanced-filter")
    page.click("#advanced-apply")
    wait_param(page, "filter", expected)
    assert page.input_value("#search-input") == expected
    page.wait_for_selector("tr.ev-row .target >> text=Box")
    # reopening shows the same rows
    page.click("#advanced-open")
    assert page.locator(".adv-row").count() == 2
    assert page.locator(".adv-row .adv-value").nth(1).input_value() == "Box"
    page.click("#advanced-cancel")


def test_drag_across_bars_narrows_the_range(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("#chart rect.bar")
    box = page.locator("#chart rect.plot").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.70, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.80, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.90, y, steps=5)
    page.mouse.up()
    wait_param(page, "range", 'custom')
    state = url_state(page)
    since, until = (datetime.fromisoformat(state[k].replace("Z", "+00:00")) for k in ("since", "until"))
    assert timedelta(hours=12) < until - since < timedelta(hours=36), (since, until)  # ~20% of 7 days
    wait_js(page, "document.querySelector('#range-preset').value === 'custom'")
    page.wait_for_selector("#chart rect.bar")
    page.wait_for_selector("#bucket-label >> text=15 minutes per bar")
    first = page.locator("tr.ev-row td.ev-time").first.inner_text().replace("\n", " ")
    shown = datetime.strptime(first, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    assert since <= shown < until
    shot(page, "5-zoomed")


def test_time_zone_switch_changes_every_time(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    utc_first = page.locator("tr.ev-row td.ev-time").first.inner_text().replace("\n", " ")
    utc_range = page.text_content("#range-text")
    page.select_option("#tz-select", "Asia/Tokyo")
    wait_param(page, "tz", 'Asia/Tokyo')
    page.wait_for_selector("th >> text=Time (Asia/Tokyo)")
    tokyo_first = page.locator("tr.ev-row td.ev-time").first.inner_text().replace("\n", " ")
    a = datetime.strptime(utc_first, "%Y-%m-%d %H:%M:%S.%f")
    b = datetime.strptime(tokyo_first, "%Y-%m-%d %H:%M:%S.%f")
    assert b - a == timedelta(hours=9)
    assert page.text_content("#range-text") != utc_range
    page.reload()
    page.wait_for_selector("th >> text=Time (Asia/Tokyo)")
    assert page.input_value("#tz-select") == "Asia/Tokyo"


def test_map_toggle_and_place_events(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    page.click("#view-map")
    page.wait_for_selector("circle.place")
    assert url_state(page)["view"] == "map"
    assert page.locator("circle.place").count() == 7  # the generator's seven cities
    assert page.locator("path.land").count() > 150
    page.locator("circle.place[data-place='London, England, United Kingdom']").click()
    page.wait_for_selector(".map-side h3 >> text=London, England, United Kingdom")
    page.wait_for_selector(".place-events li .ev-type")
    shot(page, "6-map")
    page.click("text=Filter to this place")
    wait_js(page, "(new URLSearchParams(location.search).get('filter') || '').includes('London')")
    page.wait_for_selector("tr.ev-row")
    cities = page.locator("tr.ev-row td:nth-child(5) .ev-sub").all_inner_texts()
    assert cities and all("London" in c for c in cities)


def test_download_csv_equals_the_api_answer(page, server: Server) -> None:
    sign_in(page, server, path="/?" + "filter=" + 'eventType sw "user.authentication"'.replace(" ", "%20"))
    page.wait_for_selector("tr.ev-row")
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [name for name, _ in CSV_COLUMNS]
    events = api_events(server, filter='eventType sw "user.authentication"', since=_since(page), until=_until(page),
                        sortOrder="DESCENDING")
    assert len(events) > 100  # more than one table page, so paging and the export are both exercised
    assert rows[1:] == [csv_row(e) for e in events]
    total = int(page.text_content("#total-count").replace(",", ""))
    assert total == len(events)
    with page.expect_download() as info:
        page.click("#download-ndjson")
    lines = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(events)


def test_expand_row_json_and_click_value_into_filter(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    run_search(page, 'eventType eq "user.session.start"')
    wait_param(page, "filter", 'eventType eq "user.session.start"')
    page.wait_for_selector("tr.ev-row")
    row = page.locator("tr.ev-row").first
    row.locator("td.ev-time").click()
    page.wait_for_selector("tr.detail-row .json")
    assert page.locator("tr.detail-row .json .k", has_text="authenticationContext").count() == 1
    page.click("tr.detail-row >> text=Collapse all")
    assert page.locator("tr.detail-row details[open]").count() == 0
    page.click("tr.detail-row >> text=Expand all")
    shot(page, "7-expanded-row")
    login = row.locator(".v[data-field='actor.alternateId']").inner_text()
    row.locator(".v[data-field='actor.alternateId']").click()
    expected = f'eventType eq "user.session.start" and actor.alternateId eq "{login}"'
    wait_param(page, "filter", expected)
    page.wait_for_selector("tr.ev-row")
    logins = page.locator("tr.ev-row .v[data-field='actor.alternateId']").all_inner_texts()
    assert logins and set(logins) == {login}


def test_infinite_scroll_follows_next_links(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    assert page.locator("tr.ev-row").count() == 50
    page.locator(".table-foot").scroll_into_view_if_needed()
    wait_js(page, "document.querySelectorAll('tr.ev-row').length >= 100")
    uuids = page.locator("tr.ev-row").evaluate_all("rows => rows.map(r => r.dataset.uuid)")
    assert len(uuids) == len(set(uuids))


def test_save_and_reopen_a_search(page, server: Server) -> None:
    sign_in(page, server, path="/?range=24h&tz=Europe/Berlin")
    page.wait_for_selector("tr.ev-row")
    run_search(page, 'eventType eq "user.account.lock"')
    wait_param(page, "filter", 'eventType eq "user.account.lock"')
    page.click("#save-search")
    page.fill("#save-name", "Lockouts today")
    page.click("#save-confirm")
    page.wait_for_selector("#toast >> text=Saved")
    page.goto(server.url + "/")
    page.wait_for_selector("tr.ev-row")
    assert "filter" not in url_state(page)
    page.click("#saved-open")
    page.wait_for_selector("#saved-menu .m-name >> text=Lockouts today")
    shot(page, "8-saved-searches")
    page.click("#saved-menu .m-name >> text=Lockouts today")
    wait_param(page, "filter", 'eventType eq "user.account.lock"')
    state = url_state(page)
    assert state["range"] == "24h" and state["tz"] == "Europe/Berlin"
    assert page.input_value("#search-input") == 'eventType eq "user.account.lock"'


def test_read_only_admin_sees_no_controls_that_change_anything(page, server: Server) -> None:
    with server.api() as client:  # the admin saves one for the org
        made = client.post("/api/glasslog/saved-searches", json={"name": "Admin's search", "filter": "eventType pr"})
        assert made.status_code == 201
    sign_in(page, server, token=server.reader_token)
    page.wait_for_selector("tr.ev-row")
    assert "Read-only admin" in page.inner_text("#topbar")
    assert page.locator("#save-search").count() == 0  # no Save button
    assert page.get_by_role("button", name="Save search").count() == 0
    page.click("#saved-open")
    item = page.locator("#saved-menu .m-item", has_text="Admin's search")
    item.wait_for()
    assert page.locator("#saved-menu .m-item").count() >= 1
    assert page.locator("#saved-menu button").count() == 0  # no delete control on any saved search
    shot(page, "10-read-only")
    item.click()  # reading and opening the org's saved searches is fine
    wait_param(page, "filter", "eventType pr")
    # and the server refuses the writes the page does not offer, in Okta's words
    csrf = page.evaluate("fetch('/api/glasslog/session').then(r => r.json()).then(j => j.csrf)")
    status = page.evaluate("""csrf => fetch('/api/glasslog/saved-searches', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({name: 'x'})})
        .then(async r => [r.status, await r.json()])""", csrf)
    assert status[0] == 403 and status[1]["errorCode"] == "E0000006"
    assert status[1]["errorCauses"] == [{"errorSummary": "the READ_ONLY_ADMIN role may not change saved searches"}]
    with server.api() as client:
        assert "x" not in {s["name"] for s in client.get("/api/glasslog/saved-searches").json()["searches"]}


def test_advanced_filter_rows_joined_with_or(page, server: Server) -> None:
    sign_in(page, server)
    page.wait_for_selector("tr.ev-row")
    page.click("#advanced-open")
    page.wait_for_selector("#advanced[open] .adv-row")
    _advanced_row(page, 0, None, "eventType", "eq", "user.account.lock")
    page.click("#advanced-add")
    _advanced_row(page, 1, "or", "event_type", "eq", "user.mfa.factor.deactivate")  # the legacy alias too
    expected = 'eventType eq "user.account.lock" or event_type eq "user.mfa.factor.deactivate"'
    assert page.text_content("#advanced-preview") == expected
    page.click("#advanced-apply")
    wait_param(page, "filter", expected)
    assert page.input_value("#search-input") == expected
    assert page.text_content("#search-kind") == "Filter"
    wait_js(page, "document.querySelector('#total-count').textContent !== '…'")
    page.wait_for_selector("tr.ev-row")
    rng = {"since": _since(page), "until": _until(page)}
    both = api_events(server, filter=expected, **rng)
    locks = api_events(server, filter='eventType eq "user.account.lock"', **rng)
    resets = api_events(server, filter='eventType eq "user.mfa.factor.deactivate"', **rng)
    assert locks and resets
    assert len(both) == len(locks) + len(resets)  # `or` is the union, not the intersection
    assert int(page.text_content("#total-count").replace(",", "")) == len(both)
    types = set(page.locator("tr.ev-row .ev-type").all_inner_texts())
    assert types == {"user.account.lock", "user.mfa.factor.deactivate"}
    # reopening shows the rows with their `or`
    page.click("#advanced-open")
    assert page.locator(".adv-row").count() == 2
    assert page.locator(".adv-row .adv-join").nth(0).input_value() == "or"
    page.click("#advanced-cancel")


def test_map_view_is_kept_in_the_url(page, server: Server, browser) -> None:  # noqa: ANN001
    city = 'client.geographicalContext.city eq "London"'
    sign_in(page, server, path="/?filter=" + city.replace(" ", "%20").replace('"', "%22"))
    page.wait_for_selector("tr.ev-row")
    assert "view" not in url_state(page)
    page.click("#view-map")
    wait_param(page, "view", "map")
    page.wait_for_selector("circle.place")
    shared = page.url
    page.click("#view-table")
    wait_param(page, "view", None)
    page.wait_for_selector("tr.ev-row")
    assert page.locator("#map-view").is_hidden()
    page.go_back()  # history holds the view too
    wait_param(page, "view", "map")
    page.wait_for_selector("#map-view circle.place")
    assert page.locator("#table-view").is_hidden()
    # A colleague opens the shared link (signing in first): the map of the same search.
    other = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC")
    try:
        colleague = other.new_page()
        colleague.set_default_timeout(15_000)
        sign_in(colleague, server, token=server.reader_token, path=shared[len(server.url):])
        colleague.wait_for_selector("#map-view circle.place")
        assert url_state(colleague)["view"] == "map" and url_state(colleague)["filter"] == city
        assert colleague.locator("#table-view").is_hidden()
        assert "active" in colleague.get_attribute("#view-map", "class")
        assert colleague.get_attribute("#view-map", "aria-selected") == "true"
        places = colleague.locator("circle.place").evaluate_all("cs => cs.map(c => c.dataset.place)")
        assert places == ["London, England, United Kingdom"]
    finally:
        other.close()


def test_event_type_catalog_page(page, server: Server) -> None:
    sign_in(page, server, path="/console/event-types")
    page.wait_for_selector("#catalog-table tbody tr")
    assert page.locator("#catalog-table tbody tr[data-type='user.session.start']").count() == 1
    page.fill("#catalog-search", "factor")
    wait_js(page, "[...document.querySelectorAll('#catalog-table tbody tr')].every("
                  "r => r.innerText.toLowerCase().includes('factor'))")
    assert page.locator("#catalog-table tbody tr[data-type='user.mfa.factor.deactivate']").count() == 1
    assert re.search(r"search=factor", page.url)
    shot(page, "9-event-types")
    page.fill("#catalog-search", "")
    page.click("#catalog-table a >> text=user.account.privilege.grant")
    page.wait_for_selector("tr.ev-row")
    assert url_state(page)["filter"] == 'eventType eq "user.account.privilege.grant"'
