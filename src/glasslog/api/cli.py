"""`glasslog serve`, `glasslog org …`, `glasslog token …`.

Token and org commands open the data directory directly. A DuckDB data directory is held by one process, so
while a server runs they stop with a plain message (exit 1) instead of a lock traceback.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from glasslog.errors import GlasslogError

_DEFAULT_DATA = os.environ.get("GLASSLOG_DATA", "glasslog-data")
DataOpt = Annotated[str, typer.Option("--data", help="Data directory (env GLASSLOG_DATA).")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="Store URL; overrides --data.")]

err = Console(stderr=True)


def _fail(exc: GlasslogError | str) -> None:
    err.print(f"[red]error:[/red] {exc if isinstance(exc, str) else exc.detail or exc.summary}", highlight=False)
    raise typer.Exit(1)


def _open(data: str, store: str | None):  # noqa: ANN202 - Log, imported lazily so --help stays fast
    import glasslog

    try:
        return glasslog.open(store or data)
    except GlasslogError as exc:
        _fail(exc)


def register(app: typer.Typer) -> None:
    org_app = typer.Typer(help="Orgs (tenants): each has its own events, tokens and settings.",
                          no_args_is_help=True)
    token_app = typer.Typer(help="API tokens: `Authorization: SSWS <token>`.", no_args_is_help=True)
    app.add_typer(org_app, name="org")
    app.add_typer(token_app, name="token")

    @app.command("serve")
    def serve(
        data: Annotated[str | None, typer.Option("--data", help="Data directory (env GLASSLOG_DATA).")] = None,
        store: StoreOpt = None,
        host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default 8080).")] = None,
        config: Annotated[str | None, typer.Option("--config", help="TOML settings file.")] = None,
    ) -> None:
        """Serve the Okta-compatible System Log API (and the console) over HTTP."""
        import uvicorn

        from glasslog.api.app import create_app
        from glasslog.api.settings import load_settings

        try:
            settings = load_settings(config).with_overrides(data=data, store=store, host=host, port=port)
        except GlasslogError as exc:
            _fail(exc)
        log = _open(settings.data, settings.store)
        try:
            application = create_app(log, settings)
            err.print(f"glasslog serving {settings.location} on http://{settings.host}:{settings.port}",
                      highlight=False)
            uvicorn.run(application, host=settings.host, port=settings.port, log_level=settings.log_level,
                        access_log=False, lifespan="on")
        finally:
            log.close()

    @org_app.command("create")
    def org_create(name: Annotated[str, typer.Argument(help="Org name (letters, digits, - _ .).")],
                   data: DataOpt = _DEFAULT_DATA, store: StoreOpt = None) -> None:
        """Create an org."""
        from glasslog.api import orgs

        log = _open(data, store)
        try:
            orgs.create_org(log, name)
        except GlasslogError as exc:
            _fail(exc)
        finally:
            log.close()
        Console().print(f"org '{name}' created", highlight=False)

    @org_app.command("list")
    def org_list(data: DataOpt = _DEFAULT_DATA, store: StoreOpt = None) -> None:
        """List orgs."""
        from glasslog.api import orgs

        log = _open(data, store)
        try:
            rows = orgs.list_orgs(log)
        finally:
            log.close()
        table = Table()
        for col in ("org", "created", "tokens"):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(row["name"], row.get("created") or "", str(row["tokens"]))
        Console().print(table)

    @token_app.command("create")
    def token_create(
        org: Annotated[str, typer.Option("--org", help="The org the token belongs to.")],
        role: Annotated[str, typer.Option("--role", help="SUPER_ADMIN, READ_ONLY_ADMIN or INGEST.")],
        name: Annotated[str | None, typer.Option("--name", help="A label to recognise it by.")] = None,
        data: DataOpt = _DEFAULT_DATA,
        store: StoreOpt = None,
    ) -> None:
        """Create a token; it is printed once, as the last line (only its hash is kept)."""
        from glasslog.api import audit, tokens

        log = _open(data, store)
        try:
            role = tokens.check_role(role)
            tokens.require_org_exists(log, org)
            actor = audit.cli_actor()
            token, rec = tokens.create_token(log, org, role, name, actor.alternate_id)
            audit.record_admin_event(log, org, "system.api_token.create", "Create API token", actor,
                                     [audit.token_target(rec.id, rec.name, rec.role)])
        except GlasslogError as exc:
            _fail(exc)
        finally:
            log.close()
        err.print(f"created token {rec.id} ({rec.role}) for org '{org}'; it is shown only once:", highlight=False)
        print(token)

    @token_app.command("list")
    def token_list(org: Annotated[str | None, typer.Option("--org", help="Only this org.")] = None,
                   data: DataOpt = _DEFAULT_DATA, store: StoreOpt = None) -> None:
        """List tokens (never their values)."""
        from glasslog.api import tokens

        log = _open(data, store)
        try:
            recs = tokens.list_tokens(log, org)
        finally:
            log.close()
        table = Table()
        for col in ("id", "org", "role", "name", "created", "created by"):
            table.add_column(col, overflow="fold")
        for r in recs:
            table.add_row(r.id, r.org, r.role, r.name, r.created, r.created_by)
        Console().print(table)

    @token_app.command("revoke")
    def token_revoke(token_id: Annotated[str, typer.Argument(help="Token id (from `token list`).")],
                     org: Annotated[str | None, typer.Option("--org", help="The token's org.")] = None,
                     data: DataOpt = _DEFAULT_DATA, store: StoreOpt = None) -> None:
        """Revoke a token: it stops working at once (within seconds on a running server)."""
        from glasslog.api import audit, tokens

        log = _open(data, store)
        try:
            rec = tokens.find_token_by_id(log, token_id, org)
            if rec is None:
                raise GlasslogError("E0000007", f"no token with id {token_id!r}")
            tokens.revoke_token(log, rec)
            audit.record_admin_event(log, rec.org, "system.api_token.revoke", "Revoke API token",
                                     audit.cli_actor(), [audit.token_target(rec.id, rec.name, rec.role)])
        except GlasslogError as exc:
            _fail(exc)
        finally:
            log.close()
        Console().print(f"token {rec.id} of org '{rec.org}' revoked", highlight=False)
