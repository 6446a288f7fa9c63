"""`glasslog simulate`: a seeded org's System Log as NDJSON (sorted by published) plus FILE.labels.json."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer


def _parse_end(value: str | None) -> datetime | None:
    if value is None:
        return None
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(v)
    except ValueError as exc:
        raise typer.BadParameter(f"not an RFC 3339 time: {value}") from exc
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def simulate(
    out: Annotated[Path, typer.Option("--out", help="NDJSON file to write; labels go to FILE.labels.json.")],
    org: Annotated[str, typer.Option("--org", help="Org name (also its email domain: ORG.com).")] = "acme",
    users: Annotated[int, typer.Option("--users", min=1, help="Number of people.")] = 500,
    days: Annotated[float, typer.Option("--days", min=0.01, help="Length of the history, in days.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same output.")] = 1,
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", help="Attack scenario to inject (repeatable; 'all' = every one). Default: all.")] = None,
    no_attacks: Annotated[bool, typer.Option("--no-attacks", help="Ordinary life only.")] = False,
    end: Annotated[str | None, typer.Option("--end", help="End of the history (RFC 3339). Default: now, "
                                                          "rounded down to the minute.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Simulate an Okta org's System Log: ordinary working life plus labelled attacks."""
    import orjson
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from glasslog.simulate import Simulation
    from glasslog.simulate.core import resolve_scenarios

    console = Console(stderr=True)
    try:
        names = resolve_scenarios(scenario, not no_attacks)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scenario") from exc
    end_dt = _parse_end(end)
    out.parent.mkdir(parents=True, exist_ok=True)
    labels_path = out.with_name(out.name + ".labels.json")
    gc.freeze()
    with Progress(TextColumn("[bold]simulate[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[events]:,} events"), TimeElapsedColumn(), console=console,
                  disable=quiet) as bar:
        task = bar.add_task("building org", total=None, events=0)
        sim = Simulation(org, users, days, seed, names or [], end_dt, attacks=bool(names))
        bar.update(task, description="days")
        n = 0

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, events=n)

        sim.progress = progress
        with open(out, "wb") as f:
            chunk: list[bytes] = []
            for line in sim.lines():  # the path bench/bench_simulate.py measures
                chunk.append(line)
                n += 1
                if len(chunk) >= 20000:
                    chunk.append(b"")
                    f.write(b"\n".join(chunk))
                    chunk = []
            if chunk:
                chunk.append(b"")
                f.write(b"\n".join(chunk))
        bar.update(task, events=n)
    labels = {
        "org": org, "users": users, "days": days, "seed": seed, "end": sim.stamp_end(),
        "start": sim.stamp_start(), "events": n, "scenarios": names, "attacks": sim.labels,
    }
    labels_path.write_bytes(orjson.dumps(labels, option=orjson.OPT_INDENT_2))
    console.print(f"wrote {n:,} events to {out} and {len(sim.labels)} attack labels to {labels_path}")


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
