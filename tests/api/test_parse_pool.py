"""The ingest worker processes give the same verdicts and texts as validating in the server's own process."""

from __future__ import annotations

import asyncio

import orjson
from tests.conftest import make_event

from glasslog.api.journal_file import batch_of
from glasslog.api.logs_ingest import parse_events
from glasslog.api.parse_pool import ParsePool


def _body() -> bytes:
    plain = [orjson.dumps(make_event()) for _ in range(5)]
    escaped = b'{"uuid":"u-esc","published":"2024-05-01T00:00:00Z","eventType":"t","displayMessage":"caf\\u00e9"}'
    return b"\n".join([
        b"  " + plain[0],                      # leading white space
        plain[1] + b"\r",                      # a CRLF line
        b"",                                   # blank lines are not records
        b"{not json",                          # malformed
        b'{"uuid":"","published":"2024-05-01T00:00:00Z","eventType":"t"}',  # empty uuid
        escaped,                               # \u escapes: the stored text is normalised
        b"[1, 2]",                             # not an object
        b'{"uuid":"u-bad-time","published":"yesterday","eventType":"t"}',
        *plain[2:],
        b"   ",
    ]) + b"\n"


def _key(batch, rejected):  # noqa: ANN001, ANN202
    return (batch.uuids, batch.lo, batch.hi, batch.encoded, batch.sent, [(r.index, r.reason) for r in rejected])


def test_workers_agree_with_the_in_process_path() -> None:
    body = _body()
    pool = ParsePool(1)
    try:
        got = asyncio.run(pool.validate(body))
        assert got is not None
        good, bad = parse_events(body, "ndjson")
        assert _key(*got) == _key(batch_of(good), bad)
        batch, rejected = got
        assert [r.index for r in rejected] == [2, 3, 5, 6]
        assert batch.sent == 6 and len(batch) == 6
        events = {e.uuid: e for e in batch.events()}  # the journal's encoding gives back what was validated
        assert {(e.uuid, e.raw, e.published) for e in good} == {(e.uuid, e.raw, e.published) for e in
                                                                 events.values()}
        assert events["u-esc"].raw == orjson.dumps(orjson.loads(
            b'{"uuid":"u-esc","published":"2024-05-01T00:00:00Z","eventType":"t","displayMessage":"caf\\u00e9"}'))
    finally:
        pool.close()


def test_no_workers_means_the_caller_validates() -> None:
    assert asyncio.run(ParsePool(0).validate(_body())) is None


def test_a_batch_keeps_the_first_of_repeated_uuids_in_time_order() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    a, b = make_event(when=now), make_event(when=now - timedelta(hours=1))
    second_a = {**a, "displayMessage": "sent again"}
    good, _ = parse_events(b"\n".join(orjson.dumps(e) for e in (a, b, second_a)), "ndjson")
    batch = batch_of(good)
    assert batch.sent == 3 and batch.uuids == [b["uuid"], a["uuid"]]
    assert [orjson.loads(e.raw) for e in batch.events()] == [b, a]
    assert batch.only({a["uuid"]}).uuids == [a["uuid"]]
