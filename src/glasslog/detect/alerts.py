"""Alerts: what a rule found, stored in the org's metadata (kind "alert"), deduplicated and with a state.

The engine produces `Finding`s (a rule, a grouping key such as the account or source IP, a time window and the
matching events). `AlertStore.record` turns them into alerts: a finding whose rule and grouping key match an
existing alert and whose window touches it (within `merge_gap`) extends that alert instead of creating a new
one, so re-running a range or a long-running attack does not multiply alerts. The index of windows per
(rule, key) lives under meta kind "alert_key".
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

STATES = ("new", "acknowledged", "closed")
SEVERITY = {"informational": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
MAX_UUIDS = 2000
KIND = "alert"
KEY_KIND = "alert_key"


@dataclass
class Finding:
    """One detection before storage."""

    rule_id: str
    rule_name: str
    title: str
    level: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    kind: str  # event | correlation | behaviour
    group: dict[str, Any]
    first_ms: int
    last_ms: int
    uuids: list[str]
    count: int
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    merge_gap_s: int | None = None  # the rule's own merge gap, when it has one
    ips: list[str] = field(default_factory=list)  # source IPs of the matching events, when the engine knows them

    @property
    def key(self) -> str:
        text = self.rule_id + "|" + "|".join(f"{k}={self.group[k]}" for k in sorted(self.group))
        return hashlib.sha1(text.encode()).hexdigest()[:20]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_iso() -> str:
    return iso(int(datetime.now(UTC).timestamp() * 1000))


class AlertStore:
    """Alerts of every org, kept in the store's metadata."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def record(self, org: str, findings: list[Finding], merge_gap_s: int = 3600,
               unchanged: bool = False) -> list[dict[str, Any]]:
        """Store findings as new alerts or merge them into existing ones; returns the touched alerts (with
        `unchanged`, also the existing alerts that already held a finding entirely, as a re-run reports them)."""
        touched: dict[str, dict[str, Any]] = {}
        for f in findings:
            gap = (f.merge_gap_s if f.merge_gap_s is not None else merge_gap_s) * 1000
            index = self.store.get_meta(org, KEY_KIND, f.key) or {"windows": []}
            target = None
            for w in index["windows"]:
                if f.first_ms <= w["last_ms"] + gap and f.last_ms >= w["first_ms"] - gap:
                    alert = touched.get(w["id"]) or self.get(org, w["id"])
                    if alert is not None and alert["state"] != "closed":
                        target = alert
                        break
            if target is None:
                target = self._new(org, f)
                index["windows"].append({"id": target["id"], "first_ms": f.first_ms, "last_ms": f.last_ms})
                index["windows"] = index["windows"][-50:]
            else:
                if not self._merge(target, f):
                    if unchanged:
                        touched.setdefault(target["id"], target)
                    continue  # already recorded: no write (continuous detection re-judges open windows)
                for w in index["windows"]:
                    if w["id"] == target["id"]:
                        w["first_ms"], w["last_ms"] = target["first_ms"], target["last_ms"]
            touched[target["id"]] = target
            self.store.put_meta(org, KEY_KIND, f.key, index)
            self.store.put_meta(org, KIND, target["id"], target)
        return list(touched.values())

    def _new(self, org: str, f: Finding) -> dict[str, Any]:
        doc = asdict(f)
        doc.update(
            id=uuidlib.uuid4().hex[:16], org=org, key=f.key, severity=SEVERITY.get(f.level, "medium"),
            techniques=list(f.techniques), tactics=list(f.tactics), uuids=f.uuids[:MAX_UUIDS],
            first_seen=iso(f.first_ms), last_seen=iso(f.last_ms), state="new", created=now_iso(),
            updated=now_iso(), notes=[], actions=[], history=[],
        )
        return doc

    @staticmethod
    def _merge(alert: dict[str, Any], f: Finding) -> bool:
        """Fold a finding into an alert; False when it adds nothing (a re-run over the same events)."""
        known = set(alert["uuids"])
        fresh = [u for u in f.uuids if u not in known]
        if not fresh and f.first_ms >= alert["first_ms"] and f.last_ms <= alert["last_ms"]:
            return False
        alert["uuids"] = (alert["uuids"] + fresh)[:MAX_UUIDS]
        alert["count"] = max(alert["count"], f.count, len(alert["uuids"])) if not fresh else \
            alert["count"] + len(fresh)
        alert["first_ms"] = min(alert["first_ms"], f.first_ms)
        alert["last_ms"] = max(alert["last_ms"], f.last_ms)
        alert["first_seen"], alert["last_seen"] = iso(alert["first_ms"]), iso(alert["last_ms"])
        if f.details:
            alert["details"] = {**alert.get("details", {}), **f.details}
        alert["summary"] = f.summary or alert.get("summary", "")
        if f.ips:
            alert["ips"] = sorted(set(alert.get("ips") or []) | set(f.ips))[:500]
        alert["updated"] = now_iso()
        return True

    # -- reading and changing ----------------------------------------------------------------------------

    def get(self, org: str, alert_id: str) -> dict[str, Any] | None:
        return self.store.get_meta(org, KIND, alert_id)

    def list(self, org: str, state: str | None = None, severity: str | None = None, rule: str | None = None,
             limit: int = 500) -> list[dict[str, Any]]:
        out = []
        for _, doc in self.store.list_meta(org, KIND):
            if state and doc["state"] != state:
                continue
            if severity and SEVERITY_RANK.get(doc["severity"], 0) < SEVERITY_RANK.get(severity, 0):
                continue
            if rule and rule not in (doc["rule_id"], doc["rule_name"]):
                continue
            out.append(doc)
        out.sort(key=lambda d: (d["first_ms"], d["id"]), reverse=True)
        return out[:limit]

    def set_state(self, org: str, alert_id: str, state: str, who: str = "", note: str = "") -> dict[str, Any]:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        alert = self.get(org, alert_id)
        if alert is None:
            raise KeyError(alert_id)
        alert["history"].append({"at": now_iso(), "by": who, "from": alert["state"], "to": state, "note": note})
        alert["state"] = state
        alert["updated"] = now_iso()
        self.store.put_meta(org, KIND, alert_id, alert)
        return alert

    def add_note(self, org: str, alert_id: str, text: str, who: str = "") -> dict[str, Any]:
        alert = self.get(org, alert_id)
        if alert is None:
            raise KeyError(alert_id)
        alert["notes"].append({"at": now_iso(), "by": who, "text": text})
        self.store.put_meta(org, KIND, alert_id, alert)
        return alert

    def save(self, org: str, alert: dict[str, Any]) -> None:
        self.store.put_meta(org, KIND, alert["id"], alert)
