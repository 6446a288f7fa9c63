"""Saved searches and the event-type catalog: the console's small org-level documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Body, Depends, Response

from glasslog.api.auth import ADMIN_ROLES
from glasslog.api.errors import forbidden
from glasslog.console import saved
from glasslog.console.event_types import category, describe
from glasslog.log import Log

CATALOG_LIMIT = 5000


def router(log: Log, require_reader: Any) -> APIRouter:
    r = APIRouter(prefix="/api/glasslog", tags=["console"])

    def require_writer(principal: Any = Depends(require_reader)) -> Any:
        """Saved searches are the org's: READ_ONLY_ADMIN users read them, only a SUPER_ADMIN changes them."""
        if principal.role not in ADMIN_ROLES:
            raise forbidden(f"the {principal.role} role may not change saved searches")
        return principal

    @r.get("/saved-searches")
    def list_saved(principal: Any = Depends(require_reader)) -> dict[str, Any]:
        me, admin = _owner(principal), principal.role in ADMIN_ROLES
        return {"canWrite": admin,
                "searches": [{**d, "mine": d.get("owner") == me, "canDelete": admin}
                             for d in saved.list_all(log.store, principal.org)]}

    @r.post("/saved-searches", status_code=201)
    def create_saved(body: dict[str, Any] = Body(...), principal: Any = Depends(require_writer)) -> dict[str, Any]:
        """Save the current search (name, filter, q, range, since/until for a custom range, tz). SUPER_ADMIN only."""
        return saved.create(log.store, principal.org, body, _owner(principal), principal.name)

    @r.get("/saved-searches/{search_id}")
    def get_saved(search_id: str, principal: Any = Depends(require_reader)) -> dict[str, Any]:
        return saved.get(log.store, principal.org, search_id)

    @r.delete("/saved-searches/{search_id}", status_code=204)
    def delete_saved(search_id: str, principal: Any = Depends(require_writer)) -> Response:
        """Delete a saved search. SUPER_ADMIN only (any of the org's)."""
        saved.delete(log.store, principal.org, search_id, _owner(principal), is_admin=True)
        return Response(status_code=204)

    @r.get("/event-types")
    def event_types(principal: Any = Depends(require_reader)) -> dict[str, Any]:
        """Event types present in the org (whole retention window) with counts, categories and descriptions."""
        query = log.build_query(principal.org, since=datetime(1970, 1, 1, tzinfo=UTC),
                                until=datetime.now(UTC) + timedelta(days=366))
        rows = log.store.top_values(principal.org, query, "eventType", CATALOG_LIMIT)
        total = sum(n for _, n in rows)
        items = []
        for value, count in rows:
            name, text = describe(str(value))
            items.append({"eventType": name, "count": count, "share": count / total if total else 0.0,
                          "category": category(name), "description": text})
        return {"total": total, "eventTypes": items}

    return r


def _owner(principal: Any) -> str:
    """Who saved it: the token's id (stable; names may repeat)."""
    return str(getattr(principal, "token_id", None) or getattr(principal, "name", ""))
