"""In-process API fixtures: a log in a temp dir, an org with one token per role, and a TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import glasslog
from glasslog.api import tokens
from glasslog.api.app import create_app
from glasslog.api.settings import Settings


@dataclass
class Api:
    client: TestClient
    log: glasslog.Log
    tokens: dict[str, str]  # role (and "OTHER" = another org's SUPER_ADMIN) -> token
    path: Path

    def h(self, role: str = "SUPER_ADMIN", **extra: str) -> dict[str, str]:
        return {"Authorization": f"SSWS {self.tokens[role]}", **extra}


def build_api(tmp_path: Path, **settings: object) -> Iterator[Api]:
    log = glasslog.open(tmp_path / "data")
    # Tokens are made directly (no org-creation events) so the orgs' logs hold only what a test posts.
    toks = {}
    for role in tokens.ROLES:
        toks[role], _ = tokens.create_token(log, "acme", role, f"{role.lower()}-test", "pytest")
    toks["OTHER"], _ = tokens.create_token(log, "globex", "SUPER_ADMIN", "globex-admin", "pytest")
    app = create_app(log, Settings(data=str(tmp_path / "data"), **settings))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, log, toks, tmp_path)
    log.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from build_api(tmp_path)


def ndjson(events: list[dict]) -> bytes:
    import orjson

    return b"\n".join(orjson.dumps(e) for e in events) + b"\n"
