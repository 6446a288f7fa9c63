"""The `after` cursor of `GET /api/v1/logs`: opaque to clients, signed so it cannot be forged or replayed
against another org or another query.

The cursor carries the query it continues (filter, q, sortOrder and the *resolved* since/until, so defaults
computed from "now" do not drift between pages) and the position (the last (published, uuid) for bounded
requests, the persistence seq for polling ones). Because it carries the query, a client that sends only
`after` (as the official SDK's pagination helper does) continues correctly; a client that repeats the
parameters must repeat them unchanged, or gets 400.

Format: base64url(zlib(JSON)) "." base64url(HMAC-SHA256(key, org "\\n" payload))[:32]. The key comes from the
`secret_key` setting, else a random key kept in the data directory (or in store metadata for stores without
one), created on first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import zlib
from pathlib import Path
from typing import Any

import orjson

from glasslog.errors import GlasslogError
from glasslog.log import Log

KEY_FILE = "api-secret.key"
_META_ORG = "_glasslog"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(log: Log, configured: str | None) -> bytes:
    """The signing key: configured, else kept beside the data (survives restarts, so cursors do too)."""
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    data_dir = getattr(log.store, "data_dir", None)
    if data_dir is not None:
        path = Path(data_dir) / KEY_FILE
        if path.exists():
            return bytes.fromhex(path.read_text().strip())
        key = secrets.token_bytes(32)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key.hex())
        os.replace(tmp, path)
        return key
    doc = log.store.get_meta(_META_ORG, "secret", "cursor")
    if doc is None:
        doc = {"key": secrets.token_hex(32)}
        log.store.put_meta(_META_ORG, "secret", "cursor", doc)
    return bytes.fromhex(doc["key"])


def bad_cursor(reason: str) -> GlasslogError:
    return GlasslogError("E0000001", f"after: {reason}; use the `next` link of a previous response")


class CursorSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, org: str, payload: bytes) -> str:
        return _b64(hmac.new(self._key, org.encode() + b"\n" + payload, hashlib.sha256).digest()[:24])

    def sign(self, org: str, state: dict[str, Any]) -> str:
        payload = _b64(zlib.compress(orjson.dumps(state), 6))
        return f"{payload}.{self._mac(org, payload.encode())}"

    def verify(self, org: str, token: str) -> dict[str, Any]:
        """The cursor's state, if it was signed by us for this org; else 400 E0000001."""
        if not token or len(token) > 16_384 or token.count(".") != 1:
            raise bad_cursor("not a valid cursor")
        payload, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(org, payload.encode())):
            raise bad_cursor("not a valid cursor for this org")
        try:
            state = orjson.loads(zlib.decompress(_unb64(payload)))
        except (ValueError, zlib.error, orjson.JSONDecodeError):  # pragma: no cover - signed by us
            raise bad_cursor("not a valid cursor") from None
        if not isinstance(state, dict):  # pragma: no cover - signed by us
            raise bad_cursor("not a valid cursor")
        return state
