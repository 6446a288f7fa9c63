"""Schemathesis generates requests from our own /openapi.json; no input may produce a 5xx, and every
error must be an Okta error body with the request-id and rate-limit headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from tests.api.conftest import Api, build_api
from tests.conftest import make_event


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    path: Path = tmp_path_factory.mktemp("fuzz")
    gen = build_api(path, rate_limit_read_per_minute=1_000_000, rate_limit_write_per_minute=1_000_000,
                    rate_limit_other_per_minute=1_000_000, rate_limit_anonymous_per_minute=1_000_000,
                    max_body_bytes=1_000_000)
    api = next(gen)
    api.log.ingest([make_event() for _ in range(50)], org="acme")
    yield api
    next(gen, None)


def operations(api: Api) -> list:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors(fuzz_api: Api) -> None:
    ops = operations(fuzz_api)
    assert {(op.method.upper(), op.path) for op in ops} >= {("GET", "/api/v1/logs"), ("POST", "/api/v1/logs")}
    checked = 0
    for op in ops:
        @given(case=op.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case: schemathesis.Case) -> None:
            nonlocal checked
            headers = dict(case.headers or {})
            if case.method.upper() != "DELETE":
                headers["Authorization"] = f"SSWS {fuzz_api.tokens['SUPER_ADMIN']}"
            case.headers = headers
            response = case.call()
            checked += 1
            assert response.status_code < 500, (case.method, case.path, case.query, response.text[:500])
            assert response.headers.get("x-okta-request-id")
            assert response.headers.get("x-rate-limit-remaining")
            if response.status_code >= 400:
                body = response.json()
                assert body["errorCode"].startswith("E0000") and body["errorId"]

        run()
    assert checked >= 100
