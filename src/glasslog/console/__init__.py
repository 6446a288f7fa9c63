"""The web console: the System Log page an Okta admin knows, served by `glasslog serve` at `/`.

`mount_console(app, log)` is the one entry point; the HTTP API's app factory calls it. It adds:

- pages: `/` (search, chart, trends, events table / map), `/console/signin`, `/console/event-types`;
- static assets under `/console/static/` (our own ES modules and CSS, the world map data);
- JSON endpoints under `/api/glasslog/`: `fields`, `fields/values`, `interpret`, `histogram`, `trends`,
  `places`, `export.csv`, `export.ndjson`, `saved-searches`, `event-types`.

Authentication and roles come from `glasslog.api.auth` (the session cookie set by `/api/glasslog/session`,
or an `SSWS` token), so the console has no credentials logic of its own.
"""

from __future__ import annotations

from fastapi import FastAPI

from glasslog.log import Log


def mount_console(app: FastAPI, log: Log) -> None:
    """Add the console's pages, assets and JSON endpoints to the API's app."""
    from glasslog.api.auth import require_reader
    from glasslog.console import routes_data, routes_export, routes_pages, routes_saved

    app.include_router(routes_pages.router())
    app.mount("/console/static", routes_pages.static_files(), name="console-static")
    app.include_router(routes_data.router(log, require_reader))
    app.include_router(routes_export.router(log, require_reader))
    app.include_router(routes_saved.router(log, require_reader))
