"""`glasslog org|token` commands, the audit events they write, and settings loading."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import glasslog
from glasslog.api.settings import Settings, load_settings
from glasslog.api.tokens import lookup
from glasslog.cli import app
from glasslog.errors import GlasslogError

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_org_and_token_lifecycle_is_audited(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    run("org", "create", "acme", "--data", data)
    out = run("token", "create", "--org", "acme", "--role", "read_only_admin", "--name", "siem", "--data", data)
    token = out.strip().splitlines()[-1]
    assert token.startswith("gl_") and len(token) > 30
    assert "siem" in run("token", "list", "--data", data)
    with glasslog.open(data) as log:
        rec = lookup(log, token)
        assert rec is not None and rec.org == "acme" and rec.role == "READ_ONLY_ADMIN"
    run("token", "revoke", rec.id, "--data", data)
    with glasslog.open(data) as log:
        assert lookup(log, token) is None
        events = log.search(org="acme", since=datetime(2000, 1, 1, tzinfo=UTC), limit=None)
    types = [e["eventType"] for e in events]
    assert types == ["system.org.lifecycle.create", "system.api_token.create", "system.api_token.revoke"]
    created = events[1]
    assert created["actor"]["type"] == "SystemPrincipal" and created["actor"]["alternateId"]
    assert created["target"][0]["id"] == rec.id and created["target"][0]["type"] == "Token"
    for key in ("uuid", "published", "severity", "displayMessage", "client", "outcome", "transaction",
                "debugContext"):
        assert key in created
    assert token not in str(events)


@pytest.mark.parametrize("args", [
    ("token", "create", "--org", "nope", "--role", "SUPER_ADMIN"),
    ("token", "create", "--org", "acme", "--role", "KING"),
    ("token", "revoke", "tok000"),
    ("org", "create", "bad name!"),
])
def test_cli_errors_are_clean(tmp_path: Path, args: tuple[str, ...]) -> None:
    data = str(tmp_path / "d")
    run("org", "create", "acme", "--data", data)
    result = runner.invoke(app, [*args, "--data", data])
    assert result.exit_code == 1
    assert "error:" in result.output and "Traceback" not in result.output


def test_held_data_dir_is_a_clean_error(tmp_path: Path) -> None:
    """A running server holds the DuckDB file: another process gets a plain message, exit code 1."""
    data = tmp_path / "d"
    with glasslog.open(data):
        proc = subprocess.run([sys.executable, "-m", "glasslog", "token", "create", "--org", "acme", "--role",
                               "INGEST", "--data", str(data)], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 1, proc.stderr
    assert "in use by another glasslog process" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_settings_precedence(tmp_path: Path) -> None:
    cfg = tmp_path / "glasslog.toml"
    cfg.write_text('port = 9000\nquery_timeout_seconds = 5\n[server]\nhost = "0.0.0.0"\ncookie_secure = true\n')
    s = load_settings(cfg, env={"GLASSLOG_PORT": "9100", "GLASSLOG_TOKEN_SHARE": "0.25", "GLASSLOG_ORG": "x"})
    assert (s.port, s.host, s.query_timeout_seconds, s.cookie_secure, s.token_share) == (9100, "0.0.0.0", 5.0,
                                                                                        True, 0.25)
    assert s.with_overrides(port=9200, host=None).port == 9200 and s.with_overrides(host=None).host == "0.0.0.0"
    assert load_settings(env={}) == Settings()


@pytest.mark.parametrize("text,env", [
    ("bogus = 1\n", {}),
    ("port = \"eighty\"\n", {}),
    ("port = [\n", {}),
    ("", {"GLASSLOG_COOKIE_SECURE": "maybe"}),
])
def test_bad_settings_are_reported(tmp_path: Path, text: str, env: dict) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(GlasslogError):
        load_settings(cfg, env=env)


def test_every_setting_is_documented() -> None:
    import dataclasses

    import glasslog.api.settings as mod

    for f in dataclasses.fields(Settings):
        assert f"`{f.name}`" in mod.__doc__ and f"`GLASSLOG_{f.name.upper()}`" in mod.__doc__, f.name
