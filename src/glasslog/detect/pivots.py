"""Pivots: from one value seen in an alert or event to every event sharing it (the guide's "pivot on session
IDs"). Each pivot is a filter AST run through the store, so it means exactly what the same filter typed in the
console means."""

from __future__ import annotations

from typing import Any

from glasslog.query.ast import Compare, Node, Or

PIVOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "session": (("authenticationContext", "externalSessionId"),),
    "root_session": (("authenticationContext", "rootSessionId"),),
    "transaction": (("transaction", "id"),),
    "actor": (("actor", "alternateId"),),
    "user": (("actor", "alternateId"), ("target", "alternateId")),  # what the user did and what was done to them
    "ip": (("client", "ipAddress"), ("request", "ipChain", "ip")),
    "user_agent": (("client", "userAgent", "rawUserAgent"),),
    "dt_hash": (("debugContext", "debugData", "dtHash"),),
}


def pivot_filter(kind: str, value: str) -> Node:
    """The filter AST for one pivot (`kind` one of PIVOTS)."""
    try:
        paths = PIVOTS[kind]
    except KeyError:
        raise ValueError(f"unknown pivot {kind!r}; use one of {', '.join(PIVOTS)}") from None
    items = [Compare(p, "eq", value) for p in paths]
    return items[0] if len(items) == 1 else Or(*items)


def pivot(glog: Any, org: str, kind: str, value: str, since: Any = None, until: Any = None,
          limit: int | None = 1000) -> list[dict[str, Any]]:
    """Events matching the pivot, oldest first (default range: all time up to now)."""
    return glog.search(org, filter=pivot_filter(kind, value), since=since or "1970-01-01T00:00:00Z",
                       until=until, limit=limit)


def _get(ev: dict[str, Any], *keys: str) -> Any:
    node: Any = ev
    for k in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(k)
    return node


def timeline_row(ev: dict[str, Any]) -> dict[str, Any]:
    """One compact line of a timeline."""
    targets = [t.get("displayName") or t.get("alternateId") for t in (ev.get("target") or []) if isinstance(t, dict)]
    return {
        "uuid": ev.get("uuid"), "published": ev.get("published"), "eventType": ev.get("eventType"),
        "displayMessage": ev.get("displayMessage"), "actor": _get(ev, "actor", "alternateId"),
        "result": _get(ev, "outcome", "result"), "reason": _get(ev, "outcome", "reason"),
        "ip": _get(ev, "client", "ipAddress"), "city": _get(ev, "client", "geographicalContext", "city"),
        "country": _get(ev, "client", "geographicalContext", "country"),
        "userAgent": _get(ev, "client", "userAgent", "rawUserAgent"),
        "session": _get(ev, "authenticationContext", "externalSessionId"), "targets": targets,
    }


def timeline(glog: Any, org: str, kind: str, value: str, since: Any = None, until: Any = None,
             limit: int | None = 5000) -> list[dict[str, Any]]:
    """A user's or a session's events as timeline rows, oldest first."""
    return [timeline_row(ev) for ev in pivot(glog, org, kind, value, since, until, limit)]


CONFIG_PREFIXES = ("policy.", "zone.", "application.", "system.", "group.", "iam.", "org.", "user.mfa.",
                   "user.account.privilege", "user.account.reset_password", "user.account.update_password",
                   "user.lifecycle.", "app.")
PRIVILEGE_TYPES = ("user.account.privilege.grant", "group.privilege.grant", "iam.resourceset.bindings.add",
                   "group.user_membership.add", "application.user_membership.add")


def session_summary(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What a session (or account) did: apps reached by SSO, admin console access, config and privilege changes."""
    apps: dict[str, dict[str, Any]] = {}
    admin, config, privilege = [], [], []
    for ev in events:
        et = str(ev.get("eventType") or "")
        when = ev.get("published")
        if et == "user.authentication.sso":
            for t in ev.get("target") or []:
                if isinstance(t, dict) and t.get("type") == "AppInstance":
                    name = t.get("displayName") or t.get("alternateId") or "?"
                    a = apps.setdefault(name, {"app": name, "count": 0, "first": when, "last": when})
                    a["count"] += 1
                    a["last"] = when
        elif et == "user.session.access_admin_app":
            admin.append(timeline_row(ev))
        if et in PRIVILEGE_TYPES:
            privilege.append(timeline_row(ev))
        elif et.startswith(CONFIG_PREFIXES) and et != "user.authentication.sso":
            config.append(timeline_row(ev))
    return {"apps": sorted(apps.values(), key=lambda a: a["first"] or ""), "admin_console": admin,
            "config_changes": config, "privilege_changes": privilege, "events": len(events)}
