"""The console's pages and static assets.

Pages are plain HTML shells (no template engine needed): each loads its ES module, which asks
`GET /api/glasslog/session` who is signed in and sends the visitor to the sign-in page when nobody is.
Assets are served with `Cache-Control: no-cache`: the browser keeps them but revalidates (ETag → 304), so an
upgraded server never runs with a stale ES module imported by a fresh one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Everything is served from this origin: no CDN, no inline script.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}


@lru_cache(maxsize=8)
def _page(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


class ConsoleStatic(StaticFiles):
    """Static files that the browser must revalidate before each use."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)

    def page(name: str) -> HTMLResponse:
        return HTMLResponse(_page(name), headers=PAGE_HEADERS)

    @r.get("/")
    def console_page() -> HTMLResponse:
        return page("console.html")

    @r.get("/console")
    def console_redirect() -> RedirectResponse:
        return RedirectResponse("/", status_code=307)

    @r.get("/console/signin")
    def signin_page() -> HTMLResponse:
        return page("signin.html")

    @r.get("/console/event-types")
    def catalog_page() -> HTMLResponse:
        return page("event-types.html")

    return r


def static_files() -> StaticFiles:
    return ConsoleStatic(directory=STATIC)
