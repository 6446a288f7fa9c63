import gzip
import io

import orjson
import pytest
from tests.conftest import SAMPLES, make_event

from glasslog.events.reader import ParseFailure, read_body, read_stream
from glasslog.store.base import Rejected


def test_array_ndjson_single_and_hook_envelope():
    a, b = make_event(), make_event()
    assert [r for _, r in read_body(orjson.dumps([a, b]))] == [a, b]
    nd = orjson.dumps(a) + b"\n\n" + orjson.dumps(b) + b"\n"
    assert [r for _, r in read_body(nd, "application/x-ndjson")] == [a, b]
    assert [r for _, r in read_body(nd, "application/json")] == [a, b]  # NDJSON sent as JSON
    assert [r for _, r in read_body(orjson.dumps(a))] == [a]
    hook = {"eventType": "com.okta.event_hook", "data": {"events": [a, b]}}
    assert [r for _, r in read_body(orjson.dumps(hook))] == [a, b]
    assert [r for _, r in read_body(gzip.compress(orjson.dumps([a])))] == [a]


def test_broken_body_is_a_parse_failure():
    for body in (b"[{\"uuid\": 1}", b"{\"uuid\": ", b"", b"   ", b"\x1f\x8bnotgzip"):
        with pytest.raises(ParseFailure):
            read_body(body, "application/json")


def test_broken_ndjson_line_is_rejected_by_index_only():
    a, b = make_event(), make_event()
    body = orjson.dumps(a) + b"\n{broken\n" + orjson.dumps(b)
    records = read_body(body, "application/x-ndjson")
    assert records[0][1] == a and records[2][1] == b
    assert isinstance(records[1][1], Rejected) and records[1][0] == 1


def test_stream_reads_api_page_and_gzip_ndjson():
    page = (SAMPLES / "elastic-integrations-okta-api-page.json").read_bytes()
    assert len(list(read_stream(io.BufferedReader(io.BytesIO(page))))) == 3
    nd = (SAMPLES / "elastic-integrations-okta-system.ndjson").read_bytes()
    got = list(read_stream(io.BufferedReader(io.BytesIO(gzip.compress(nd)))))
    assert len(got) == 26 and all(isinstance(r, dict) for _, r in got)
