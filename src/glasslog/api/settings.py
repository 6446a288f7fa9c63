"""Server settings: defaults, then a TOML file (`--config`), then `GLASSLOG_*` environment variables, then
command-line flags — each later source overrides the earlier ones, so a container can be configured by
environment alone and a developer by flags alone.

| setting (TOML key) | environment variable | default | meaning |
|---|---|---|---|
| `data` | `GLASSLOG_DATA` | `glasslog-data` | data directory (DuckDB store) |
| `store` | `GLASSLOG_STORE` | — | store URL (`duckdb://DIR`, `chdb://DIR`, `clickhouse://…`); beats `data` |
| `host` | `GLASSLOG_HOST` | `127.0.0.1` | address to listen on |
| `port` | `GLASSLOG_PORT` | `8080` | port to listen on |
| `public_url` | `GLASSLOG_PUBLIC_URL` | — | base URL of `link` headers behind a proxy (else from the request) |
| `max_body_bytes` | `GLASSLOG_MAX_BODY_BYTES` | `33554432` | largest ingest body, sent and gunzipped; beyond → 413 |
| `query_timeout_seconds` | `GLASSLOG_QUERY_TIMEOUT_SECONDS` | `30` | longer reads are interrupted → 500 E0000009 |
| `read_workers` | `GLASSLOG_READ_WORKERS` | `8` | threads running reads (one DB cursor each) |
| `rate_limit_read_per_minute` | `GLASSLOG_RATE_LIMIT_READ_PER_MINUTE` | `1200` | `GET /api/v1/logs` per org |
| `rate_limit_write_per_minute` | `GLASSLOG_RATE_LIMIT_WRITE_PER_MINUTE` | `6000` | `POST /api/v1/logs` per org |
| `rate_limit_other_per_minute` | `GLASSLOG_RATE_LIMIT_OTHER_PER_MINUTE` | `6000` | any other request per org |
| `rate_limit_anonymous_per_minute` | `GLASSLOG_RATE_LIMIT_ANONYMOUS_PER_MINUTE` | `600` | per IP, without credentials |
| `token_share` | `GLASSLOG_TOKEN_SHARE` | `0.5` | fraction of its org's budget one token may use |
| `group_commit_max_events` | `GLASSLOG_GROUP_COMMIT_MAX_EVENTS` | `100000` | most events per journal write or commit |
| `group_commit_linger_ms` | `GLASSLOG_GROUP_COMMIT_LINGER_MS` | `0` | extra wait per commit (no journal) |
| `ingest_parse_workers` | `GLASSLOG_INGEST_PARSE_WORKERS` | `2` | processes validating NDJSON bodies (0: threads) |
| `ingest_journal` | `GLASSLOG_INGEST_JOURNAL` | `true` | acknowledge a POST once journaled |
| `journal_dir` | `GLASSLOG_JOURNAL_DIR` | `DATA/journal` | journal; ClickHouse: only if set |
| `journal_backlog_events` | `GLASSLOG_JOURNAL_BACKLOG_EVENTS` | `200000` | store's lag before writers wait |
| `journal_apply_idle_ms` | `GLASSLOG_JOURNAL_APPLY_IDLE_MS` | `200` | apply once writers pause this long… |
| `journal_apply_max_delay_ms` | `GLASSLOG_JOURNAL_APPLY_MAX_DELAY_MS` | `5000` | …or an event waited this long |
| `read_visibility_wait_seconds` | `GLASSLOG_READ_VISIBILITY_WAIT_SECONDS` | `10` | a read's wait for acked writes |
| `session_ttl_seconds` | `GLASSLOG_SESSION_TTL_SECONDS` | `28800` | console session lifetime |
| `cookie_secure` | `GLASSLOG_COOKIE_SECURE` | `false` | mark the session cookie `Secure` (HTTPS) |
| `secret_key` | `GLASSLOG_SECRET_KEY` | — | signs `after` cursors; default: random, kept in the data dir |
| `token_cache_seconds` | `GLASSLOG_TOKEN_CACHE_SECONDS` | `5` | token look-up cache; a revocation applies within this |
| `log_level` | `GLASSLOG_LOG_LEVEL` | `info` | uvicorn log level |
| `detect` | `GLASSLOG_DETECT` | `true` | run detection rules continuously on new events |
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from glasslog.errors import GlasslogError

ENV_PREFIX = "GLASSLOG_"


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told; see the module docstring for the table."""

    data: str = "glasslog-data"
    store: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    query_timeout_seconds: float = 30.0
    read_workers: int = 8
    rate_limit_read_per_minute: int = 1200
    rate_limit_write_per_minute: int = 6000
    rate_limit_other_per_minute: int = 6000
    rate_limit_anonymous_per_minute: int = 600
    token_share: float = 0.5
    group_commit_max_events: int = 100_000
    group_commit_linger_ms: float = 0.0
    ingest_parse_workers: int = 2
    ingest_journal: bool = True
    journal_dir: str | None = None
    journal_backlog_events: int = 200_000
    journal_apply_idle_ms: float = 200.0
    journal_apply_max_delay_ms: float = 5000.0
    read_visibility_wait_seconds: float = 10.0
    session_ttl_seconds: int = 8 * 3600
    cookie_secure: bool = False
    secret_key: str | None = None
    token_cache_seconds: float = 5.0
    log_level: str = "info"
    detect: bool = True

    @property
    def location(self) -> str:
        """What to hand `glasslog.open`: the store URL if given, else the data directory."""
        return self.store or self.data

    def with_overrides(self, **values: Any) -> Settings:
        """Apply values that are not None (command-line flags left unset stay out of the way)."""
        return _apply(self, {k: v for k, v in values.items() if v is not None}, "command line")


def _coerce(name: str, kind: type, value: Any, source: str) -> Any:
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"not a boolean: {value!r}")
        if kind is int:
            if isinstance(value, bool):
                raise ValueError("not an integer")
            return int(value)
        if kind is float:
            return float(value)
        return None if value in (None, "") else str(value)
    except (TypeError, ValueError) as exc:
        raise GlasslogError("E0000001", f"setting {name} from {source}: {exc}") from None


_KINDS: dict[str, type] = {
    "str": str, "str | None": str, "int": int, "float": float, "bool": bool,
}


def _apply(base: Settings, values: dict[str, Any], source: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise GlasslogError("E0000001", f"unknown setting {name!r} in {source}; known: {', '.join(known)}")
        kind = _KINDS.get(str(known[name].type), str)
        changes[name] = _coerce(name, kind, value, source)
    return replace(base, **changes)


def load_settings(config: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Defaults ← TOML file ← `GLASSLOG_*` environment variables (flags are applied by the caller)."""
    settings = Settings()
    if config is not None:
        path = Path(config)
        try:
            doc = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise GlasslogError("E0000001", f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise GlasslogError("E0000001", f"config file {path}: {exc}") from None
        flat: dict[str, Any] = {}
        for key, value in doc.items():  # a [server] table or top-level keys, both read the same
            if isinstance(value, dict):
                flat.update(value)
            else:
                flat[key] = value
        settings = _apply(settings, flat, str(path))
    env = os.environ if env is None else env
    known = {f.name for f in fields(Settings)}
    from_env = {}
    for name in known:
        key = ENV_PREFIX + name.upper()
        if key in env:
            from_env[name] = env[key]
    return _apply(settings, from_env, "environment")
