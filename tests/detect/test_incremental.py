"""Continuous (incremental) detection: only new events are judged, with the window tail they need."""

from __future__ import annotations

from tests.detect.events import FIREFOX, event

from glasslog.detect.alerts import AlertStore
from glasslog.detect.detector import Detector
from glasslog.detect.engine import Engine
from glasslog.detect.rules import load_pack


def fail(i, **kw):
    kw.setdefault("result", "FAILURE")
    kw.setdefault("reason", "INVALID_CREDENTIALS")
    kw.setdefault("session", None)
    return event("user.session.start", minutes=i, **kw)


class CountingStore:
    """Wraps a store and counts the queries the detector makes."""

    def __init__(self, store):
        self._store = store
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if name in ("sql", "search", "iter_search", "count", "get_meta", "list_meta", "put_meta", "orgs"):
            def counted(*a, **kw):
                self.calls.append(name)
                return attr(*a, **kw)
            return counted
        return attr


def detector(glog, store=None):
    det = Detector(glog, ["acme"], load_pack())
    if store is not None:
        det.store = store
        det.alerts.store = store
    return det


def test_correlation_spanning_two_batches_fires_once(glog):
    det = detector(glog)
    glog.ingest([fail(i, actor=f"u{i}@example.com", ip="198.51.100.7") for i in range(3)], org="acme")
    det.run_once()
    assert not AlertStore(glog.store).list("acme", rule="gl_password_spray")
    glog.ingest([fail(3 + i, actor=f"u{3 + i}@example.com", ip="198.51.100.7") for i in range(3)], org="acme")
    det.run_once()
    alerts = AlertStore(glog.store).list("acme", rule="gl_password_spray")
    assert len(alerts) == 1 and alerts[0]["count"] == 6
    glog.ingest([fail(7, actor="u9@example.com", ip="198.51.100.7")], org="acme")  # the spray goes on
    det.run_once()
    alerts = AlertStore(glog.store).list("acme", rule="gl_password_spray")
    assert len(alerts) == 1 and alerts[0]["count"] == 7
    det.run_once()  # nothing new: nothing changes
    assert AlertStore(glog.store).list("acme", rule="gl_password_spray") == alerts


def test_idle_passes_do_not_query(glog):
    counting = CountingStore(glog.store)
    det = detector(glog, counting)
    glog.ingest([event("system.api_token.create")], org="acme")
    det.run_once()
    assert AlertStore(glog.store).list("acme", rule="gl_api_token_created")
    counting.calls.clear()
    for _ in range(5):
        assert det.run_once() == 0
    assert counting.calls == []
    glog.ingest([event("zone.update", minutes=1)], org="acme")
    det.run_once()
    assert counting.calls and AlertStore(glog.store).list("acme", rule="gl_zone_policy_tamper")


def test_incremental_matches_batch(glog, tmp_path):
    """The same events, ingested in small batches with a pass after each, give the batch run's alerts."""
    evs = [fail(i, actor=f"u{i}@example.com", ip="198.51.100.7") for i in range(6)]
    evs.append(event("user.session.start", minutes=10, actor="u2@example.com", ip="198.51.100.7"))
    evs += [event("user.mfa.okta_verify.deny_push", minutes=20 + i, actor="erin@example.com") for i in range(4)]
    evs.append(event("user.authentication.auth_via_mfa", minutes=25, actor="erin@example.com"))
    evs += [event("user.session.start", minutes=30, actor="f@example.com", session="S1"),
            event("user.authentication.sso", minutes=35, actor="f@example.com", session="S1", ip="203.0.113.99",
                  ua=FIREFOX)]
    evs += [event("user.session.start", minutes=40, actor="h@example.com", city="nyc", ip="203.0.113.1"),
            event("user.session.start", minutes=100, actor="h@example.com", city="moscow", ip="198.51.100.50")]
    evs += [fail(120 + i, actor=f"v{i}@example.com", ip=f"198.51.100.{i % 5 + 1}") for i in range(12)]
    evs.append(event("system.api_token.create", minutes=140))
    det = detector(glog)
    for k in range(0, len(evs), 3):
        glog.ingest(evs[k:k + 3], org="acme")
        det.run_once()
    continuous = {a["rule_name"] for a in AlertStore(glog.store).list("acme")}
    batch = {f.rule_name for f in Engine(load_pack()).run(glog.store, "acme")}
    assert continuous == batch
    assert {"gl_password_spray", "gl_success_after_credential_attack", "gl_mfa_push_denied",
            "gl_mfa_fatigue_accept", "gl_session_hijack", "gl_impossible_travel",
            "gl_password_spray_distributed", "gl_api_token_created"} <= continuous


def test_late_event_is_judged_with_its_own_window(glog):
    det = detector(glog)
    glog.ingest([event("user.session.start", minutes=600)], org="acme")
    det.run_once()
    # events published long before the cursor's events arrive later: their own window is read back
    glog.ingest([fail(i, actor=f"u{i}@example.com", ip="198.51.100.8") for i in range(6)], org="acme")
    det.run_once()
    assert len(AlertStore(glog.store).list("acme", rule="gl_password_spray")) == 1


def test_backlog_uses_a_batch_run(glog, monkeypatch):
    from glasslog.detect import detector as mod

    monkeypatch.setattr(mod, "BACKLOG", 2)
    glog.ingest([fail(i, actor=f"u{i}@example.com", ip="198.51.100.7") for i in range(6)], org="acme")
    det = detector(glog)
    det.run_once()
    assert len(AlertStore(glog.store).list("acme", rule="gl_password_spray")) == 1
    assert glog.store.get_meta("acme", "detect_cursor", "cursor")["seq"] == glog.store.max_seq()


def test_sql_narrowing_changes_no_result(glog):
    """Window prefilters (QUALIFY) and boolean-column scans give exactly the plain projection's findings."""
    import random

    rnd = random.Random(5)
    evs = []
    for _ in range(300):
        minute = rnd.uniform(0, 150)
        kind = rnd.random()
        actor = f"u{rnd.randrange(8)}@example.com"
        ip = f"198.51.100.{rnd.randrange(6)}"
        if kind < 0.6:
            evs.append(fail(minute, actor=actor, ip=ip, reason=rnd.choice(["INVALID_CREDENTIALS", "UNKNOWN_USER"])))
        elif kind < 0.8:
            evs.append(event("system.push.send_factor_verify_push", minutes=minute, actor=actor, ip=ip))
        elif kind < 0.9:
            evs.append(event("user.mfa.okta_verify.deny_push", minutes=minute, actor=actor, ip=ip))
        else:
            evs.append(event("user.session.start", minutes=minute, actor=actor, ip=ip, ua="curl/8.0",
                             proxy=rnd.random() < 0.5))
    for start in (20, 70, 75):  # bursts, one pair of them overlapping
        evs += [fail(start + rnd.uniform(0, 8), actor="bf@example.com", ip="203.0.113.7") for _ in range(13)]
        evs += [event("system.push.send_factor_verify_push", minutes=start + rnd.uniform(0, 6),
                      actor="pf@example.com") for _ in range(5)]
    glog.ingest(evs, org="acme")
    engine = Engine(load_pack())

    def key(findings):
        return sorted((f.rule_name, sorted(f.group.items()), sorted(f.uuids)) for f in findings)

    narrowed = engine.run(glog.store, "acme")
    plain = engine.run(CountingStore(glog.store), "acme")  # not a DuckDBStore: no window prefilters
    assert key(narrowed) == key(plain)
    assert {f.rule_name for f in narrowed} >= {"gl_brute_force", "gl_password_spray", "gl_mfa_push_fatigue"}
