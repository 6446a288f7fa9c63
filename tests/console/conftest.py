"""Fixtures for the console's tests: a REAL `glasslog serve` process on a free port over a temp data
directory (org and tokens made with the CLI, the shared Okta samples plus generated recent events imported
with `glasslog import`), and a headless Debian chromium driven by Playwright.

Browser tests are skipped (with the reason) when Playwright or /usr/bin/chromium is missing; `scripts/test.sh`
installs both.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SAMPLES = REPO.parent / "shared" / "data" / "okta-samples"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ORG = "acme"
RECENT_EVENTS = 3000

sys.path.insert(0, str(HERE))
from events_gen import generate  # noqa: E402


def _glasslog(*args: str, data: Path) -> str:
    cmd = [sys.executable, "-m", "glasslog.cli", *args, "--data", str(data)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    admin_token: str
    reader_token: str
    data: Path

    def api(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"SSWS {token or self.admin_token}"},
                            timeout=30)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("console"), RECENT_EVENTS) as srv:
        yield srv


@contextlib.contextmanager
def running_server(base: Path, recent_events: int) -> Iterator[Server]:
    """A real `glasslog serve` over a fresh data directory: the samples plus `recent_events` generated ones."""
    data = base / "data"
    recent = base / "recent.ndjson"
    with recent.open("wb") as f:
        for event in generate(recent_events):
            f.write(orjson.dumps(event) + b"\n")
    _glasslog("org", "create", ORG, data=data)
    samples = sorted(str(p) for p in SAMPLES.glob("*.ndjson"))
    _glasslog("import", *samples, str(recent), "--org", ORG, data=data)
    admin = _glasslog("token", "create", "--org", ORG, "--role", "SUPER_ADMIN", "--name", "Ada Admin",
                      data=data).strip().splitlines()[-1].strip()
    reader = _glasslog("token", "create", "--org", ORG, "--role", "READ_ONLY_ADMIN", "--name", "Rita Reader",
                       data=data).strip().splitlines()[-1].strip()
    with serving(["serve", "--data", str(data)], base) as url:
        yield Server(url, admin, reader, data)


@contextlib.contextmanager
def serving(args: list[str], base: Path, start_timeout: float = 30) -> Iterator[str]:
    """Run `glasslog <args> --port <free port>` until the console answers; yields its URL, stops it after."""
    port = _free_port()
    log = (base / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "glasslog.cli", *args, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + start_timeout
    while True:
        try:
            if httpx.get(f"{url}/api/glasslog/session", timeout=2).status_code == 401:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start:\n{(base / 'server.log').read_text()}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass
class Demo:
    """A running `glasslog demo`: its URL, the admin token it made, and the simulator's attack labels."""

    url: str
    token: str
    data: Path
    labels: list[dict]

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"SSWS {self.token}"}, timeout=30)


DEMO_USERS = 40
DEMO_DAYS = 7


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo command itself (`glasslog demo`, small: 40 people, 7 days, no live traffic so counts hold still)
    on a fresh directory: the org's simulated history with every attack scenario, served on a free port."""
    base = tmp_path_factory.mktemp("demo")
    data = base / "data"
    args = ["demo", "--data", str(data), "--users", str(DEMO_USERS), "--days", str(DEMO_DAYS), "--no-live"]
    with serving(args, base, start_timeout=180) as url:
        token = (data / "demo-token").read_text().strip()
        labels = orjson.loads((data / "demo-labels.json").read_bytes())
        yield Demo(url, token, data, labels)


def _playwright_ready() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    reason = _playwright_ready()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: Server):  # noqa: ANN201 - a Playwright Page
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="UTC", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(page, server: Server, token: str | None = None, path: str = "/") -> None:  # noqa: ANN001
    """Open `path`, get sent to the sign-in page, sign in, land back on `path` with events shown."""
    page.goto(server.url + path)
    page.wait_for_url("**/console/signin**")
    page.fill("#token", token or server.admin_token)
    page.click("#signin-submit")
    page.wait_for_url(lambda u: "/console/signin" not in u)


def shot(page, name: str) -> Path:  # noqa: ANN001
    """A screenshot under tests/artifacts/ (not committed) to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def wait_js(page, expression: str, timeout: float = 15.0) -> None:  # noqa: ANN001
    """Poll a JS expression until truthy. (Playwright's wait_for_function compiles strings with `new Function`,
    which the console's Content-Security-Policy rightly forbids.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(50)


def all_events(client: httpx.Client, params: dict) -> list[dict]:
    """Every event the Okta API answers for `params`, following `next` links (a polling page ends the walk
    when it comes back empty, since polling always offers a `next`)."""
    out: list[dict] = []
    url, query = "/api/v1/logs", {**params, "limit": "1000"}
    while url:
        r = client.get(url, params=query)
        assert r.status_code == 200, r.text
        out += r.json()
        url, query = (r.links.get("next", {}).get("url") if r.json() else None), None
    return out
