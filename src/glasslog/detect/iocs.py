"""Indicators of compromise from a set of events (the guide's list: IP addresses, user agents, geographical
areas, targeted applications, plus ASNs and affected accounts), each with a count and first/last seen."""

from __future__ import annotations

from typing import Any

CATEGORIES = ("ips", "asns", "user_agents", "countries", "cities", "apps", "accounts")


def extract_iocs(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    table: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in CATEGORIES}

    def add(cat: str, value: Any, when: str | None, **extra: Any) -> None:
        if value in (None, "", "null", "unknown"):
            return
        key = str(value)
        item = table[cat].get(key)
        if item is None:
            item = table[cat][key] = {"value": key, "count": 0, "first_seen": when, "last_seen": when, **extra}
        item["count"] += 1
        if when and (item["first_seen"] is None or when < item["first_seen"]):
            item["first_seen"] = when
        if when and (item["last_seen"] is None or when > item["last_seen"]):
            item["last_seen"] = when

    for ev in events:
        when = ev.get("published")
        client = ev.get("client") or {}
        geo = client.get("geographicalContext") or {}
        sec = ev.get("securityContext") or {}
        add("ips", client.get("ipAddress"), when)
        for hop in (ev.get("request") or {}).get("ipChain") or []:
            if isinstance(hop, dict) and hop.get("ip") != client.get("ipAddress"):
                add("ips", hop.get("ip"), when)
        if sec.get("asNumber") is not None:
            add("asns", sec.get("asNumber"), when, org=sec.get("asOrg"))
        add("user_agents", (client.get("userAgent") or {}).get("rawUserAgent"), when)
        add("countries", geo.get("country"), when)
        if geo.get("city"):
            add("cities", f"{geo.get('city')}, {geo.get('country') or '?'}", when)
        actor = ev.get("actor") or {}
        if actor.get("type") == "User":
            add("accounts", actor.get("alternateId"), when)
        for t in ev.get("target") or []:
            if not isinstance(t, dict):
                continue
            if t.get("type") == "AppInstance":
                add("apps", t.get("displayName") or t.get("alternateId"), when)
            elif t.get("type") == "User":
                add("accounts", t.get("alternateId"), when)
    return {c: sorted(v.values(), key=lambda i: (-i["count"], i["value"])) for c, v in table.items()}
