"""Saved searches: per org, kept in the store's metadata (kind `console.saved_search`).

Decision: saved searches belong to the org and everyone in it sees and opens them, but only a SUPER_ADMIN
saves or deletes one — the issue asks that read-only users see no control that changes anything, and the
incident-response guide gives investigators READ_ONLY_ADMIN precisely so they cannot change the org. The routes
refuse a READ_ONLY_ADMIN write with Okta's 403 E0000006; `delete` keeps an owner check for callers that are not
admins (the routes only call it for a SUPER_ADMIN).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from glasslog.errors import GlasslogError, validation_error
from glasslog.store.base import Store

KIND = "console.saved_search"
MAX_NAME = 100
MAX_TEXT = 4000
RANGES = ("1h", "24h", "7d", "30d", "90d", "custom")
FIELDS = ("filter", "q", "range", "since", "until", "tz")


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    name = str(body.get("name") or "").strip()
    if not name:
        raise validation_error("name: a saved search needs a name")
    if len(name) > MAX_NAME:
        raise validation_error(f"name: at most {MAX_NAME} characters")
    doc: dict[str, Any] = {"name": name}
    for key in FIELDS:
        value = body.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise validation_error(f"{key}: a string of at most {MAX_TEXT} characters")
        doc[key] = value
    if doc.get("range", "7d") not in RANGES:
        raise validation_error(f"range: one of {', '.join(RANGES)}")
    if doc.get("range") == "custom" and not (doc.get("since") and doc.get("until")):
        raise validation_error("a custom range needs since and until")
    return doc


def create(store: Store, org: str, body: dict[str, Any], owner: str, owner_name: str = "") -> dict[str, Any]:
    doc = _clean(body)
    doc["id"] = "ss" + secrets.token_hex(8)
    doc["owner"] = owner
    doc["ownerName"] = owner_name
    doc["created"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    store.put_meta(org, KIND, doc["id"], doc)
    return doc


def list_all(store: Store, org: str) -> list[dict[str, Any]]:
    docs = [d for _, d in store.list_meta(org, KIND)]
    return sorted(docs, key=lambda d: (d.get("name", "").lower(), d.get("created", "")))


def get(store: Store, org: str, search_id: str) -> dict[str, Any]:
    doc = store.get_meta(org, KIND, search_id)
    if doc is None:
        raise GlasslogError("E0000007", f"no saved search {search_id}")
    return doc


def delete(store: Store, org: str, search_id: str, owner: str, is_admin: bool) -> None:
    doc = get(store, org, search_id)
    if not is_admin and doc.get("owner") != owner:
        raise GlasslogError("E0000006", "only its owner or a SUPER_ADMIN may delete a saved search")
    store.delete_meta(org, KIND, search_id)
