from datetime import UTC, datetime

import pytest
from tests.conftest import make_event, sample_events

from glasslog.events.timeparse import format_rfc3339, parse_rfc3339
from glasslog.events.validate import validate_event
from glasslog.store.base import Rejected, ValidEvent


def test_real_samples_are_all_valid_and_kept_verbatim():
    for i, ev in enumerate(sample_events()):
        checked = validate_event(ev, i)
        assert isinstance(checked, ValidEvent), checked
        assert checked.uuid == ev["uuid"]


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda e: e.pop("uuid"), "uuid", "is required"),
        (lambda e: e.update(uuid=""), "uuid", "non-empty"),
        (lambda e: e.update(uuid=5), "uuid", "got a number"),
        (lambda e: e.pop("eventType"), "eventType", "is required"),
        (lambda e: e.update(eventType="x" * 256), "eventType", "longer than 255"),
        (lambda e: e.update(published="yesterday"), "published", "not an RFC 3339"),
        (lambda e: e.update(published="2024-02-30T00:00:00Z"), "published", "not a valid date"),
        (lambda e: e.update(published="2024-02-01"), "published", "not an RFC 3339"),
        (lambda e: e.update(published=None), "published", "got null"),
    ],
)
def test_rejections_name_the_field_and_reason(mutate, field, words):
    ev = make_event()
    mutate(ev)
    checked = validate_event(ev, 7)
    assert isinstance(checked, Rejected)
    assert checked.index == 7
    assert f"{field}:" in checked.reason and words in checked.reason


def test_non_object_records_are_rejected():
    assert "JSON object" in validate_event([1, 2], 0).reason  # type: ignore[union-attr]
    assert "JSON object" in validate_event("x", 0).reason  # type: ignore[union-attr]


def test_oddities_survive():
    ev = make_event(version=0, client={}, extra={"nested": [1, None, "null"]})
    ev["client"] = {"zone": "null", "ipAddress": "null"}
    checked = validate_event(ev)
    assert isinstance(checked, ValidEvent)
    import orjson

    assert orjson.loads(checked.raw) == ev


def test_rfc3339_offsets_become_utc():
    assert parse_rfc3339("2024-08-13T17:58:20.353+02:00") == datetime(2024, 8, 13, 15, 58, 20, 353000, UTC)
    assert parse_rfc3339("2024-08-13T15:58:20Z") == datetime(2024, 8, 13, 15, 58, 20, tzinfo=UTC)
    assert parse_rfc3339("2024-08-13T15:58:20.123456789Z").microsecond == 123456
    assert format_rfc3339(datetime(2024, 8, 13, 15, 58, 20, 353999, UTC)) == "2024-08-13T15:58:20.353Z"
    with pytest.raises(ValueError):
        parse_rfc3339("2024-08-13T15:58:20+25:00")
