"""Shared test helpers: where the third-party sample data lives, and event builders."""

from __future__ import annotations

import uuid as _uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLES = SHARED_DATA / "okta-samples"


def sample_events() -> list[dict[str, Any]]:
    """The real public Okta events (NDJSON sample), as parsed objects, in file order."""
    path = SAMPLES / "elastic-integrations-okta-system.ndjson"
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def make_event(event_type: str = "user.session.start", when: datetime | None = None, **fields: Any) -> dict:
    """A small but well-formed LogEvent."""
    when = when or datetime.now(UTC) - timedelta(minutes=5)
    ev: dict[str, Any] = {
        "uuid": str(_uuid.uuid4()),
        "published": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "displayMessage": "User login to Okta",
        "actor": {"id": "00u1", "type": "User", "alternateId": "john@example.com", "displayName": "John Smith"},
        "outcome": {"result": "SUCCESS", "reason": None},
        "client": {"ipAddress": "203.0.113.9", "userAgent": {"rawUserAgent": "Mozilla/5.0"}},
    }
    ev.update(fields)
    return ev


@pytest.fixture
def samples() -> list[dict[str, Any]]:
    return sample_events()
