"""`GET /api/v1/logs`: Okta's System Log query, both kinds (reference §2).

- **Polling** (`until` absent, `sortOrder` ASCENDING): ordered by the persistence sequence, so an event
  committed late — whatever its `published` — is seen exactly once by a client that keeps following `next`.
  A `next` link is always present. The store has no "persisted at" time, so the first request takes a snapshot
  of the sequence: events committed before it are selected by `published >= since` (the best stand-in for
  "persisted since"), every event committed after it is new to the client and is returned regardless of
  `published` (within retention). The cursor carries the snapshot and the position.
- **Bounded** (anything else): ordered by (`published`, `uuid`) with a keyset cursor; no `next` on the last page.

Parameters are read by hand rather than declared as typed FastAPI parameters so that every malformed value is
Okta's `400 E0000001`, not a FastAPI 422 body.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from glasslog.api.auth import Principal, require_reader
from glasslog.api.cursor import CursorSigner, bad_cursor
from glasslog.errors import validation_error
from glasslog.events.timeparse import parse_rfc3339
from glasslog.log import DEFAULT_WINDOW, Log
from glasslog.store.base import Page, SearchQuery, StoredEvent

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
QUERY_PARAMS = ("since", "until", "filter", "q", "sortOrder")  # what a cursor is bound to
_INT = re.compile(r"^\+?\d{1,7}$")

router = APIRouter(tags=["logs"])


def _one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise validation_error(f"{name} may be given only once")
    return values[0] if values else None


def _instant(name: str, text: str) -> datetime:
    try:
        return parse_rfc3339(text)
    except (ValueError, TypeError, OverflowError) as exc:
        raise validation_error(f"{name}: {exc}") from None


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not _INT.match(text.strip()) or int(text) > MAX_LIMIT:
        raise validation_error(f"limit must be an integer from 0 to {MAX_LIMIT}, got '{text[:40]}'")
    return int(text)


def _order(text: str | None) -> str:
    if text is None:
        return "ASCENDING"
    upper = text.strip().upper()
    if upper not in ("ASCENDING", "DESCENDING"):
        raise validation_error(f"sortOrder must be ASCENDING or DESCENDING, got '{text[:40]}'")
    return upper


class LogsReader:
    """Turns one request (and its cursor) into a page and the next cursor."""

    def __init__(self, log: Log, signer: CursorSigner) -> None:
        self.log = log
        self.signer = signer

    def params_and_state(self, org: str, raw: dict[str, str | None], after: str | None,
                         now: datetime) -> tuple[dict[str, str | None], dict[str, Any]]:
        """The query parameters in force and the position; a cursor's own parameters win, and repeating
        different ones is an error (a cursor cannot be moved to another query)."""
        if after is None:
            return raw, self._first_state(raw, now)
        state = self.signer.verify(org, after)
        bound: dict[str, str | None] = state.get("params", {})
        for name in QUERY_PARAMS:
            if raw.get(name) is not None and raw[name] != bound.get(name):
                raise bad_cursor(f"the cursor belongs to a different query ({name} differs)")
        return bound, state

    def _first_state(self, raw: dict[str, str | None], now: datetime) -> dict[str, Any]:
        since = _instant("since", raw["since"]) if raw.get("since") is not None else None
        until = _instant("until", raw["until"]) if raw.get("until") is not None else None
        if since is not None and since > now:
            raise validation_error("since must not be in the future")
        if since is not None and until is not None and since > until:
            raise validation_error("since must not be later than until")
        polling = until is None and _order(raw.get("sortOrder")) == "ASCENDING"
        try:
            if polling:
                since = since if since is not None else now - DEFAULT_WINDOW
                return {"m": "p", "since": _iso(since), "s": 0, "snap": self.log.store.max_seq()}
            until = until if until is not None else now
            since = since if since is not None else until - DEFAULT_WINDOW
        except OverflowError:
            raise validation_error("since/until out of range") from None
        return {"m": "b", "since": _iso(since), "until": _iso(until)}

    def _base(self, org: str, params: dict[str, str | None], state: dict[str, Any], limit: int,
              now: datetime) -> SearchQuery:
        since = datetime.fromisoformat(state["since"])
        until = datetime.fromisoformat(state["until"]) if state.get("until") else now
        return self.log.build_query(org, filter=params.get("filter"), q=params.get("q"), since=since,
                                    until=until, limit=limit, sort_order=_order(params.get("sortOrder")),
                                    now=now)

    def page(self, org: str, params: dict[str, str | None], state: dict[str, Any], limit: int,
             now: datetime) -> tuple[list[StoredEvent], dict[str, Any] | None]:
        """Runs on a worker thread (it queries the store)."""
        base = self._base(org, params, state, limit, now)
        if state["m"] == "p":
            return self._polling(org, base, state, limit, now)
        return self._bounded(org, base, state)

    def _bounded(self, org: str, base: SearchQuery, state: dict[str, Any]) -> tuple[list[StoredEvent],
                                                                                    dict[str, Any] | None]:
        query = base
        if "p" in state:
            query = replace(base, after=(datetime.fromisoformat(state["p"]), state["u"]))
        page: Page = self.log.store.search(org, query)
        if not page.has_more or not page.events:
            return page.events, None
        last = page.events[-1]
        return page.events, {**state, "p": _iso(last.published), "u": last.uuid}

    def _polling(self, org: str, base: SearchQuery, state: dict[str, Any], limit: int,
                 now: datetime) -> tuple[list[StoredEvent], dict[str, Any]]:
        position, snap = int(state["s"]), int(state["snap"])
        polling = replace(base, until=None, mode="polling", order="ASCENDING")
        rows: list[StoredEvent] = []
        if limit == 0:
            return rows, state
        if position < snap:  # events committed before the first request: selected by `published`
            page = self.log.store.search(org, replace(polling, after_seq=position, limit=limit))
            before = [r for r in page.events if r.seq <= snap]
            rows += before
            if len(before) == len(page.events) and page.has_more:
                return rows, {**state, "s": rows[-1].seq}
            position = snap
        # events committed after the first request: new to this client whatever their `published`
        floor = self.log.retention_floor(org, now)
        page = self.log.store.search(org, replace(polling, since=floor, after_seq=position,
                                                  limit=limit - len(rows)))
        rows += page.events
        if page.events:
            position = page.events[-1].seq
        return rows, {**state, "s": position}


def _link(url: str, rel: str) -> str:
    return f'<{url}>; rel="{rel}"'


def _base_url(request: Request) -> str:
    public = request.app.state.settings.public_url
    if public:
        return public.rstrip("/") + request.url.path
    return str(request.url.replace(query=""))


@router.get(
    "/api/v1/logs",
    summary="List System Log events (Okta-compatible)",
    response_description="A JSON array of LogEvents; `link` headers rel=self then rel=next",
    responses={
        200: {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}},
        400: {"description": "bad parameter (E0000001), bad filter (E0000053), bad operator (E0000031)"},
        401: {"description": "missing or invalid token (E0000011)"},
        403: {"description": "role may not read (E0000006)"},
        429: {"description": "rate limited (E0000047)"},
        500: {"description": "query time limit exceeded (E0000009)"},
    },
)
async def list_logs(
    request: Request,
    principal: Principal = Depends(require_reader),
    since: str | None = Query(None, description="RFC 3339 lower bound; default 7 days before until"),
    until: str | None = Query(None, description="RFC 3339 upper bound; default now. Absent + ASCENDING = polling"),
    after: str | None = Query(None, description="opaque cursor from a `next` link"),
    filter: str | None = Query(None, description="filter expression, e.g. eventType eq \"user.session.start\""),
    q: str | None = Query(None, description="keywords, all must match"),
    limit: str | None = Query(None, description="0–1000, default 100"),
    sortOrder: str | None = Query(None, description="ASCENDING (default) or DESCENDING by published"),  # noqa: N803
) -> Response:
    raw = {name: _one(request, name) for name in QUERY_PARAMS}
    page_limit = _limit(_one(request, "limit"))
    after_value = _one(request, "after")
    now = datetime.now(UTC)
    reader: LogsReader = request.app.state.logs_reader
    params, state = reader.params_and_state(principal.org, raw, after_value, now)
    events, next_state = await request.app.state.query_runner.run(
        reader.page, principal.org, params, state, page_limit, now)
    body = b"[" + b",".join(e.raw for e in events) + b"]"
    response = Response(body, media_type="application/json")
    base = _base_url(request)
    self_query = urlencode(request.query_params.multi_items(), quote_via=quote)
    response.headers.append("link", _link(base + ("?" + self_query if self_query else ""), "self"))
    if next_state is not None:
        items = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
        items.append(("after", reader.signer.sign(principal.org, {**next_state, "params": params})))
        response.headers.append("link", _link(base + "?" + urlencode(items, quote_via=quote), "next"))
    return response

