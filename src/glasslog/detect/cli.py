"""`glasslog detect`: run the rule pack over a past range and store/print the alerts."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `glasslog detect` to the main command."""
    app.command("detect")(detect_cmd)


def detect_cmd(
    data: Annotated[str, typer.Option(help="Data directory (or store URL).")] = "glasslog-data",
    org: Annotated[list[str] | None, typer.Option(help="Org(s) to scan (default: every org).")] = None,
    since: Annotated[str | None, typer.Option(help="Start of the range (RFC 3339). Default: the beginning.")] = None,
    until: Annotated[str | None, typer.Option(help="End of the range (RFC 3339). Default: now.")] = None,
    rules: Annotated[list[str] | None, typer.Option(help="Extra Sigma rule file/directory (repeatable).")] = None,
    no_builtin: Annotated[bool, typer.Option("--no-builtin", help="Only the --rules given.")] = False,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",  # noqa: A002
    store_alerts: Annotated[bool, typer.Option("--store/--no-store", help="Record alerts in the store.")] = True,
) -> None:
    """Run detections over a past range; alerts are deduplicated against those already stored."""
    import orjson
    from rich.console import Console
    from rich.table import Table

    from glasslog.cli import fail, open_log
    from glasslog.detect.alerts import SEVERITY, AlertStore, iso
    from glasslog.detect.config import load_config, seconds
    from glasslog.detect.engine import Engine
    from glasslog.detect.rules import load_pack
    from glasslog.events.timeparse import to_utc

    if format not in ("table", "json"):
        fail("--format must be table or json")
    log = open_log(data)
    console = Console()
    warn = Console(stderr=True)  # stdout carries only the result (the JSON must stay parseable)
    try:
        lo = to_utc(since) if since else None
        hi = to_utc(until) if until else None
        out = []
        for o in org or log.store.orgs():
            cfg = load_config(log.store, o)
            pack = load_pack([*(rules or []), *cfg.rule_paths], builtin=not no_builtin,
                             placeholders=cfg.placeholders)
            for e in pack.errors:
                warn.print(f"[yellow]rule not loaded:[/yellow] {e}", highlight=False)
            findings = Engine(pack, cfg).run(log.store, o, lo, hi)
            if store_alerts:
                # the alerts of the range, including those an earlier run already recorded unchanged
                alerts = AlertStore(log.store).record(o, findings, seconds(cfg.merge_gap), unchanged=True)
            else:
                alerts = [dict(f.__dict__, org=o, severity=SEVERITY.get(f.level, "medium"), first_seen=iso(f.first_ms),
                               last_seen=iso(f.last_ms), state="new", id="-") for f in findings]
            out += alerts
        out.sort(key=lambda a: a["first_ms"])
        if format == "json":
            typer.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
            return
        table = Table(title=f"{len(out)} alert(s)")
        for col in ("first seen", "severity", "rule", "ATT&CK", "events", "summary", "id"):
            # the rule name is what one greps for: never broken across lines, however narrow the terminal
            table.add_column(col, overflow="fold", no_wrap=col == "rule")
        for a in out:
            table.add_row(a["first_seen"], a["severity"], a["rule_name"], ", ".join(a["techniques"]),
                          str(a["count"]), a["summary"], a["id"])
        console.print(table)
    finally:
        log.close()
