"""The ingest worker processes give the same verdicts and texts as validating in the server's own process."""

from __future__ import annotations

import asyncio

import orjson
from tests.conftest import make_event

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


def _key(events, rejected):  # noqa: ANN001, ANN202
    return ([(e.uuid, e.raw, e.published) for e in events], [(r.index, r.reason) for r in rejected])


def test_workers_agree_with_the_in_process_path() -> None:
    body = _body()
    pool = ParsePool(1)
    try:
        got = asyncio.run(pool.validate(body))
        assert got is not None
        assert _key(*got) == _key(*parse_events(body, "ndjson"))
        events, rejected = got
        assert len(events) == 6 and [r.index for r in rejected] == [2, 3, 5, 6]
        assert next(e for e in events if e.uuid == "u-esc").raw == orjson.dumps(orjson.loads(
            b'{"uuid":"u-esc","published":"2024-05-01T00:00:00Z","eventType":"t","displayMessage":"caf\\u00e9"}'))
    finally:
        pool.close()


def test_no_workers_means_the_caller_validates() -> None:
    assert asyncio.run(ParsePool(0).validate(_body())) is None
