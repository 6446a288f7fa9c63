"""API tokens: created once, shown once, kept only as a SHA-256 hash in the store's metadata (kind "token",
key = the hash), so a copy of the data directory does not hand out working credentials.

A token belongs to exactly one org; the hash names it (`find_meta`), so a request needs no org in its URL and
can never reach another org's events.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glasslog.errors import GlasslogError, validation_error
from glasslog.log import Log

KIND = "token"
ROLES = ("SUPER_ADMIN", "READ_ONLY_ADMIN", "INGEST")
TOKEN_PREFIX = "gl_"


@dataclass(frozen=True)
class TokenRecord:
    id: str
    org: str
    role: str
    name: str
    created: str
    created_by: str
    hash: str

    def public(self) -> dict[str, Any]:
        """What listing shows: never the hash."""
        return {"id": self.id, "org": self.org, "role": self.role, "name": self.name, "created": self.created,
                "createdBy": self.created_by}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> str:
    upper = role.strip().upper()
    if upper not in ROLES:
        raise validation_error(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return upper


def _record(org: str, key: str, doc: dict[str, Any]) -> TokenRecord:
    return TokenRecord(id=doc["id"], org=org, role=doc["role"], name=doc.get("name", ""),
                       created=doc.get("created", ""), created_by=doc.get("createdBy", ""), hash=key)


def create_token(log: Log, org: str, role: str, name: str | None, created_by: str) -> tuple[str, TokenRecord]:
    """A new token (returned once, in clear) and its stored record."""
    role = check_role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = "tok" + secrets.token_hex(8)
    key = hash_token(token)
    doc = {"id": token_id, "role": role, "name": name or f"{role.lower()} token",
           "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
           "createdBy": created_by}
    log.store.put_meta(org, KIND, key, doc)
    return token, _record(org, key, doc)


def list_tokens(log: Log, org: str | None = None) -> list[TokenRecord]:
    orgs = [org] if org else log.store.orgs()
    out: list[TokenRecord] = []
    for o in orgs:
        out += [_record(o, k, d) for k, d in log.store.list_meta(o, KIND)]
    return sorted(out, key=lambda r: (r.org, r.created, r.id))


def find_token_by_id(log: Log, token_id: str, org: str | None = None) -> TokenRecord | None:
    for rec in list_tokens(log, org):
        if rec.id == token_id or (rec.name == token_id and token_id):
            return rec
    return None


def revoke_token(log: Log, rec: TokenRecord) -> bool:
    return log.store.delete_meta(rec.org, KIND, rec.hash)


def lookup(log: Log, token: str) -> TokenRecord | None:
    """The record for a presented token, or None. Finds the org by the hash alone."""
    if not token or len(token) > 512:
        return None
    return lookup_hash(log, hash_token(token))


def lookup_hash(log: Log, key: str) -> TokenRecord | None:
    store = log.store
    find = getattr(store, "find_meta", None)
    if find is not None:
        hit = find(KIND, key)
        if hit is None:
            return None
        org, doc = hit
        return _record(org, key, doc)
    for org in store.orgs():  # a store without find_meta: scan orgs (few)
        doc = store.get_meta(org, KIND, key)
        if doc is not None:
            return _record(org, key, doc)
    return None


class TokenCache:
    """Caches look-ups (hits and misses) briefly: every request carries a token and the store is shared with
    ingest. A revoked token stops working within `ttl` seconds."""

    def __init__(self, log: Log, ttl: float) -> None:
        self.log = log
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, TokenRecord | None]] = {}

    def get(self, token: str) -> TokenRecord | None:
        if not token or len(token) > 512:
            return None
        return self.get_hash(hash_token(token))

    def get_hash(self, key: str) -> TokenRecord | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        rec = lookup_hash(self.log, key)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, rec)
        return rec

    def forget(self, token_hash: str | None = None) -> None:
        with self._lock:
            if token_hash is None:
                self._cache.clear()
            else:
                self._cache.pop(token_hash, None)


def require_org_exists(log: Log, org: str) -> None:
    if org not in log.store.orgs():
        raise GlasslogError("E0000007", f"no org named {org!r}; create it first with `glasslog org create {org}`")
