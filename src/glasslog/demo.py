"""`glasslog demo`: the project's main job in one command — a server on the embedded store with a realistic
demo org (`acme`), its console, and live traffic flowing through the same HTTP ingest path any producer uses.

First run on an empty directory: the org, its history (a month of working life with labelled attack storylines)
and an admin token are made; later runs reuse all of it, so a demo can be stopped and resumed. The history's
plan (seed, size, end time) is written before loading starts and marked complete after, so a first run stopped
halfway regenerates the very same events on the next run and ingest's uuid dedupe fills in only what is missing.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

DEMO_ORG = "acme"
TOKEN_FILE = "demo-token"
INGEST_TOKEN_FILE = "demo-ingest-token"
LABELS_FILE = "demo-labels.json"
PLAN_FILE = "demo-history.json"
BATCH = 20_000
# Every scenario once, and two more full storylines (spray -> MFA fatigue -> foothold -> escalation -> mission)
# against other victims, so the alert list shows several incidents to work through, not one.
SCENARIOS = ["all", "storyline", "storyline"]


def _write_secret(path: Path, value: str) -> None:
    """Create the file with mode 600 before writing, so the token is never readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    os.chmod(path, 0o600)


def _token(log, data: Path, filename: str, role: str, name: str) -> str:  # noqa: ANN001 - Log
    """Reuse the token kept in the data directory while it still works; otherwise make a new one."""
    from glasslog.api.tokens import create_token, lookup

    path = data / filename
    if path.exists():
        token = path.read_text().strip()
        rec = lookup(log, token)
        if rec is not None and rec.org == DEMO_ORG:
            return token
    token, _ = create_token(log, DEMO_ORG, role, name, created_by="glasslog demo")
    _write_secret(path, token)
    return token


def history_plan(data: Path, users: int, days: float, seed: int) -> dict:
    """The history this directory holds or is being filled with: the kept plan if there is one (its options win
    over these), else a new one ending now, written before any event is loaded."""
    path = data / PLAN_FILE
    if path.exists():
        return orjson.loads(path.read_bytes())
    plan = {"users": users, "days": days, "seed": seed, "scenarios": SCENARIOS,
            "end": datetime.now(UTC).isoformat(), "complete": False}
    data.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(plan, option=orjson.OPT_INDENT_2))
    return plan


def load_history(log, data: Path, plan: dict, console: Console) -> int:  # noqa: ANN001
    """Simulate the planned past and ingest it in batches; the attack labels go beside the data, and the plan is
    marked complete only once every batch is committed. Returns the events newly stored."""
    from glasslog.simulate import Simulation

    sim = Simulation(DEMO_ORG, users=plan["users"], days=plan["days"], seed=plan["seed"],
                     scenarios=plan["scenarios"], end=datetime.fromisoformat(plan["end"]))
    total = 0
    gc_on = gc.isenabled()
    gc.disable()  # hundreds of thousands of live dicts: the cyclic GC would rescan them for nothing
    try:
        with Progress(TextColumn("loading the demo org's history"), BarColumn(),
                      TextColumn("{task.completed:,} events"), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("history", total=None)
            # Simulation on this thread, validation + insert of the previous batch on another: two cores busy.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="glasslog-demo-load") as pool:
                pending: Future | None = None
                batch: list[dict] = []
                for event in sim.events():
                    batch.append(event)
                    if len(batch) >= BATCH:
                        if pending is not None:
                            total += pending.result().accepted
                            bar.update(task, completed=total)
                        pending = pool.submit(log.ingest, batch, DEMO_ORG)
                        batch = []
                if pending is not None:
                    total += pending.result().accepted
                if batch:
                    total += log.ingest(batch, org=DEMO_ORG).accepted
            bar.update(task, completed=total)
    finally:
        if gc_on:
            gc.enable()
    (data / LABELS_FILE).write_bytes(orjson.dumps(sim.labels, option=orjson.OPT_INDENT_2))
    (data / PLAN_FILE).write_bytes(orjson.dumps(dict(plan, complete=True), option=orjson.OPT_INDENT_2))
    return total


class LiveTraffic(threading.Thread):
    """Posts the simulator's live events to the server's own `POST /api/v1/logs`, about once a second."""

    def __init__(self, url: str, token: str, seed: int, users: int) -> None:
        super().__init__(name="glasslog-demo-live", daemon=True)
        self.url = url.rstrip("/") + "/api/v1/logs"
        self.token = token
        self.seed = seed
        self.users = users
        self.stopped = threading.Event()
        self.posted = 0

    def run(self) -> None:
        from glasslog.simulate import live

        self._wait_for_server()
        pending: list[dict] = []
        last = time.monotonic()
        for event in live(DEMO_ORG, seed=self.seed + int(time.time()), users=self.users,
                          sleep=self._sleep):
            if self.stopped.is_set():
                return
            pending.append(event)
            if time.monotonic() - last >= 1.0:
                self._post(pending)
                pending, last = [], time.monotonic()

    def _sleep(self, seconds: float) -> None:
        self.stopped.wait(seconds)

    def _wait_for_server(self) -> None:
        while not self.stopped.is_set():
            try:
                urllib.request.urlopen(self.url.replace("/api/v1/logs", "/openapi.json"), timeout=2).close()
                return
            except (urllib.error.URLError, OSError):
                self.stopped.wait(0.5)

    def _post(self, events: list[dict]) -> None:
        if not events:
            return
        body = b"\n".join(orjson.dumps(e) for e in events)
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"SSWS {self.token}", "Content-Type": "application/x-ndjson"})
        try:
            urllib.request.urlopen(req, timeout=30).close()
            self.posted += len(events)
        except (urllib.error.URLError, OSError):
            pass  # the server is going down or busy; live traffic is best effort

    def stop(self) -> None:
        self.stopped.set()


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        data: Annotated[str, typer.Option("--data", help="Demo data directory (reused when it exists).")]
        = "glasslog-demo",
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
        users: Annotated[int, typer.Option(help="People in the demo org.")] = 500,
        days: Annotated[float, typer.Option(help="Days of history on first run.")] = 30,
        seed: Annotated[int, typer.Option(help="Simulation seed.")] = 1,
        live_traffic: Annotated[bool, typer.Option("--live/--no-live", help="Keep events flowing.")] = True,
    ) -> None:
        """Run the demo: server + console + a realistic org with attack storylines and live traffic."""
        import uvicorn

        from glasslog.api.app import create_app
        from glasslog.api.orgs import create_org
        from glasslog.api.settings import load_settings
        from glasslog.cli import open_log
        from glasslog.store.base import SearchQuery

        console = Console()
        started = time.monotonic()
        root = Path(data)
        log = open_log(data)
        try:
            if log.store.get_meta(DEMO_ORG, "org", "info") is None:
                create_org(log, DEMO_ORG)
            held = log.store.count(DEMO_ORG, SearchQuery())
            plan = history_plan(root, users, days, seed) if held < 1000 or (root / PLAN_FILE).exists() else None
            if plan is not None and not plan["complete"]:
                if held:
                    console.print(f"resuming the demo org's history in {root}/ ({held:,} events so far)")
                held += load_history(log, root, plan, console)
            else:
                console.print(f"reusing the demo org in {root}/ ({held:,} events)")
            token = _token(log, root, TOKEN_FILE, "SUPER_ADMIN", "demo admin")
            ingest_token = _token(log, root, INGEST_TOKEN_FILE, "INGEST", "demo live traffic")
            settings = load_settings(None).with_overrides(data=data, host=host, port=port)
            application = create_app(log, settings)
            url = f"http://{host}:{port}"
            traffic = LiveTraffic(url, ingest_token, seed, users) if live_traffic else None
            console.print(f"\n[bold]glasslog demo[/bold] ready in {time.monotonic() - started:.0f}s: "
                          f"org [cyan]{DEMO_ORG}[/cyan], {held:,} events")
            console.print(f"  console   {url}/")
            console.print(f"  API       {url}/api/v1/logs   (Authorization: SSWS <token>)")
            console.print(f"  token     in {root / TOKEN_FILE} (mode 600)")
            console.print("  Ctrl-C to stop; run again to resume with the same data.\n")
            print(token, flush=True)
            if traffic:
                traffic.start()
            try:
                uvicorn.run(application, host=host, port=port, log_level="warning")
            finally:
                if traffic:
                    traffic.stop()
        finally:
            log.close()
