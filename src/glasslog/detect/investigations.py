"""Investigations: a named case that gathers alerts and pivots, with notes and response actions, kept in the
org's metadata (kind "investigation"). Its events are recomputed from the pivots on demand, so the case always
reflects what the log holds (and evidence exports are reproducible from the same pivots)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from glasslog.detect.alerts import AlertStore, now_iso
from glasslog.detect.iocs import extract_iocs
from glasslog.detect.pivots import PIVOTS, pivot, session_summary, timeline_row

KIND = "investigation"
MAX_EVENTS = 20_000


def _pivot_items(items: Any) -> list[tuple[str, Any]]:
    """(kind, value) of each requested pivot; a body of another shape is the client's error (400), not ours."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(p, dict) and isinstance(p.get("kind"), str)
                                              for p in items):
        raise ValueError('pivots must be a list of {"kind": …, "value": …} objects')
    return [(p["kind"], p.get("value")) for p in items]


def _alert_ids(items: Any) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        raise ValueError("alert ids must be a list of strings")
    return items


class Investigations:
    def __init__(self, glog: Any) -> None:
        self.log = glog
        self.store = glog.store
        self.alerts = AlertStore(self.store)

    def create(self, org: str, title: str, who: str = "", alert_ids: list[str] | None = None,
               pivots: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """A new investigation; starting from alerts adds their accounts, IPs and sessions as pivots."""
        doc = {"id": uuidlib.uuid4().hex[:16], "org": org, "title": title, "created": now_iso(),
               "created_by": who, "state": "open", "alert_ids": [], "pivots": [], "notes": [], "actions": []}
        for kind, value in _pivot_items(pivots):
            self._add_pivot(doc, kind, value)
        for aid in _alert_ids(alert_ids):
            self._add_alert(org, doc, aid)
        self.store.put_meta(org, KIND, doc["id"], doc)
        return doc

    def get(self, org: str, inv_id: str) -> dict[str, Any] | None:
        return self.store.get_meta(org, KIND, inv_id)

    def list(self, org: str) -> list[dict[str, Any]]:
        return sorted((d for _, d in self.store.list_meta(org, KIND)), key=lambda d: d["created"], reverse=True)

    def update(self, org: str, inv_id: str, *, add_pivots: list[dict[str, str]] | None = None,
               add_alerts: list[str] | None = None, note: str | None = None, who: str = "",
               state: str | None = None) -> dict[str, Any]:
        doc = self._need(org, inv_id)
        if note is not None and not isinstance(note, str):
            raise ValueError("note must be a string")
        if state is not None and not isinstance(state, str):
            raise ValueError("state must be open or closed")
        for kind, value in _pivot_items(add_pivots):
            self._add_pivot(doc, kind, value)
        for aid in _alert_ids(add_alerts):
            self._add_alert(org, doc, aid)
        if note:
            doc["notes"].append({"at": now_iso(), "by": who, "text": note})
        if state:
            if state not in ("open", "closed"):
                raise ValueError("state must be open or closed")
            doc["state"] = state
        self.store.put_meta(org, KIND, inv_id, doc)
        return doc

    def save(self, org: str, doc: dict[str, Any]) -> None:
        self.store.put_meta(org, KIND, doc["id"], doc)

    def _need(self, org: str, inv_id: str) -> dict[str, Any]:
        doc = self.get(org, inv_id)
        if doc is None:
            raise KeyError(inv_id)
        return doc

    @staticmethod
    def _add_pivot(doc: dict[str, Any], kind: str, value: Any) -> None:
        if kind not in PIVOTS:
            raise ValueError(f"unknown pivot {kind!r}; use one of {', '.join(PIVOTS)}")
        if value in (None, "", "null"):
            return
        entry = {"kind": kind, "value": str(value)}
        if entry not in doc["pivots"]:
            doc["pivots"].append(entry)

    def _add_alert(self, org: str, doc: dict[str, Any], alert_id: str) -> None:
        alert = self.alerts.get(org, alert_id)
        if alert is None:
            raise KeyError(alert_id)
        if alert_id not in doc["alert_ids"]:
            doc["alert_ids"].append(alert_id)
        for name, value in (alert.get("group") or {}).items():
            kind = {"actor.alternateId": "user", "client.ipAddress": "ip",
                    "authenticationContext.externalSessionId": "session",
                    "debugContext.debugData.dtHash": "dt_hash"}.get(name)
            if kind:
                self._add_pivot(doc, kind, value)
        for key in ("ip",):
            if (alert.get("details") or {}).get(key):
                self._add_pivot(doc, "ip", alert["details"][key])
        # sessions the alert's own events belong to
        events = self.alert_events(org, alert)
        for ev in events[:50]:
            sid = (ev.get("authenticationContext") or {}).get("externalSessionId")
            if sid and sid != "unknown" and str(ev.get("outcome", {}).get("result")) == "SUCCESS":
                self._add_pivot(doc, "session", sid)

    def alert_events(self, org: str, alert: dict[str, Any]) -> list[dict[str, Any]]:
        from glasslog.query.ast import Compare, Or

        uuids = alert.get("uuids") or []
        out: list[dict[str, Any]] = []
        for i in range(0, len(uuids), 200):
            chunk = [Compare(("uuid",), "eq", u) for u in uuids[i:i + 200]]
            node = chunk[0] if len(chunk) == 1 else Or(*chunk)
            out += self.log.search(org, filter=node, since=alert["first_seen"],
                                   until=_after(alert["last_seen"]), limit=None)
        return out

    # -- the analyst's views -----------------------------------------------------------------------------

    def events(self, org: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """Every event any pivot or alert of the investigation reaches, oldest first, without duplicates."""
        seen: dict[str, dict[str, Any]] = {}
        for p in doc["pivots"]:
            for ev in pivot(self.log, org, p["kind"], p["value"], limit=MAX_EVENTS):
                seen.setdefault(ev["uuid"], ev)
        for aid in doc["alert_ids"]:
            alert = self.alerts.get(org, aid)
            if alert:
                for ev in self.alert_events(org, alert):
                    seen.setdefault(ev["uuid"], ev)
        return sorted(seen.values(), key=lambda e: (e.get("published") or "", e.get("uuid") or ""))

    def view(self, org: str, inv_id: str) -> dict[str, Any]:
        """Investigation + timeline + IOCs + session summary + its alerts, in one document."""
        doc = self._need(org, inv_id)
        events = self.events(org, doc)
        return {"investigation": doc, "timeline": [timeline_row(e) for e in events],
                "iocs": extract_iocs(events), "summary": session_summary(events),
                "alerts": [a for a in (self.alerts.get(org, i) for i in doc["alert_ids"]) if a]}


def _after(stamp: str) -> str:
    from datetime import timedelta

    from glasslog.events.timeparse import to_utc

    return (to_utc(stamp) + timedelta(milliseconds=1)).isoformat()
