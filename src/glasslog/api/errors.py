"""Every error the HTTP API returns is an Okta error body with the matching status.

Clients written for Okta (SIEM collectors, the SDK) parse `errorCode`; FastAPI's own 404/405/422 bodies would
break them, so those are translated here too. A bug on our side is a 500 E0000009 — still an Okta body.
"""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from glasslog.errors import GlasslogError

log = logging.getLogger("glasslog.api")

# Statuses FastAPI/Starlette raise on their own, and the Okta code each becomes.
_HTTP_CODES = {
    400: "E0000003",
    401: "E0000011",
    403: "E0000006",
    404: "E0000007",
    405: "E0000022",
    413: "E0000093",
    415: "E0000001",
    429: "E0000047",
}


def error_response(exc: GlasslogError, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(exc.body()), status_code=exc.status, media_type="application/json",
                    headers=headers)


def unauthorized() -> GlasslogError:
    return GlasslogError("E0000011", "Invalid token provided", causes=[])


def forbidden(detail: str) -> GlasslogError:
    return GlasslogError("E0000006", detail)


def internal_error() -> GlasslogError:
    return GlasslogError("E0000009", "Internal Server Error", causes=[])


def install_error_handlers(app: FastAPI) -> None:
    """Translate every exception FastAPI can raise into an Okta body."""

    @app.exception_handler(GlasslogError)
    async def _glasslog(request: Request, exc: GlasslogError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        causes = []
        for e in exc.errors()[:20]:
            where = ".".join(str(p) for p in e.get("loc", ()))
            causes.append(f"{where}: {e.get('msg', 'invalid')}")
        return error_response(GlasslogError("E0000001", "; ".join(causes) or "invalid request", causes=causes))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "E0000009" if exc.status_code >= 500 else "E0000001")
        detail = exc.detail if isinstance(exc.detail, str) else None
        err = GlasslogError(code, detail, causes=[detail] if detail else [], status=exc.status_code)
        return error_response(err, headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(internal_error())
