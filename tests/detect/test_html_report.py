"""The HTML after-action report (`GET /api/glasslog/investigations/{id}/report?format=html`): parsed as HTML, it
holds the investigation's alert, every timeline event and the indicators of compromise, with event text escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from tests.detect.events import FIREFOX, event

ATTACKER = "198.51.100.7"
EVIL_APP = "<img src=x onerror=alert(1)> | Payroll"


class Sections(HTMLParser):
    """Headings in order, and per heading the tables under it as rows of cell texts; tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.heading = ""
        self.headings: list[str] = []
        self.tags: set[str] = set()
        self._in: str | None = None
        self._text = ""
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in ("h1", "h2", "h3", "td", "th"):
            self._in, self._text = tag, ""
        elif tag == "table":
            self.tables.setdefault(self.heading, []).append([])
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._in == tag:
            self.heading = self._text.strip()
            self.headings.append(self.heading)
            self._in = None
        elif tag in ("td", "th") and self._in == tag:
            assert self._row is not None
            self._row.append(self._text.strip())
            self._in = None
        elif tag == "tr" and self._row is not None:
            self.tables[self.heading][-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in:
            self._text += data


@pytest.fixture()
def case(client, glog):
    evs = [event("user.session.start", minutes=i, actor=f"u{i}@example.com", ip=ATTACKER, result="FAILURE",
                 reason="INVALID_CREDENTIALS", session=None, ua=FIREFOX, city="moscow", as_org="Bad Host",
                 asn=64666) for i in range(6)]
    evs.append(event("user.session.start", minutes=10, actor="u2@example.com", ip=ATTACKER, session="S9",
                     ua=FIREFOX, city="moscow", as_org="Bad Host", asn=64666))
    evs.append(event("user.authentication.sso", minutes=12, actor="u2@example.com", ip=ATTACKER, session="S9",
                     ua=FIREFOX, city="moscow", as_org="Bad Host", asn=64666,
                     target=[{"type": "AppInstance", "displayName": EVIL_APP, "alternateId": "payroll"}]))
    glog.ingest(evs, org="acme")
    assert client.post("/api/glasslog/alerts/run", json={}).status_code == 200
    alert = next(a for a in client.get("/api/glasslog/alerts").json()
                 if a["rule_name"] == "gl_success_after_credential_attack")
    inv = client.post("/api/glasslog/investigations", json={"title": "u2 <compromise>",
                                                            "alert_ids": [alert["id"]]}).json()
    client.post(f"/api/glasslog/investigations/{inv['id']}/actions",
                json={"action": "suspend_user", "subject": "u2@example.com"})
    client.patch(f"/api/glasslog/investigations/{inv['id']}", json={"note": "password reset & sessions cleared"})
    return inv, alert, evs


def test_html_report_holds_alert_timeline_and_indicators(client, case):
    inv, alert, evs = case
    view = client.get(f"/api/glasslog/investigations/{inv['id']}").json()
    r = client.get(f"/api/glasslog/investigations/{inv['id']}/report", params={"format": "html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = Sections()
    page.feed(r.text)
    page.close()

    assert page.headings[0] == "After-action report: u2 <compromise>"
    for h in ("Alerts", "Indicators of compromise", "Timeline", "Response actions", "Notes"):
        assert h in page.headings, h

    # the alert
    [alerts] = page.tables["Alerts"]
    assert alerts[0] == ["first seen", "severity", "rule", "ATT&CK", "summary"]
    assert alerts[1:] == [[alert["first_seen"], "critical", alert["title"], ", ".join(alert["techniques"]),
                           alert["summary"]]]

    # the timeline: every event of the investigation, in order
    [timeline] = page.tables["Timeline"]
    assert timeline[0] == ["time", "event", "actor", "result", "IP", "place", "targets"]
    rows = timeline[1:]
    assert len(rows) == len(view["timeline"]) >= 2
    assert [(c[0], c[1], c[2]) for c in rows] == [(t["published"], t["eventType"], t["actor"])
                                                 for t in view["timeline"]]
    sso = next(c for c in rows if c[1] == "user.authentication.sso")
    assert sso[4] == ATTACKER and sso[5] == "Moscow, Russia" and sso[6] == EVIL_APP  # escaped, whole
    assert sso[0] == evs[-1]["published"]

    # the indicators: one table per category with the view's values and counts
    for cat in ("ips", "asns", "user_agents", "countries", "cities", "apps", "accounts"):
        heading = cat.replace("_", " ")
        assert view["iocs"][cat], cat
        [table] = page.tables[heading]
        assert table[0] == ["value", "count", "first seen", "last seen"]
        assert table[1:] == [[i["value"], str(i["count"]), i["first_seen"], i["last_seen"]]
                             for i in view["iocs"][cat]], cat
    ips = {row[0]: row for row in page.tables["ips"][0][1:]}
    assert ips[ATTACKER][1] == str(sum(1 for t in view["timeline"] if t["ip"] == ATTACKER))
    assert [row[0] for row in page.tables["asns"][0][1:]] == ["64666"]
    assert [row[0] for row in page.tables["user agents"][0][1:]] == [FIREFOX]

    # the response action and the note
    assert "suspend_user" in r.text and "password reset &amp; sessions cleared" in r.text


def test_html_report_escapes_event_text(client, case):
    inv, _alert, _evs = case
    text = client.get(f"/api/glasslog/investigations/{inv['id']}/report", params={"format": "html"}).text
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<compromise>" not in text and "<script" not in text
    page = Sections()
    page.feed(text)
    assert "img" not in page.tags and "script" not in page.tags


def test_markdown_and_html_hold_the_same_facts(client, case):
    inv, alert, _evs = case
    md = client.get(f"/api/glasslog/investigations/{inv['id']}/report").text
    html = client.get(f"/api/glasslog/investigations/{inv['id']}/report", params={"format": "html"}).text
    view = client.get(f"/api/glasslog/investigations/{inv['id']}").json()
    for t in view["timeline"]:
        assert f"| {t['published']} | {t['eventType']} |" in md and t["published"] in html
    assert alert["summary"] in md and alert["summary"] in html
