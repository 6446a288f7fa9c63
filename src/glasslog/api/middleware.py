"""The request envelope every response goes through, for every route (the console's included):

- an `X-Okta-Request-Id` on every response;
- the caller resolved once (token or session cookie) and put in `request.state.auth`;
- the CSRF check for cookie-authenticated state changes;
- with the ingest journal, a wait until writes acknowledged earlier are visible (read-your-writes);
- rate limits, with `X-Rate-Limit-*` headers on every response and 429 E0000047 + `Retry-After` beyond;
- any exception that escaped the app turned into a 500 E0000009 Okta body (never a bare traceback page).

A pure ASGI middleware (not BaseHTTPMiddleware) so it adds no per-request task or body buffering to ingest.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from glasslog.api.auth import CSRF_HEADER, SESSION_PATH, UNSAFE_METHODS, Authenticator, Resolved
from glasslog.api.errors import forbidden, internal_error
from glasslog.api.ratelimit import Decision, RateLimiter, buckets_for
from glasslog.api.settings import Settings
from glasslog.errors import GlasslogError

log = logging.getLogger("glasslog.api")
LOGS_PATH = "/api/v1/logs"


def request_id() -> str:
    """Okta's request ids look like `XkZ2p0dTJ5QHg1Vm3iM4NwAAAEk`: 27 url-safe characters."""
    return secrets.token_urlsafe(20)[:27]


class ApiMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator, limiter: RateLimiter,
                 settings: Settings, visible: Callable[[float], Awaitable[None]] | None = None) -> None:
        self.app = app
        self.visible = visible
        self.auth = authenticator
        self.limiter = limiter
        self.settings = settings

    def _category(self, method: str, path: str) -> tuple[str, int]:
        s = self.settings
        if path.rstrip("/") == LOGS_PATH:
            if method == "POST":
                return "write", s.rate_limit_write_per_minute
            return "read", s.rate_limit_read_per_minute
        return "other", s.rate_limit_other_per_minute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id().encode()
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        method = scope.get("method", "GET").upper()
        path = scope.get("path", "/")
        authorization = headers.get(b"authorization")
        cookie = headers.get(b"cookie")
        resolved = Resolved(None, None)
        if authorization is not None or cookie is not None:
            try:
                resolved = await run_in_threadpool(
                    self.auth.resolve,
                    authorization.decode("latin-1") if authorization is not None else None,
                    cookie.decode("latin-1") if cookie is not None else None,
                )
            except Exception:  # noqa: BLE001 - a store problem must still answer in Okta's shape
                log.exception("resolving credentials failed")
                client = scope.get("client")
                anon = self.limiter.check(buckets_for("other", None, None, client[0] if client else None, 1, 1,
                                                      self.settings.rate_limit_anonymous_per_minute))
                await self._send_error(send, internal_error(), rid, anon)
                return
        scope.setdefault("state", {})["auth"] = resolved
        principal = resolved.principal
        category, org_limit = self._category(method, path)
        client = scope.get("client")
        decision = self.limiter.check(buckets_for(
            category, principal.org if principal else None, principal.token_id if principal else None,
            client[0] if client else None, org_limit, self.settings.token_share,
            self.settings.rate_limit_anonymous_per_minute))
        if not decision.allowed:
            await self._send_error(send, GlasslogError("E0000047", causes=[
                f"rate limit of {decision.limit} requests a minute reached; retry after {decision.retry_after} s"]),
                rid, decision)
            return
        if (resolved.via == "cookie" and method in UNSAFE_METHODS
                and not (method == "POST" and path == SESSION_PATH)):
            sent = headers.get(CSRF_HEADER.encode(), b"").decode("latin-1")
            if resolved.session is None or not secrets.compare_digest(sent, resolved.session.csrf):
                await self._send_error(send, forbidden("missing or wrong X-CSRF-Token header"), rid, decision)
                return

        if self.visible is not None and not (method == "POST" and path.rstrip("/") == LOGS_PATH):
            await self.visible(self.settings.read_visibility_wait_seconds)  # read your acknowledged writes
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                extra = [(b"x-okta-request-id", rid), *decision.headers()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # noqa: BLE001 - last line of defence
            log.exception("unhandled error on %s %s", method, path)
            if not started:
                await self._send_error(send, internal_error(), rid, decision)

    async def _send_error(self, send: Send, exc: GlasslogError, rid: bytes, decision: Decision | None) -> None:
        body = orjson.dumps(exc.body())
        hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"x-okta-request-id", rid)]
        if decision is not None:
            hdrs += decision.headers()
        await send({"type": "http.response.start", "status": exc.status, "headers": hdrs})
        await send({"type": "http.response.body", "body": body})
