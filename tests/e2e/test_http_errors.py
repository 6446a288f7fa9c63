"""Raw HTTP against a real server: every error case of reference §5 and malformed requests of every kind
come back as Okta error bodies with the right status, request id and rate-limit headers."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator

import httpx
import pytest
from tests.conftest import make_event
from tests.e2e.conftest import Running, ndjson, setup_server

NDJSON = {"Content-Type": "application/x-ndjson"}


def check(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["errorCode"] == code and body["errorLink"] == code and body["errorId"], body
    assert isinstance(body["errorCauses"], list) and body["errorSummary"]
    assert r.headers["x-okta-request-id"]
    assert r.headers["x-rate-limit-reset"].isdigit() and r.headers["x-rate-limit-remaining"].isdigit()
    return body


@pytest.fixture(scope="module")
def http(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.server.url, timeout=30) as c:
        yield c


@pytest.mark.parametrize("query,code", [
    ("limit=5000", "E0000001"), ("limit=-3", "E0000001"), ("limit=ten", "E0000001"),
    ("since=not-a-date", "E0000001"), ("until=2024-02-30T00:00:00Z", "E0000001"),
    ("since=2999-01-01T00:00:00.000Z", "E0000001"), ("sortOrder=sideways", "E0000001"),
    ("after=forged.cursor", "E0000001"), ("q=" + "a" * 41, "E0000001"),
    ("filter=eventType%20eq", "E0000053"), ("filter=bogusField%20eq%20%22x%22", "E0000053"),
    ("filter=%28%28%28", "E0000053"),
])
def test_bad_read_parameters(http: httpx.Client, running: Running, query: str, code: str) -> None:
    check(http.get("/api/v1/logs?" + query, headers=running.h()), 400, code)


def test_auth_errors(http: httpx.Client, running: Running) -> None:
    check(http.get("/api/v1/logs"), 401, "E0000011")
    check(http.get("/api/v1/logs", headers={"Authorization": "SSWS gl_wrong"}), 401, "E0000011")
    check(http.get("/api/v1/logs", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "E0000011")
    check(http.get("/api/v1/logs", headers=running.h("INGEST")), 403, "E0000006")
    check(http.post("/api/v1/logs", content=ndjson([make_event()]), headers=running.h("READ_ONLY_ADMIN", **NDJSON)),
          403, "E0000006")
    ok = http.get("/api/v1/logs", headers={"Authorization": "SSWS" + running.tokens["READ_ONLY_ADMIN"]})
    assert ok.status_code == 200


def test_wrong_org_token_never_sees_or_writes_other_org(http: httpx.Client, running: Running) -> None:
    ev = make_event(displayMessage="acme-only-marker")
    assert http.post("/api/v1/logs", content=ndjson([ev]), headers=running.h(**NDJSON)).json()["accepted"] == 1
    r = http.get("/api/v1/logs", params={"q": "acme-only-marker"}, headers=running.h("OTHER"))
    assert r.status_code == 200 and r.json() == []
    r = http.get("/api/v1/logs", params={"q": "acme-only-marker"}, headers=running.h())
    assert [e["uuid"] for e in r.json()] == [ev["uuid"]]
    # a next link of acme's used with globex's token
    nxt = http.get("/api/v1/logs?limit=1", headers=running.h()).links["next"]["url"]
    check(http.get(nxt, headers=running.h("OTHER")), 400, "E0000001")


@pytest.mark.parametrize("body,headers,status,code", [
    (b"[{\"uuid\": ", {"Content-Type": "application/json"}, 400, "E0000003"),
    (b"", {"Content-Type": "application/json"}, 400, "E0000003"),
    (b"not gzip", {"Content-Type": "application/json", "Content-Encoding": "gzip"}, 400, "E0000003"),
    (gzip.compress(b"[{\"a\":")[:-3], {"Content-Type": "application/json", "Content-Encoding": "gzip"}, 400,
     "E0000003"),
    (b"uuid=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "E0000001"),
    (b"<events/>", {"Content-Type": "application/xml"}, 415, "E0000001"),
    (b"[]", {"Content-Type": "application/json", "Content-Encoding": "compress"}, 415, "E0000001"),
])
def test_malformed_ingest(http: httpx.Client, running: Running, body: bytes, headers: dict, status: int,
                          code: str) -> None:
    check(http.post("/api/v1/logs", content=body, headers=running.h(**headers)), status, code)


def test_oversized_body_is_413_without_reading_it_all(running: Running) -> None:
    """Announce 100 MB, send a little: the server answers 413 at once instead of waiting for the rest."""
    with socket.create_connection(("127.0.0.1", running.server.port), timeout=10) as s:
        s.sendall(("POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                   f"Authorization: SSWS {running.tokens['SUPER_ADMIN']}\r\n"
                   "Content-Length: 100000000\r\n\r\n").encode() + b"{" * 1000)
        head = ""
        while "E0000093" not in head:
            chunk = s.recv(65536)
            if not chunk:
                break
            head += chunk.decode(errors="replace")
    assert head.startswith("HTTP/1.1 413"), head[:200]
    assert "E0000093" in head


def test_unknown_paths_and_methods(http: httpx.Client, running: Running) -> None:
    check(http.get("/api/v1/users", headers=running.h()), 404, "E0000007")
    check(http.patch("/api/v1/logs", headers=running.h()), 405, "E0000022")


def test_partial_rejection_over_http(http: httpx.Client, running: Running) -> None:
    body = ndjson([make_event()]) + b"{oops\n" + ndjson([{"uuid": "u-no-type", "published": "2024-01-01T00:00:00Z"}])
    r = http.post("/api/v1/logs", content=body, headers=running.h("INGEST", **NDJSON))
    assert r.status_code == 200
    doc = r.json()
    assert doc["accepted"] == 1 and [x["index"] for x in doc["rejected"]] == [1, 2]


def test_rate_limit_429(tmp_path_factory: pytest.TempPathFactory) -> None:
    r = setup_server(tmp_path_factory.mktemp("rl"), env={"GLASSLOG_RATE_LIMIT_READ_PER_MINUTE": "4"})
    try:
        with httpx.Client(base_url=r.server.url, timeout=30) as c:
            statuses = [c.get("/api/v1/logs", headers=r.h()).status_code for _ in range(3)]
            assert statuses == [200, 200, 429]  # the token's half of the org's 4
            last = c.get("/api/v1/logs", headers=r.h())
            body = check(last, 429, "E0000047")
            assert body["errorSummary"].startswith("API call exceeded rate limit")
            assert int(last.headers["retry-after"]) >= 1 and last.headers["x-rate-limit-limit"] == "2"
    finally:
        r.server.stop()
