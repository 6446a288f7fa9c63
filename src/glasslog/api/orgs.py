"""Orgs (tenants). An org exists once it has a record in the store's metadata (kind "org"); orgs that only
received events through `glasslog import` exist too (the store lists them), so tokens can be made for them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from glasslog.api import audit
from glasslog.api.tokens import KIND as TOKEN_KIND
from glasslog.errors import GlasslogError, validation_error
from glasslog.log import Log

KIND = "org"
KEY = "info"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def create_org(log: Log, name: str, actor: audit.Actor | None = None) -> dict[str, Any]:
    if not _NAME.match(name):
        raise validation_error("an org name is 1–63 letters, digits, '-', '_' or '.', starting with a letter "
                               "or digit")
    if log.store.get_meta(name, KIND, KEY) is not None:
        raise GlasslogError("E0000001", f"org {name!r} already exists")
    actor = actor or audit.cli_actor()
    doc = {"name": name, "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
           "createdBy": actor.alternate_id}
    log.store.put_meta(name, KIND, KEY, doc)
    audit.record_admin_event(log, name, "system.org.lifecycle.create", "Create org", actor,
                             [audit.org_target(name)])
    return doc


def list_orgs(log: Log) -> list[dict[str, Any]]:
    out = []
    for org in log.store.orgs():
        if org.startswith("_"):
            continue  # glasslog's own bookkeeping
        info = log.store.get_meta(org, KIND, KEY) or {"name": org}
        out.append({**info, "name": org, "tokens": len(log.store.list_meta(org, TOKEN_KIND))})
    return out
