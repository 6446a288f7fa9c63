"""Authentication, console sessions and CSRF, rate limits, and the Okta envelope on every response."""

from __future__ import annotations

import orjson
import pytest
from tests.api.conftest import Api, build_api, ndjson
from tests.conftest import make_event

from glasslog.api import tokens
from glasslog.api.ratelimit import RateLimiter


def assert_envelope(r) -> None:
    assert r.headers.get("x-okta-request-id")
    for h in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        assert r.headers.get(h, "").isdigit(), (h, dict(r.headers))


def assert_okta_error(r, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
    assert body["errorCode"] == code and body["errorLink"] == code
    assert_envelope(r)


@pytest.mark.parametrize("header", [None, "SSWS", "SSWS nope", "Bearer x", "SSWSwrong", "ssws  "])
def test_missing_or_invalid_token_is_401(api: Api, header: str | None) -> None:
    r = api.client.get("/api/v1/logs", headers={"Authorization": header} if header is not None else {})
    assert_okta_error(r, 401, "E0000011")


def test_ssws_with_and_without_space(api: Api) -> None:
    token = api.tokens["READ_ONLY_ADMIN"]
    for value in (f"SSWS {token}", f"SSWS{token}", f"ssws   {token}"):
        r = api.client.get("/api/v1/logs", headers={"Authorization": value})
        assert r.status_code == 200, value
        assert_envelope(r)


def test_error_ids_are_unique(api: Api) -> None:
    ids = {api.client.get("/api/v1/logs").json()["errorId"] for _ in range(3)}
    assert len(ids) == 3


def test_framework_errors_are_okta_bodies(api: Api) -> None:
    assert_okta_error(api.client.get("/api/v1/nothing-here", headers=api.h()), 404, "E0000007")
    assert_okta_error(api.client.put("/api/v1/logs", headers=api.h()), 405, "E0000022")
    assert_okta_error(api.client.delete("/api/v1/logs", headers=api.h()), 405, "E0000022")


def test_session_flow_with_csrf(api: Api) -> None:
    c = api.client
    r = c.post("/api/glasslog/session", json={"token": api.tokens["SUPER_ADMIN"]})
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["org"] == "acme" and info["role"] == "SUPER_ADMIN" and info["name"] and info["csrf"]
    cookie = r.headers["set-cookie"]
    assert "glasslog_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace(
        "Strict", "strict")
    assert api.tokens["SUPER_ADMIN"] not in cookie
    assert c.get("/api/glasslog/session").json() == info
    # cookie works for reading
    assert c.get("/api/v1/logs").status_code == 200
    # state change by cookie needs the CSRF header
    body = ndjson([make_event()])
    r = c.post("/api/v1/logs", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert_okta_error(r, 403, "E0000006")
    r = c.post("/api/v1/logs", content=body, headers={"Content-Type": "application/x-ndjson",
                                                      "X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = c.post("/api/v1/logs", content=body, headers={"Content-Type": "application/x-ndjson",
                                                      "X-CSRF-Token": info["csrf"]})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    # sign out needs CSRF too
    assert c.delete("/api/glasslog/session").status_code == 403
    assert c.delete("/api/glasslog/session", headers={"X-CSRF-Token": info["csrf"]}).status_code == 204
    c.cookies.clear()
    assert_okta_error(c.get("/api/glasslog/session"), 401, "E0000011")


def test_signed_out_cookie_is_dead(api: Api) -> None:
    c = api.client
    info = c.post("/api/glasslog/session", json={"token": api.tokens["READ_ONLY_ADMIN"]}).json()
    sid = c.cookies.get("glasslog_session")
    c.delete("/api/glasslog/session", headers={"X-CSRF-Token": info["csrf"]})
    c.cookies.clear()
    r = c.get("/api/v1/logs", headers={"Cookie": f"glasslog_session={sid}"})
    assert_okta_error(r, 401, "E0000011")


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"token": 5}', b'{"token": "nope"}'])
def test_bad_session_requests(api: Api, body: bytes) -> None:
    r = api.client.post("/api/glasslog/session", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 401), r.text
    assert r.json()["errorCode"] in ("E0000001", "E0000003", "E0000011")
    assert_envelope(r)


def test_revoked_token_stops_working(tmp_path) -> None:
    gen = build_api(tmp_path, token_cache_seconds=0)
    api = next(gen)
    c = api.client
    assert c.get("/api/v1/logs", headers=api.h("READ_ONLY_ADMIN")).status_code == 200
    c.post("/api/glasslog/session", json={"token": api.tokens["READ_ONLY_ADMIN"]})
    rec = tokens.lookup(api.log, api.tokens["READ_ONLY_ADMIN"])
    tokens.revoke_token(api.log, rec)
    assert c.get("/api/v1/logs", headers=api.h("READ_ONLY_ADMIN")).status_code == 401
    assert c.get("/api/glasslog/session").status_code == 401  # the session dies with its token
    next(gen, None)


def test_token_is_stored_only_as_hash(api: Api) -> None:
    for org in ("acme", "globex"):
        for key, doc in api.log.store.list_meta(org, "token"):
            blob = key + orjson.dumps(doc).decode()
            assert not any(t in blob for t in api.tokens.values())


def test_rate_limits_per_org_and_token_share(tmp_path) -> None:
    gen = build_api(tmp_path, rate_limit_read_per_minute=6, token_share=0.5)
    api = next(gen)
    c = api.client
    r = c.get("/api/v1/logs", headers=api.h("SUPER_ADMIN"))
    assert r.headers["x-rate-limit-limit"] == "3" and r.headers["x-rate-limit-remaining"] == "2"
    c.get("/api/v1/logs", headers=api.h("SUPER_ADMIN"))
    c.get("/api/v1/logs", headers=api.h("SUPER_ADMIN"))
    r = c.get("/api/v1/logs", headers=api.h("SUPER_ADMIN"))
    assert_okta_error(r, 429, "E0000047")
    assert int(r.headers["retry-after"]) >= 1 and r.headers["x-rate-limit-remaining"] == "0"
    # another token of the same org still has its share; then the org budget is spent
    for _ in range(3):
        assert c.get("/api/v1/logs", headers=api.h("READ_ONLY_ADMIN")).status_code == 200
    assert c.get("/api/v1/logs", headers=api.h("READ_ONLY_ADMIN")).status_code == 429
    # writes have their own budget; other orgs are unaffected
    assert c.post("/api/v1/logs", content=ndjson([make_event()]),
                  headers=api.h(**{"Content-Type": "application/x-ndjson"})).status_code == 200
    assert c.get("/api/v1/logs", headers=api.h("OTHER")).status_code == 200
    next(gen, None)


def test_rate_limiter_window_resets() -> None:
    now = [1000.0]
    rl = RateLimiter(clock=lambda: now[0])
    assert rl.check([("k", 1)]).allowed
    d = rl.check([("k", 1)])
    assert not d.allowed and d.reset == 1020 and d.retry_after == 20
    now[0] = 1020.0
    assert rl.check([("k", 1)]).allowed


def test_openapi_describes_the_endpoints(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/logs"])
    names = {p["name"] for p in doc["paths"]["/api/v1/logs"]["get"]["parameters"]}
    assert {"since", "until", "after", "filter", "q", "limit", "sortOrder"} <= names
    assert "/api/glasslog/session" in doc["paths"]
