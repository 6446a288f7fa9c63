"""The `glasslog` command. Core commands live here; each part adds its own (serve, simulate, detect, …)
through a `register(app)` function in its package, so no part edits another's commands."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from glasslog.errors import GlasslogError

DEFAULT_DATA = os.environ.get("GLASSLOG_DATA", "glasslog-data")
DEFAULT_ORG = os.environ.get("GLASSLOG_ORG", "default")

app = typer.Typer(
    name="glasslog",
    help="A self-hostable System Log: Okta's LogEvent format and System Log API, kept as long as you like.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

DataOpt = Annotated[str, typer.Option("--data", help="Data directory (env GLASSLOG_DATA).")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="Store URL (duckdb://DIR, chdb://DIR, "
                                                             "clickhouse://…); overrides --data.")]
OrgOpt = Annotated[str, typer.Option("--org", help="Org (tenant) name (env GLASSLOG_ORG).")]


class OutputFormat(StrEnum):
    table = "table"
    ndjson = "ndjson"
    json = "json"
    csv = "csv"


def open_log(data: str, store: str | None = None):  # noqa: ANN201 - Log, imported lazily for fast --help
    """Open the log, turning a held data directory into a plain message rather than a lock traceback."""
    import glasslog

    try:
        return glasslog.open(store or data)
    except GlasslogError as exc:
        fail(exc)


def fail(exc: GlasslogError | str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {exc if isinstance(exc, str) else exc.detail or exc.summary}")
    raise typer.Exit(code)


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="NDJSON, JSON array, Okta API page, .gz; '-' for stdin.")],
    data: DataOpt = DEFAULT_DATA,
    store: StoreOpt = None,
    org: OrgOpt = DEFAULT_ORG,
) -> None:
    """Import LogEvents from files. Bad records are reported and never stop good ones."""
    from glasslog.importer import import_files

    for f in files:
        if str(f) != "-" and not f.exists():
            fail(f"no such file: {f}")
    log = open_log(data, store)
    sizes = {str(f): (f.stat().st_size if str(f) != "-" else None) for f in files}
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[records]} records"), TimeElapsedColumn(), console=err,
                  transient=not err.is_terminal) as bar:
        tasks = {name: bar.add_task(Path(name).name, total=size, records=0) for name, size in sizes.items()}

        def progress(name: str, done: int, records: int) -> None:
            bar.update(tasks[name], completed=done, records=records)

        try:
            result = import_files(log, [str(f) for f in files], org, progress)
        finally:
            log.close()
    summary = Table(title=f"Imported into org '{org}'", show_header=False)
    summary.add_row("accepted", str(result.accepted))
    summary.add_row("duplicates", str(result.duplicates))
    summary.add_row("rejected", str(len(result.rejected)))
    Console().print(summary)
    for r in result.rejected[:20]:
        err.print(f"  rejected #{r.index}: {r.reason}")
    if len(result.rejected) > 20:
        err.print(f"  … and {len(result.rejected) - 20} more rejected")


@app.command("search")
def search_cmd(
    data: DataOpt = DEFAULT_DATA,
    store: StoreOpt = None,
    org: OrgOpt = DEFAULT_ORG,
    filter: Annotated[str | None, typer.Option("--filter", "-f", help="Okta filter expression.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Keywords (all must match).")] = None,
    since: Annotated[str | None, typer.Option(help="RFC 3339; default: the beginning of the log.")] = None,
    until: Annotated[str | None, typer.Option(help="RFC 3339; default now.")] = None,
    limit: Annotated[int, typer.Option(help="Most events to show; 0 = all.")] = 100,
    sort: Annotated[str, typer.Option("--sort", help="ASCENDING or DESCENDING.")] = "ASCENDING",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Search the log with Okta's filter language and keywords (all of the log unless --since is given)."""
    log = open_log(data, store)
    try:
        # Unlike the Okta API (7 days), the CLI searches everything by default: it is how an imported
        # archive is explored.
        events = log.search(org=org, filter=filter, q=q, since=since or "1970-01-01T00:00:00Z", until=until,
                            limit=None if limit == 0 else limit, sort_order=sort)
    except GlasslogError as exc:
        fail(exc)
    finally:
        log.close()
    out = sys.stdout
    if fmt is OutputFormat.ndjson:
        for e in events:
            out.write(orjson.dumps(e).decode() + "\n")
    elif fmt is OutputFormat.json:
        out.write(orjson.dumps(events, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif fmt is OutputFormat.csv:
        from glasslog.export import iter_csv

        for chunk in iter_csv(events):
            out.write(chunk)
    else:
        _print_table(events)


def _print_table(events: list[dict]) -> None:
    from glasslog.export import targets_text

    table = Table(show_lines=False)
    for col in ("published", "actor", "eventType", "outcome", "client", "targets"):
        table.add_column(col, overflow="fold")
    for e in events:
        actor = e.get("actor") or {}
        outcome = e.get("outcome") or {}
        client = e.get("client") or {}
        geo = client.get("geographicalContext") or {} if isinstance(client, dict) else {}
        table.add_row(
            str(e.get("published", "")),
            str(actor.get("alternateId") or actor.get("displayName") or "") if isinstance(actor, dict) else "",
            str(e.get("eventType", "")),
            " ".join(str(x) for x in (outcome.get("result"), outcome.get("reason")) if x)
            if isinstance(outcome, dict) else "",
            " ".join(str(x) for x in (client.get("ipAddress"), geo.get("country") if isinstance(geo, dict) else None)
                     if x) if isinstance(client, dict) else "",
            targets_text(e),
        )
    console = Console()
    console.print(table)
    console.print(f"{len(events)} events", style="dim")


@app.command("retention")
def retention_cmd(
    days: Annotated[int, typer.Argument(help="Days to keep; 0 = forever.")],
    data: DataOpt = DEFAULT_DATA,
    store: StoreOpt = None,
    org: OrgOpt = DEFAULT_ORG,
) -> None:
    """Set how long the org's events are kept (default: forever) and drop what falls outside."""
    log = open_log(data, store)
    try:
        from glasslog.api.audit import cli_actor, org_target, record_admin_event

        before = log.settings(org).retention_days
        log.set_retention(org, days)
        record_admin_event(log, org, "system.org.retention.update", "Update log retention", cli_actor(),
                           [org_target(org)], {"retentionDaysFrom": str(before), "retentionDaysTo": str(days)})
        dropped = log.enforce_retention(org)
    except GlasslogError as exc:
        fail(exc)
    finally:
        log.close()
    Console().print(f"org '{org}': retention {days or 'unlimited'} days; {dropped} events dropped")


def _register_parts() -> None:
    """Each part adds its own commands; a part not yet present is simply absent."""
    import importlib

    for module in ("glasslog.api.cli", "glasslog.simulate.cli", "glasslog.demo", "glasslog.detect.cli",
                   "glasslog.store.clickhouse_cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        mod.register(app)


_register_parts()

if __name__ == "__main__":
    app()
