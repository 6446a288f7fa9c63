"""Containment hooks: recording the response actions taken on an alert or investigation.

An action (suspend user, clear sessions, reset factors, block IP, ...) is recorded on its alert or investigation
and in meta kind "response_action", then handed to a `ResponseExecutor`. Today the executor only records
(status "recorded"); an executor that calls the identity provider's API (Okta: lifecycle/suspend,
DELETE /users/{id}/sessions, lifecycle/reset_factors, network zone update) plugs in here later without changing
callers: it returns the status and the provider's answer, which are stored with the action.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from glasslog.detect.alerts import now_iso

ACTIONS = {
    "suspend_user": "Suspend the user",
    "clear_sessions": "Clear the user's sessions",
    "reset_factors": "Reset the user's MFA factors",
    "reset_password": "Reset the user's password",
    "block_ip": "Block the IP with a network zone",
    "move_to_quarantine_group": "Move the user to a restricted group",
}
KIND = "response_action"


@dataclass
class ActionResult:
    status: str  # recorded | done | failed
    detail: dict[str, Any] = field(default_factory=dict)


class ResponseExecutor(Protocol):
    """Carries out a response action against an identity provider."""

    name: str

    def execute(self, org: str, action: str, subject: str, context: dict[str, Any]) -> ActionResult: ...


class RecordOnlyExecutor:
    """Records that the analyst took (or will take) the action by hand; touches nothing."""

    name = "record-only"

    def execute(self, org: str, action: str, subject: str, context: dict[str, Any]) -> ActionResult:
        return ActionResult("recorded", {"executor": self.name})


def record_action(store: Any, org: str, on: str, target_id: str, action: str, subject: str, who: str = "",
                  comment: str = "", executor: ResponseExecutor | None = None) -> dict[str, Any]:
    """Record `action` on `subject` (a user login or IP) for an alert or investigation (`on`)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    if on not in ("alert", "investigation"):
        raise ValueError("actions are recorded on an alert or an investigation")
    doc = store.get_meta(org, on, target_id)
    if doc is None:
        raise KeyError(target_id)
    executor = executor or RecordOnlyExecutor()
    result = executor.execute(org, action, subject, {"on": on, "id": target_id})
    entry = {"id": uuidlib.uuid4().hex[:16], "at": now_iso(), "by": who, "action": action, "subject": subject,
             "comment": comment, "status": result.status, "executor": executor.name, "detail": result.detail,
             "on": on, "target_id": target_id}
    doc.setdefault("actions", []).append(entry)
    store.put_meta(org, on, target_id, doc)
    store.put_meta(org, KIND, entry["id"], entry)
    return entry
