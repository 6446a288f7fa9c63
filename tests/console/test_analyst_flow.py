"""The incident-response flow as an analyst clicks it: an alert from continuous detection → its detail →
an investigation with the compromised account's timeline and indicators → the after-action report.

Two worlds: a server of our own with one injected spray (continuous detection, the lifecycle view, and what a
read-only admin is shown), and the demo org (`glasslog demo`), whose history holds the simulator's labelled
storylines — the issue's "done when" is walked there by clicks alone, from the System Log's nav bar to the
downloaded report.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from conftest import Demo, Server, running_server, shot, sign_in

SPRAY_IP = "203.0.113.77"


def _event(when: datetime, user: str, result: str, reason: str | None, session: str | None) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "published": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "eventType": "user.session.start", "version": "0", "severity": "INFO",
        "displayMessage": "User login to Okta",
        "actor": {"id": f"00u{user[:6]}", "type": "User", "alternateId": user, "displayName": user},
        "client": {"ipAddress": SPRAY_IP, "userAgent": {"rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64)"},
                   "geographicalContext": {"city": "Amsterdam", "country": "Netherlands",
                                           "geolocation": {"lat": 52.37, "lon": 4.89}}},
        "outcome": {"result": result, "reason": reason},
        "authenticationContext": {"externalSessionId": session},
        "request": {"ipChain": [{"ip": SPRAY_IP}]},
    }


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - Iterator[Server]
    """A server of its own: the attack this test injects must not change what the other console tests count."""
    with running_server(tmp_path_factory.mktemp("analyst"), 300) as srv:
        yield srv


@pytest.fixture(scope="module")
def sprayed(own_server: Server) -> Server:
    """own_server after a password spray that ends in one successful sign-in, once its alert is raised."""
    server = own_server
    start = datetime.now(UTC) - timedelta(minutes=20)
    spray = [_event(start + timedelta(seconds=20 * i), f"victim{i}@acme.example", "FAILURE",
                    "INVALID_CREDENTIALS", None) for i in range(8)]
    spray.append(_event(start + timedelta(minutes=5), "victim3@acme.example", "SUCCESS", None, "102sprayedsession"))
    with server.api(server.admin_token) as api:
        assert api.post("/api/v1/logs", json=spray).json()["accepted"] == len(spray)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # continuous detection picks the new events up by itself
            alerts = api.get("/api/glasslog/alerts").json()
            if any(a["rule_name"] == "gl_password_spray" and SPRAY_IP in str(a["group"]) for a in alerts):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"no spray alert for {SPRAY_IP} within 30 s: {[a['summary'] for a in alerts]}")
    return server


def test_alert_to_investigation_without_writing_a_query(page, sprayed: Server) -> None:
    server = sprayed
    sign_in(page, server)
    page.goto(server.url + "/alerts")
    row = page.locator("tr", has_text=SPRAY_IP).first
    row.wait_for()
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""  # the console stylesheet loads
    # The guide's lifecycle stages, counted over the chosen range, each query one click from the console.
    page.select_option("#lc-range", "24h")
    bad_password = page.locator("#lifecycle li", has_text='outcome.reason eq "INVALID_CREDENTIALS"').first
    bad_password.wait_for()
    page.wait_for_function("document.querySelector('#lifecycle').innerText.includes('INVALID_CREDENTIALS')")
    assert int(bad_password.inner_text().rsplit("—", 1)[1]) >= 8  # our spray's failures at least
    shot(page, "alerts")
    row.click()
    page.wait_for_url("**/alerts/*")
    page.get_by_text(SPRAY_IP).first.wait_for()
    page.get_by_role("button", name="Open investigation").click()
    page.wait_for_url("**/investigations/*", timeout=15_000)
    page.get_by_text(SPRAY_IP).first.wait_for()  # the attacker's IP among the indicators
    page.get_by_text("victim3@acme.example").first.wait_for()  # the compromised account
    shot(page, "investigation")
    report = page.request.get(page.url.replace("/investigations/", "/api/glasslog/investigations/") + "/report")
    assert report.ok and SPRAY_IP in report.text()
    page.goto(server.url + "/alerts")
    page.select_option("#lc-range", "24h")
    page.locator('#lifecycle a[href^="/?range=24h"]').first.click()  # links of the re-rendered 24 h list
    page.wait_for_url("**/?range=24h&filter=*")


def test_read_only_admin_sees_no_controls_it_may_not_use(page, sprayed: Server) -> None:
    """The server answers 403 to a reader changing an alert or recording an action; the page must not offer it.
    Notes stay: the API lets any reader write them (they are analysts' work, like investigation notes)."""
    sign_in(page, sprayed, token=sprayed.reader_token, path="/alerts")
    page.locator("tr", has_text=SPRAY_IP).first.click()
    page.wait_for_url("**/alerts/*")
    page.locator("#a-facts dd").first.wait_for()
    page.locator("#a-add-note").wait_for()  # the page has finished wiring its forms
    for hidden in ('button[data-state="acknowledged"]', 'button[data-state="closed"]', "#a-add-action"):
        assert not page.locator(hidden).is_visible(), f"{hidden} shown to a read-only admin"
    page.get_by_role("button", name="Open investigation").click()
    page.wait_for_url("**/investigations/*")
    page.locator("#i-timeline tbody tr").first.wait_for()
    assert not page.locator("#add-action").is_visible()
    assert page.locator("#add-note").is_visible()

    page.locator("#signout").click()  # and as a super admin, the same page offers them
    page.wait_for_url("**/console/signin**")
    sign_in(page, sprayed, path="/alerts")
    page.locator("tr", has_text=SPRAY_IP).first.click()
    page.locator("#a-add-action select option").first.wait_for(state="attached")
    for shown in ('button[data-state="acknowledged"]', 'button[data-state="closed"]', "#a-add-action"):
        assert page.locator(shown).is_visible(), f"{shown} hidden from a super admin"


def _storylines(demo: Demo) -> tuple[list[dict], dict[str, list[dict]]]:
    """The demo's alerts, and for each labelled attack the alerts its events raised, oldest first. Continuous
    detection scans the history after the server is up, so wait until every storyline has alerts and the list
    holds still."""
    deadline = time.monotonic() + 90
    previous: list[str] | None = None
    while True:
        with demo.api() as api:
            alerts = api.get("/api/glasslog/alerts", params={"limit": 5000}).json()
        raised = {}
        for label in demo.labels:
            mine = set(label["event_uuids"])
            raised[label["id"]] = sorted((a for a in alerts if mine.intersection(a["uuids"])),
                                         key=lambda a: (a["first_seen"], a["rule_name"]))
        ids = sorted(a["id"] for a in alerts)
        done = all(raised[lb["id"]] for lb in demo.labels if lb["scenario"] == "storyline")
        if done and ids == previous:
            return alerts, raised
        if time.monotonic() > deadline:
            return alerts, raised  # the caller's assertions say what is missing
        previous = ids
        time.sleep(1.0)


def test_demo_storyline_from_first_alert_to_report_by_clicks(browser, demo: Demo, tmp_path) -> None:  # noqa: ANN001
    """The issue's "done when": console → Alerts → a storyline's first alert → investigation → the compromised
    account's session timeline → indicators → downloaded report, every step a click."""
    alerts, raised = _storylines(demo)
    storylines = sorted((lb for lb in demo.labels if lb["scenario"] == "storyline"), key=lambda lb: lb["start"])
    assert len(storylines) >= 3 and all(raised[lb["id"]] for lb in storylines), "a storyline raised no alert"
    story = storylines[0]
    first = raised[story["id"]][0]
    attacker_ip = first["group"].get("client.ipAddress")
    assert attacker_ip in story["attacker_ips"], f"first alert {first['rule_name']} is not about the attacker IP"
    session_id = story["session_ids"][0]

    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, demo, token=demo.token)  # type: ignore[arg-type] - sign_in needs only .url
        page.locator("#table-view tr.ev-row").first.wait_for()  # the System Log itself
        page.locator("#topbar nav a", has_text="Alerts").click()
        page.wait_for_url("**/alerts")
        page.locator(f'#alerts tr[data-id="{first["id"]}"]').wait_for()
        shown = set(page.eval_on_selector_all("#alerts tr[data-id]", "rows => rows.map(r => r.dataset.id)"))
        assert shown == {a["id"] for a in alerts}
        scenarios = {lb["scenario"] for lb in demo.labels if any(a["id"] in shown for a in raised[lb["id"]])}
        assert len(scenarios) >= 8 and "storyline" in scenarios, scenarios
        assert all(any(a["id"] in shown for a in raised[lb["id"]]) for lb in storylines)

        page.locator(f'#alerts tr[data-id="{first["id"]}"]').click()
        page.wait_for_url(f"**/alerts/{first['id']}")
        page.locator("#a-facts").get_by_text(first["rule_name"]).wait_for()
        page.get_by_role("button", name="Open investigation").click()
        page.wait_for_url("**/investigations/*")
        page.locator("a.session-timeline", has_text=session_id).click()
        page.wait_for_url("**/investigations/*?session=*")
        page.locator("#i-timeline-title", has_text=session_id).wait_for()
        shot(page, "demo-session-timeline")

        rows = page.eval_on_selector_all("#i-timeline tbody tr", """rows => rows.map(r => ({
            uuid: r.dataset.uuid, published: r.cells[0].textContent, actor: r.cells[2].textContent.trim()}))""")
        with demo.api() as api:
            events = api.get("/api/glasslog/pivot/session", params={"value": session_id, "limit": 20000}).json()
        expected = sorted(events["events"], key=lambda e: (e["published"], e["uuid"]))
        assert [r["uuid"] for r in rows] == [e["uuid"] for e in expected] and len(rows) > 10
        assert [r["published"] for r in rows] == sorted(r["published"] for r in rows)
        assert {r["actor"] for r in rows} <= set(story["compromised_accounts"])  # the compromised account's

        assert attacker_ip in page.locator("#i-iocs").inner_text()
        with page.expect_download() as download:
            page.locator("#export-md").click()
        report = tmp_path / download.value.suggested_filename
        download.value.save_as(report)
        text = report.read_text()
        assert first["rule_name"] in text and attacker_ip in text and session_id in text
    finally:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_console_event_pivots_open_the_investigation_views(browser, demo: Demo) -> None:  # noqa: ANN001
    """An expanded event row links to its session's, user's and IP's investigation; the link opens one case."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    with_session = """() => [...document.querySelectorAll('#table-view tr.ev-row')].findIndex((r) =>
        r.event.client?.ipAddress && r.event.authenticationContext?.externalSessionId)"""
    try:
        sign_in(page, demo, token=demo.token)  # type: ignore[arg-type]
        page.locator("#table-view tr.ev-row").first.wait_for()
        index = page.evaluate(with_session)
        assert index >= 0, "no event with a session and an IP on the first page"
        row = page.locator("#table-view tr.ev-row").nth(index)
        session_id = row.evaluate("r => r.event.authenticationContext.externalSessionId")
        row.click()
        links = page.locator("tr.detail-row a.pivot-link")
        links.first.wait_for()
        assert links.evaluate_all("as => as.map(a => a.dataset.kind)") == ["session", "user", "ip"]
        page.locator('tr.detail-row a.pivot-link[data-kind="session"]').click()
        page.wait_for_url("**/investigations/*")
        case_url = page.url
        page.locator("#i-timeline tbody tr").first.wait_for()
        sessions = set(page.eval_on_selector_all("#i-timeline tbody tr",
                                                 "rows => rows.map(r => r.cells[6].textContent.trim())"))
        assert sessions == {session_id}
        page.go_back()  # the same pivot again reuses the case instead of opening another
        page.locator("#table-view tr.ev-row").nth(index).click()
        page.locator('tr.detail-row a.pivot-link[data-kind="session"]').click()
        page.wait_for_url("**/investigations/*")
        assert page.url == case_url
    finally:
        ctx.close()
