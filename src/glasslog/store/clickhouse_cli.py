"""Commands for the scale-out backend: `glasslog clickhouse ddl` (the schema, for one node or a cluster) and
`glasslog migrate` (copy orgs from one store to another, e.g. DuckDB → ClickHouse, resumably).

Migration is resumable because its position is kept in the *target's* metadata (kind `migration`, one document
per source and org) and written after each committed batch; ingest is idempotent, so a batch copied again after
a crash is skipped as duplicates rather than stored twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from glasslog.store.base import SearchQuery, Store, StoredEvent, ValidEvent

MIGRATION_KIND = "migration"
BATCH = 20_000


def register(app: typer.Typer) -> None:
    """Add the `clickhouse` command group and `migrate` to the glasslog CLI."""
    group = typer.Typer(name="clickhouse", help="The ClickHouse (scale-out) backend: schema and tools.",
                        no_args_is_help=True)

    @group.command("ddl")
    def ddl(
        cluster: Annotated[str | None, typer.Option("--cluster", help="Cluster name (remote_servers): "
                                                    "ReplicatedMergeTree per shard + Distributed by org.")] = None,
        db: Annotated[str, typer.Option("--db", help="Database name.")] = "glasslog",
        upgrade: Annotated[bool, typer.Option("--upgrade", help="Print the ALTERs that take tables made by an "
                                              "older glasslog (any older schema) to this version instead.")] = False,
    ) -> None:
        """Print the CREATE statements for glasslog's tables (pipe into `clickhouse-client --multiquery`)."""
        from glasslog.store.clickhouse_schema import ddl_script, upgrade_script

        typer.echo(upgrade_script(db, cluster) if upgrade else ddl_script(db, cluster), nl=False)

    app.add_typer(group)

    @app.command("migrate")
    def migrate(
        source: Annotated[str, typer.Option("--from", help="Source store URL (duckdb://DIR or a data dir).")],
        target: Annotated[str, typer.Option("--to", help="Target store URL (clickhouse://… or chdb://DIR).")],
        org: Annotated[list[str] | None, typer.Option("--org", help="Org to copy (repeatable); default all.")] = None,
        batch: Annotated[int, typer.Option("--batch", min=1, help="Events per committed batch.")] = BATCH,
        meta: Annotated[bool, typer.Option("--meta/--no-meta", help="Also copy org metadata "
                                                                    "(settings, tokens, saved searches).")] = True,
        restart: Annotated[bool, typer.Option("--restart", help="Ignore a saved position and copy from the "
                                                                "start (duplicates are skipped anyway).")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    ) -> None:
        """Copy events (and metadata) from one store to another. Resumable: run it again to continue."""
        from glasslog.store import open_store

        console = Console(stderr=True)
        src = open_store(source)
        try:
            dst = open_store(target)
        except Exception:
            src.close()
            raise
        try:
            orgs = list(org) if org else src.orgs()
            with _progress(quiet) as progress:
                for name in orgs:
                    copied, skipped = migrate_org(src, dst, name, source_key=source, batch=batch,
                                                  with_meta=meta, restart=restart, progress=progress)
                    console.print(f"org '{name}': {copied:,} events copied, {skipped:,} already there")
        finally:
            dst.close()
            src.close()


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                    disable=quiet, transient=False)


def _all(after: tuple[datetime, str] | None = None) -> SearchQuery:
    return SearchQuery(since=None, until=None, limit=None, order="ASCENDING", mode="bounded", after=after)


def copy_meta(src: Store, dst: Store, org: str) -> int:
    """Copy an org's metadata documents. The Store protocol lists metadata by kind only, so the kinds come
    from the source's own table when it is DuckDB or ClickHouse (the two backends there are)."""
    kinds: list[str] = []
    cursor = getattr(src, "_cursor", None)
    if cursor is not None:  # DuckDBStore
        kinds = [r[0] for r in cursor().execute("SELECT DISTINCT kind FROM meta WHERE org = ?", [org]).fetchall()]
    elif hasattr(src, "_meta_latest"):  # ClickHouseStore
        kinds = [r[0] for r in src._rows(  # type: ignore[attr-defined]
            f"SELECT DISTINCT kind FROM ({src._meta_latest('org = {?}')}) WHERE deleted = 0", [org])]
    n = 0
    for kind in kinds:
        if kind == MIGRATION_KIND:
            continue
        for key, value in src.list_meta(org, kind):
            dst.put_meta(org, kind, key, value)
            n += 1
    return n


def _batches(src: Store, org: str, after: tuple[datetime, str] | None, size: int) -> Iterator[list[StoredEvent]]:
    chunk: list[StoredEvent] = []
    for ev in src.iter_search(org, _all(after), batch=size):
        chunk.append(ev)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def migrate_org(src: Store, dst: Store, org: str, *, source_key: str, batch: int = BATCH,
                with_meta: bool = True, restart: bool = False, progress: Progress | None = None) -> tuple[int, int]:
    """Copy one org; returns (events copied, events the target already had). The position is saved in the
    target's metadata after every batch, so an interrupted run continues where it stopped."""
    if with_meta:
        copy_meta(src, dst, org)
    state: dict[str, Any] = ({} if restart else dst.get_meta(org, MIGRATION_KIND, source_key) or {})
    after = (datetime.fromisoformat(state["published"]), state["uuid"]) if state.get("uuid") else None
    total = src.count(org, _all())
    done_before = int(state.get("seen", 0)) if after else 0
    task = progress.add_task(f"{org}", total=total, completed=done_before, rate="") if progress else None
    copied = skipped = 0
    seen = done_before
    started = datetime.now().timestamp()
    for chunk in _batches(src, org, after, batch):
        events = [ValidEvent(obj={}, raw=e.raw, uuid=e.uuid, published=e.published) for e in chunk]
        result = dst.ingest(org, events)
        copied += result.accepted
        skipped += result.duplicates
        seen += len(chunk)
        last = chunk[-1]
        dst.put_meta(org, MIGRATION_KIND, source_key, {"published": last.published.isoformat(), "uuid": last.uuid,
                                                       "seen": seen, "done": False})
        if progress is not None and task is not None:
            elapsed = max(datetime.now().timestamp() - started, 1e-6)
            progress.update(task, completed=min(seen, total),
                            rate=f"{(seen - done_before) / elapsed:,.0f} ev/s")
    final = dst.get_meta(org, MIGRATION_KIND, source_key) or {}
    dst.put_meta(org, MIGRATION_KIND, source_key, {**final, "seen": seen, "done": True})
    if progress is not None and task is not None:
        progress.update(task, completed=total)
    return copied, skipped
