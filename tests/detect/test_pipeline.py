"""Continuous detection, dedupe, config, investigations, IOCs, reports and the evidence bundle."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

import orjson
from tests.detect.events import event

from glasslog.detect.alerts import AlertStore
from glasslog.detect.config import save_config
from glasslog.detect.correlate import event_count, temporal, value_count
from glasslog.detect.detector import Detector, start_detection
from glasslog.detect.engine import Engine
from glasslog.detect.investigations import Investigations
from glasslog.detect.lifecycle import lifecycle_counts
from glasslog.detect.report import evidence_bundle, html_report, markdown_report, verify_bundle
from glasslog.detect.response import record_action
from glasslog.detect.rules import load_pack


def spray(minute0=0, ip="198.51.100.7", n=6):
    return [event("user.session.start", minutes=minute0 + i, actor=f"u{i}@example.com", ip=ip, result="FAILURE",
                  reason="INVALID_CREDENTIALS", session=None) for i in range(n)]


def test_correlation_windows():
    occ = [(t * 1000, (f"e{t}",), ("k",), f"v{t % 3}", 0) for t in (0, 10, 20, 100, 110)]
    assert [h.count for h in event_count(occ, 30, "gte", 3)] == [3]
    assert event_count(occ, 5, "gte", 2) == []
    assert [len(set(h.values)) for h in value_count(occ, 30, "gte", 3)] == [3]
    assert value_count(occ, 30, "gte", 4) == []
    seq = [(0, ("a",), ("k",), None, 1), (10_000, ("b",), ("k",), None, 0), (20_000, ("c",), ("k",), None, 1)]
    assert len(temporal(seq, 60, 2, ordered=True)) == 1
    assert temporal(seq[:2], 60, 2, ordered=True) == []  # wrong order
    assert len(temporal(seq[:2], 60, 2, ordered=False)) == 1
    assert temporal(seq, 5, 2, ordered=False) == []  # too far apart


def test_dedupe_rerun_and_extension(glog):
    glog.ingest(spray(), org="acme")
    engine = Engine(load_pack())
    store = AlertStore(glog.store)
    store.record("acme", engine.run(glog.store, "acme"))
    first = store.list("acme", rule="gl_password_spray")
    store.record("acme", engine.run(glog.store, "acme"))  # re-run: nothing new
    assert store.list("acme", rule="gl_password_spray") == first
    glog.ingest(spray(minute0=20, n=7), org="acme")  # same source, shortly after: the same alert grows
    store.record("acme", engine.run(glog.store, "acme"))
    again = store.list("acme", rule="gl_password_spray")
    assert len(again) == 1 and again[0]["count"] > first[0]["count"]
    store.set_state("acme", again[0]["id"], "acknowledged", "ana")
    assert store.get("acme", again[0]["id"])["state"] == "acknowledged"


def test_threshold_configurable_per_org(glog):
    glog.ingest(spray(n=3), org="acme")
    save_config(glog.store, "acme", {"thresholds": {"gl_password_spray": {"count": 3}}})
    det = Detector(glog, ["acme"], load_pack())
    det.run_once()
    assert AlertStore(glog.store).list("acme", rule="gl_password_spray")


def test_continuous_detection_latency(glog):
    glog.ingest([event("user.session.start")], org="acme")
    handle = start_detection(glog, ["acme"], load_pack(), interval=0.2)
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        glog.ingest([event("system.api_token.create", minutes=1)], org="acme")
        alerts = []
        while time.monotonic() - t0 < 5 and not alerts:
            alerts = AlertStore(glog.store).list("acme", rule="gl_api_token_created")
            time.sleep(0.05)
        assert alerts, "no alert within 5 s of ingest"
        assert glog.store.get_meta("acme", "detect_cursor", "cursor")["seq"] == glog.store.max_seq()
    finally:
        handle.stop()
    assert not handle.errors


def test_investigation_report_and_bundle(glog):
    evs = spray()
    evs.append(event("user.session.start", minutes=10, actor="u2@example.com", ip="198.51.100.7", session="S9"))
    evs.append(event("user.session.access_admin_app", minutes=11, actor="u2@example.com", ip="198.51.100.7",
                     session="S9"))
    evs.append(event("user.authentication.sso", minutes=12, actor="u2@example.com", ip="198.51.100.7",
                     session="S9", target=[{"type": "AppInstance", "displayName": "Box"}]))
    evs.append(event("user.account.privilege.grant", minutes=13, actor="u2@example.com", ip="198.51.100.7",
                     session="S9", target=[{"type": "User", "alternateId": "u2@example.com"}]))
    glog.ingest(evs, org="acme")
    alerts = AlertStore(glog.store)
    alerts.record("acme", Engine(load_pack()).run(glog.store, "acme"))
    success = alerts.list("acme", rule="gl_success_after_credential_attack")[0]
    cases = Investigations(glog)
    inv = cases.create("acme", "u2 compromise", "ana", [success["id"]])
    assert {"kind": "session", "value": "S9"} in inv["pivots"]
    view = cases.view("acme", inv["id"])
    assert [a["app"] for a in view["summary"]["apps"]] == ["Box"]
    assert len(view["summary"]["admin_console"]) == 1 and len(view["summary"]["privilege_changes"]) == 1
    ips = {i["value"]: i for i in view["iocs"]["ips"]}
    assert ips["198.51.100.7"]["count"] >= 4 and ips["198.51.100.7"]["first_seen"] <= ips["198.51.100.7"]["last_seen"]
    cases.update("acme", inv["id"], note="reset the password", who="ana")
    record_action(glog.store, "acme", "investigation", inv["id"], "suspend_user", "u2@example.com", "ana")
    view = cases.view("acme", inv["id"])
    md = markdown_report(view)
    assert "u2@example.com" in md and "suspend_user" in md and "reset the password" in md
    assert "<table>" in html_report(view) and "<script" not in html_report(view)
    events = cases.events("acme", cases.get("acme", inv["id"]))
    bundle = evidence_bundle(view, events)
    assert verify_bundle(bundle) == []
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        manifest = orjson.loads(z.read("manifest.json"))
        body = z.read("events.ndjson")
    entry = next(f for f in manifest["files"] if f["name"] == "events.ndjson")
    assert entry["sha256"] == hashlib.sha256(body).hexdigest()
    assert len(body.splitlines()) == len(events)
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data + b"x" if name == "events.ndjson" else data)
    assert verify_bundle(tampered.getvalue()) == ["checksum mismatch: events.ndjson"]


def test_lifecycle_counts(glog):
    glog.ingest(spray(n=3) + [event("user.account.lock", minutes=5)], org="acme")
    stages = {s["stage"]: s for s in lifecycle_counts(glog, "acme", "2024-08-13T00:00:00Z", "2024-08-14T00:00:00Z")}
    recon = {q["filter"]: q["count"] for q in stages["reconnaissance"]["queries"]}
    assert recon['eventType eq "user.account.lock"'] == 1
    assert recon['eventType eq "user.session.start" and outcome.reason eq "INVALID_CREDENTIALS"'] == 3
