"""Who is calling, and what may they do.

Two ways in:
- `Authorization: SSWS <token>` (Okta's scheme; the official Python SDK sends `SSWS<token>` with no space, so
  both are accepted) for API clients;
- a browser session for the console: `POST /api/glasslog/session {"token": …}` sets an opaque, HttpOnly,
  SameSite=Strict cookie naming a server-side session and returns a CSRF value; state-changing requests that
  rely on the cookie must echo it in `X-CSRF-Token` (checked in `middleware.py` for every route, the
  console's included).

The principal is resolved once per request by the middleware (so rate limits can use it) and read here by the
FastAPI dependencies routes declare: `require_reader`, `require_admin`, `require_ingest`.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyCookie, APIKeyHeader
from pydantic import BaseModel

from glasslog.api.errors import forbidden, unauthorized
from glasslog.api.tokens import TokenCache, TokenRecord
from glasslog.errors import GlasslogError

COOKIE = "glasslog_session"
CSRF_HEADER = "x-csrf-token"
SESSION_PATH = "/api/glasslog/session"
READER_ROLES = frozenset({"SUPER_ADMIN", "READ_ONLY_ADMIN"})
ADMIN_ROLES = frozenset({"SUPER_ADMIN"})
INGEST_ROLES = frozenset({"SUPER_ADMIN", "INGEST"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: one org, one role, the token it came with."""

    org: str
    role: str
    token_id: str
    name: str

    @classmethod
    def of(cls, rec: TokenRecord) -> Principal:
        return cls(org=rec.org, role=rec.role, token_id=rec.id, name=rec.name)


@dataclass
class Session:
    id: str
    token_hash: str
    csrf: str
    expires: float


class SessionStore:
    """Console sessions, in memory: an opaque id in the cookie, the token hash here, so signing out (or the
    token's revocation) ends the session at once. A restart signs everyone out, which is acceptable."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def create(self, token_hash: str) -> Session:
        s = Session(secrets.token_urlsafe(32), token_hash, secrets.token_urlsafe(24), time.time() + self.ttl)
        with self._lock:
            now = time.time()
            if len(self._sessions) > 10_000:
                self._sessions = {k: v for k, v in self._sessions.items() if v.expires > now}
            self._sessions[s.id] = s
        return s

    def get(self, session_id: str) -> Session | None:
        with self._lock:
            s = self._sessions.get(session_id)
            if s is not None and s.expires < time.time():
                del self._sessions[session_id]
                s = None
        return s

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


@dataclass
class Resolved:
    principal: Principal | None
    via: str | None  # "token", "cookie" or None
    session: Session | None = None
    presented: bool = False  # credentials were sent (valid or not)


def parse_authorization(value: str) -> str | None:
    """The token of an `SSWS <token>` / `SSWS<token>` header, else None."""
    value = value.strip()
    if value[:4].upper() != "SSWS":
        return None
    token = value[4:].strip()
    return token or None


def cookie_value(cookie_header: str) -> str | None:
    for part in cookie_header.split(";"):
        name, _, val = part.strip().partition("=")
        if name == COOKIE and val:
            return val.strip('"')
    return None


class Authenticator:
    """Turns request headers into a principal (token cache + sessions)."""

    def __init__(self, tokens: TokenCache, sessions: SessionStore) -> None:
        self.tokens = tokens
        self.sessions = sessions

    def resolve(self, authorization: str | None, cookie_header: str | None) -> Resolved:
        if authorization:
            token = parse_authorization(authorization)
            rec = self.tokens.get(token) if token else None
            return Resolved(Principal.of(rec) if rec else None, "token" if rec else None, presented=True)
        sid = cookie_value(cookie_header) if cookie_header else None
        if sid:
            session = self.sessions.get(sid)
            rec = self.tokens.get_hash(session.token_hash) if session else None
            if rec is None:
                return Resolved(None, None, presented=True)
            return Resolved(Principal.of(rec), "cookie", session, presented=True)
        return Resolved(None, None)


# -- dependencies ----------------------------------------------------------------------------------------

# Declared so the OpenAPI description shows how to authenticate; the middleware has done the real work.
_ssws = APIKeyHeader(name="Authorization", auto_error=False, scheme_name="SSWS",
                     description="`SSWS <api token>` (created with `glasslog token create`)")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, scheme_name="session",
                       description="console session cookie from `POST /api/glasslog/session`")


def current_principal(request: Request, _a: str | None = Depends(_ssws),
                      _c: str | None = Depends(_cookie)) -> Principal:
    """The caller, or 401 E0000011."""
    resolved: Resolved | None = getattr(request.state, "auth", None)
    if resolved is None or resolved.principal is None:
        raise unauthorized()
    return resolved.principal


def _role_check(roles: frozenset[str], what: str):  # noqa: ANN202 - a dependency factory
    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            raise forbidden(f"the {principal.role} role may not {what}")
        return principal

    return check


require_reader = _role_check(READER_ROLES, "read the log")
require_admin = _role_check(ADMIN_ROLES, "administer the org")
require_ingest = _role_check(INGEST_ROLES, "write events")


# -- session routes --------------------------------------------------------------------------------------

class SessionRequest(BaseModel):
    token: str


class SessionInfo(BaseModel):
    org: str
    role: str
    name: str
    csrf: str


router = APIRouter(tags=["session"])


def _info(principal: Principal, session: Session) -> dict[str, Any]:
    return {"org": principal.org, "role": principal.role, "name": principal.name, "csrf": session.csrf}


@router.post(SESSION_PATH, response_model=SessionInfo, summary="Sign in to the console with an API token",
             responses={401: {"description": "invalid token (E0000011)"}})
async def create_session(request: Request) -> Response:
    """Exchange an API token for a console session cookie. The body is read by hand so a malformed one is
    an Okta 400, not a FastAPI 422."""
    try:
        doc = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise GlasslogError("E0000003", "the body must be JSON: {\"token\": \"…\"}") from None
    token = doc.get("token") if isinstance(doc, dict) else None
    if not isinstance(token, str) or not token:
        raise GlasslogError("E0000001", "token: a non-empty string is required")
    auth: Authenticator = request.app.state.authenticator
    rec = auth.tokens.get(parse_authorization(token) or token)
    if rec is None:
        raise unauthorized()
    session = auth.sessions.create(rec.hash)
    principal = Principal.of(rec)
    resp = Response(orjson.dumps(_info(principal, session)), media_type="application/json")
    resp.set_cookie(COOKIE, session.id, max_age=int(auth.sessions.ttl), httponly=True, samesite="strict",
                    secure=bool(request.app.state.settings.cookie_secure), path="/")
    return resp


@router.get(SESSION_PATH, response_model=SessionInfo, summary="The signed-in console session",
            responses={401: {"description": "no session (E0000011)"}})
async def get_session(request: Request) -> Response:
    resolved: Resolved | None = getattr(request.state, "auth", None)
    if resolved is None or resolved.principal is None or resolved.session is None:
        raise unauthorized()
    return Response(orjson.dumps(_info(resolved.principal, resolved.session)), media_type="application/json")


@router.delete(SESSION_PATH, status_code=204, summary="Sign out of the console")
async def delete_session(request: Request) -> Response:
    resolved: Resolved | None = getattr(request.state, "auth", None)
    if resolved is not None and resolved.session is not None:
        request.app.state.authenticator.sessions.delete(resolved.session.id)
    resp = Response(status_code=204)
    resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return resp
