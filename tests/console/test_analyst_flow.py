"""The incident-response flow as an analyst clicks it: an alert from continuous detection → its detail →
an investigation with the compromised account's timeline and indicators → the after-action report."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from conftest import Server, running_server, shot, sign_in

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


def test_alert_to_investigation_without_writing_a_query(page, own_server: Server) -> None:
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
