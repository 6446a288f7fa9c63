"""Real server processes: `glasslog serve` on a free port over a temp data dir, org and tokens made with the
CLI first (as a user would)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

GLASSLOG = [sys.executable, "-m", "glasslog"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, data: Path) -> str:
    proc = subprocess.run([*GLASSLOG, *args, "--data", str(data)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def make_token(data: Path, org: str, role: str) -> str:
    return cli("token", "create", "--org", org, "--role", role, "--name", f"e2e-{role.lower()}",
               data=data).strip().splitlines()[-1]


@dataclass
class Server:
    data: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = open(self.data.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115 - kept for the process
        self.proc = subprocess.Popen([*GLASSLOG, "serve", "--data", str(self.data), "--port", str(self.port)],
                                     stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data.parent / f'server-{self.port}.log').read_text()}")
            try:
                httpx.get(self.url + "/api/v1/logs", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def ndjson(events: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(e) for e in events) + b"\n"


@dataclass
class Running:
    server: Server
    tokens: dict[str, str]

    def h(self, role: str = "SUPER_ADMIN", **extra: str) -> dict[str, str]:
        return {"Authorization": f"SSWS {self.tokens[role]}", **extra}


def setup_server(tmp: Path, env: dict[str, str] | None = None) -> Running:
    """The org and its first token come from the CLI, as a user makes them; the other tokens from the Python
    API in-process (each CLI start costs seconds on a busy machine)."""
    import glasslog
    from glasslog.api import orgs, tokens

    data = tmp / "data"
    cli("org", "create", "acme", data=data)
    toks = {"SUPER_ADMIN": make_token(data, "acme", "SUPER_ADMIN")}
    with glasslog.open(data) as log:
        for role in ("READ_ONLY_ADMIN", "INGEST"):
            toks[role], _ = tokens.create_token(log, "acme", role, f"e2e-{role.lower()}", "e2e")
        orgs.create_org(log, "globex")
        toks["OTHER"], _ = tokens.create_token(log, "globex", "SUPER_ADMIN", "e2e-other", "e2e")
    return Running(Server(data, free_port(), env or {}).start(), toks)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    r = setup_server(tmp_path_factory.mktemp("e2e"))
    yield r
    r.server.stop()
