"""glasslog's own administrative actions, written into the org's log as real LogEvents.

An audit log that does not record who created or revoked its own credentials cannot be trusted, so token
creation/revocation, org creation and setting changes become events of Okta's own types
(`system.api_token.create`, `system.api_token.revoke`, `system.org.lifecycle.create`, …) with the acting
principal as actor, shaped like the events Okta emits so the same filters and detections apply.

Other parts (e.g. the `retention` command) can call `record_admin_event` for their setting changes.
"""

from __future__ import annotations

import getpass
import socket
import uuid as _uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glasslog.events.validate import validate_event
from glasslog.log import Log
from glasslog.store.base import ValidEvent


@dataclass(frozen=True)
class Actor:
    """Who did it: a token (`type` "PublicClientApp", id = token id) or the local CLI user."""

    id: str
    type: str
    alternate_id: str
    display_name: str
    ip: str | None = None
    user_agent: str | None = None
    token_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "alternateId": self.alternate_id,
                "displayName": self.display_name, "detailEntry": None}


def cli_actor() -> Actor:
    """The person running the `glasslog` command on this machine."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        user = "unknown"
    host = socket.gethostname()
    return Actor(id=f"cli:{user}@{host}", type="SystemPrincipal", alternate_id=f"{user}@{host}",
                 display_name=f"glasslog CLI ({user})", user_agent="glasslog-cli")


def token_actor(org: str, token_id: str, name: str, ip: str | None = None, user_agent: str | None = None) -> Actor:
    return Actor(id=token_id, type="PublicClientApp", alternate_id=name or token_id,
                 display_name=f"API token {name or token_id}", ip=ip, user_agent=user_agent, token_id=token_id)


def build_event(event_type: str, display_message: str, actor: Actor, targets: list[dict[str, Any]],
                detail: dict[str, Any] | None = None, result: str = "SUCCESS",
                now: datetime | None = None) -> dict[str, Any]:
    """A LogEvent in Okta's shape for one administrative action."""
    now = now or datetime.now(UTC)
    request_id = _uuid.uuid4().hex
    tx_detail: dict[str, Any] = {}
    if actor.token_id:
        tx_detail["requestApiTokenId"] = actor.token_id
    return {
        "uuid": str(_uuid.uuid4()),
        "published": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "legacyEventType": None,
        "displayMessage": display_message,
        "actor": actor.as_dict(),
        "client": {
            "userAgent": {"rawUserAgent": actor.user_agent, "os": None, "browser": None}
            if actor.user_agent else None,
            "zone": "null",
            "device": "Computer" if actor.ip else None,
            "id": None,
            "ipAddress": actor.ip,
            "geographicalContext": None,
        },
        "device": None,
        "authenticationContext": {"authenticationProvider": None, "credentialProvider": None,
                                  "credentialType": None, "issuer": None, "externalSessionId": None,
                                  "interface": None},
        "outcome": {"result": result, "reason": None},
        "target": targets,
        "transaction": {"type": "WEB" if actor.ip else "JOB", "id": request_id, "detail": tx_detail},
        "debugContext": {"debugData": {"requestId": request_id, **(detail or {})}},
        "securityContext": {"asNumber": None, "asOrg": None, "isp": None, "domain": None, "isProxy": None},
        "request": {"ipChain": [{"ip": actor.ip, "geographicalContext": None, "version": "V4", "source": None}]
                    if actor.ip else []},
    }


def token_target(token_id: str, name: str, role: str) -> dict[str, Any]:
    return {"id": token_id, "type": "Token", "alternateId": name, "displayName": name,
            "detailEntry": {"role": role}}


def org_target(org: str) -> dict[str, Any]:
    return {"id": org, "type": "Org", "alternateId": org, "displayName": org, "detailEntry": None}


def record_admin_event(log: Log, org: str, event_type: str, display_message: str, actor: Actor,
                       targets: list[dict[str, Any]], detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the event and commit it to the org's log (durably, like any ingest)."""
    event = build_event(event_type, display_message, actor, targets, detail)
    checked = validate_event(event)
    assert isinstance(checked, ValidEvent), checked  # built here, always valid
    log.ingest_valid([checked], org=org)
    return event
