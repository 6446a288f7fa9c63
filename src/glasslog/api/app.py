"""The ASGI application: `create_app(log, settings)`.

Wires the parts together — auth, rate limits, error bodies, the logs API, console sessions — and mounts the
console when its package is present, so the API runs (and is tested) on its own.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from glasslog.api import auth, logs_ingest, logs_read
from glasslog.api.cursor import CursorSigner, load_secret
from glasslog.api.errors import install_error_handlers
from glasslog.api.group_commit import GroupCommitter
from glasslog.api.journaled_ingest import JournaledIngest
from glasslog.api.middleware import ApiMiddleware
from glasslog.api.parse_pool import ParsePool
from glasslog.api.query_runner import QueryRunner
from glasslog.api.ratelimit import RateLimiter
from glasslog.api.settings import Settings
from glasslog.api.tokens import TokenCache
from glasslog.log import Log

log = logging.getLogger("glasslog.api")

try:
    from glasslog.console import mount_console  # type: ignore[attr-defined]
except ImportError:
    mount_console = None

try:
    from glasslog.detect import start_detection
    from glasslog.detect.routes import mount_detect
except ImportError:
    mount_detect = start_detection = None  # type: ignore[assignment]

DESCRIPTION = """\
An Okta-compatible System Log API. Authenticate with `Authorization: SSWS <token>`
(create one with `glasslog token create --org NAME --role ROLE`).

- `GET /api/v1/logs` — Okta's System Log query: polling (no `until`, ASCENDING: follow `next` forever) and
  bounded requests, `filter`, `q`, `since`, `until`, `limit`, `sortOrder`, `after` (from `next` links).
- `POST /api/v1/logs` — write LogEvents (JSON array or NDJSON, optionally gzip).

Errors are Okta error bodies (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`).
Every response carries `X-Okta-Request-Id` and `X-Rate-Limit-Limit/Remaining/Reset`.
"""


def _quiet_gc() -> None:
    """A server allocates a few objects per JSON value of every request and keeps few of them; with CPython's
    default thresholds the cyclic GC runs a young collection every 700 allocations and often rescans the app's
    long-lived objects (detection state, caches): 9 % of the busy CPU during ingest with detection on, 3 % with
    what exists at start-up frozen out of its sight and young collections a hundred times rarer (py-spy)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(70_000, 20, 20)


def create_app(log_: Log, settings: Settings | None = None) -> FastAPI:
    """An app serving `log_`; the caller owns the log (and closes it after the app shuts down)."""
    settings = settings or Settings()
    committer_box: dict[str, GroupCommitter | JournaledIngest] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Detections follow the persistence sequence from where they stopped, so alerts keep up with ingest.
        detector = start_detection(log_) if settings.detect and start_detection is not None else None
        thresholds = gc.get_threshold()
        _quiet_gc()
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()  # an app run in-process (tests, embedding) gives the host its GC back
            if detector is not None:
                detector.stop()
            committer_box["c"].close()
            app.state.parse_pool.close()
            app.state.query_runner.shutdown()

    app = FastAPI(title="glasslog", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None)
    tokens = TokenCache(log_, settings.token_cache_seconds)
    authenticator = auth.Authenticator(tokens, auth.SessionStore(settings.session_ttl_seconds))
    committer = _committer(log_, settings)
    committer_box["c"] = committer

    app.state.log = log_
    app.state.settings = settings
    app.state.authenticator = authenticator
    app.state.committer = committer
    app.state.parse_pool = ParsePool(settings.ingest_parse_workers)
    app.state.query_runner = QueryRunner(log_.store, settings.read_workers, settings.query_timeout_seconds)
    app.state.logs_reader = logs_read.LogsReader(log_, CursorSigner(load_secret(log_, settings.secret_key)))

    install_error_handlers(app)
    app.include_router(logs_read.router)
    app.include_router(logs_ingest.router)
    app.include_router(auth.router)
    app.add_middleware(ApiMiddleware, authenticator=authenticator, limiter=RateLimiter(), settings=settings,
                       visible=committer.wait_visible if isinstance(committer, JournaledIngest) else None)

    if mount_console is not None:
        mount_console(app, log_)
    if mount_detect is not None:
        mount_detect(app, log_)
    return app


def _committer(log_: Log, settings: Settings) -> GroupCommitter | JournaledIngest:
    """The journal where there is a local directory for it (a DuckDB store's, or `journal_dir`); a remote
    ClickHouse store without one commits each group of requests directly."""
    directory = settings.journal_dir
    if directory is None and getattr(log_.store, "data_dir", None) is not None:
        directory = str(log_.store.data_dir / "journal")  # type: ignore[attr-defined]
    if settings.ingest_journal and directory is not None:
        return JournaledIngest(log_, directory, settings.group_commit_max_events, settings.journal_backlog_events,
                               settings.journal_apply_idle_ms, settings.journal_apply_max_delay_ms)
    return GroupCommitter(log_, settings.group_commit_max_events, settings.group_commit_linger_ms)
