"""Flat rows for CSV: one definition of the columns, shared by `glasslog search --format csv` and the console's
Download CSV, so both exports of the same query are the same file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

# (header, how to read it from the event). Documented in the README.
CSV_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("published", ("published",)),
    ("eventType", ("eventType",)),
    ("displayMessage", ("displayMessage",)),
    ("severity", ("severity",)),
    ("outcome.result", ("outcome", "result")),
    ("outcome.reason", ("outcome", "reason")),
    ("actor.id", ("actor", "id")),
    ("actor.type", ("actor", "type")),
    ("actor.alternateId", ("actor", "alternateId")),
    ("actor.displayName", ("actor", "displayName")),
    ("client.ipAddress", ("client", "ipAddress")),
    ("client.geographicalContext.country", ("client", "geographicalContext", "country")),
    ("client.geographicalContext.state", ("client", "geographicalContext", "state")),
    ("client.geographicalContext.city", ("client", "geographicalContext", "city")),
    ("client.userAgent.rawUserAgent", ("client", "userAgent", "rawUserAgent")),
    ("authenticationContext.externalSessionId", ("authenticationContext", "externalSessionId")),
    ("transaction.id", ("transaction", "id")),
    ("targets", ()),
    ("uuid", ("uuid",)),
)


def _dig(event: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(event, dict):
            return None
        event = event.get(key)
    return event


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def targets_text(event: dict[str, Any]) -> str:
    """`Type:displayName (alternateId)` for each target, joined by `; `."""
    items = event.get("target") if isinstance(event, dict) else None
    if not isinstance(items, list):
        return ""
    parts = []
    for t in items:
        if not isinstance(t, dict):
            continue
        label = f"{t.get('type') or ''}:{t.get('displayName') or t.get('id') or ''}"
        if t.get("alternateId"):
            label += f" ({t['alternateId']})"
        parts.append(label)
    return "; ".join(parts)


def csv_row(event: dict[str, Any]) -> list[str]:
    return [targets_text(event) if name == "targets" else _text(_dig(event, path)) for name, path in CSV_COLUMNS]


def iter_csv(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text in chunks (header first), in constant memory."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([name for name, _ in CSV_COLUMNS])
    for i, event in enumerate(events, 1):
        writer.writerow(csv_row(event))
        if i % 500 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
