"""`glasslog clickhouse ddl` and `glasslog migrate` (DuckDB → chdb, resumable), and the clickhouse:// URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_event
from typer.testing import CliRunner

from glasslog.store import clickhouse as chmod
from glasslog.store.base import SearchQuery
from glasslog.store.clickhouse import open_clickhouse
from glasslog.store.clickhouse_cli import MIGRATION_KIND, migrate_org
from glasslog.store.clickhouse_schema import all_ddl, ddl_script
from glasslog.store.duckdb_store import DuckDBStore

ALL = SearchQuery(since=None, until=None, limit=None)


def _app() -> Any:
    from glasslog.cli import app

    return app


def test_single_node_ddl() -> None:
    text = ddl_script("logs")
    assert "ENGINE = ReplacingMergeTree(ver)" in text
    assert "PARTITION BY toYYYYMM(published)" in text
    assert "ORDER BY (org, published, uuid)" in text
    assert "TTL expires DELETE" in text
    assert "`raw` String CODEC(ZSTD(" in text
    assert "`event_type` LowCardinality(Nullable(String))" in text
    for column in ("external_session_id", "root_session_id", "actor_id", "client_ip", "client_user_agent",
                   "event_type"):
        assert f"`{column}` TYPE bloom_filter" in text, column
    assert "ON CLUSTER" not in text and "Distributed" not in text
    assert "CREATE TABLE IF NOT EXISTS `logs`.`meta`" in text


def test_cluster_ddl() -> None:
    stmts = all_ddl("logs", "prod")
    assert all("ON CLUSTER `prod`" in s for s in stmts)
    joined = "\n".join(stmts)
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/logs/events_local', '{replica}', ver)" in joined
    assert "ENGINE = Distributed(`prod`, `logs`, `events_local`, cityHash64(org))" in joined
    assert "ENGINE = Distributed(`prod`, `logs`, `meta_local`, cityHash64(org))" in joined


def test_ddl_command() -> None:
    result = CliRunner().invoke(_app(), ["clickhouse", "ddl", "--cluster", "prod", "--db", "logs"])
    assert result.exit_code == 0, result.output
    assert result.output == ddl_script("logs", "prod")


def _duck_with_events(path: Path, n: int) -> list[dict[str, Any]]:
    start = datetime(2024, 8, 1, tzinfo=UTC)
    evs = [make_event(when=start + timedelta(minutes=i)) for i in range(n)]
    duck = DuckDBStore(path)
    try:
        from glasslog.log import Log

        log = Log(duck)
        log.ingest(evs, org="acme")
        log.ingest(evs[:5], org="beta")
        duck.put_meta("acme", "settings", "org", {"retention_days": 0})
        duck.put_meta("acme", "token", "h1", {"name": "ci"})
    finally:
        duck.close()
    return evs


def test_migrate_command_copies_every_org_and_metadata(tmp_path: Path) -> None:
    evs = _duck_with_events(tmp_path / "duck", 30)
    target = f"chdb://{tmp_path / 'ch'}"
    result = CliRunner().invoke(_app(), ["migrate", "--from", f"duckdb://{tmp_path / 'duck'}", "--to", target,
                                         "--batch", "7", "-q"])
    assert result.exit_code == 0, result.output
    store = open_clickhouse(target)
    try:
        assert store.count("acme", ALL) == 30 and store.count("beta", ALL) == 5
        assert {e.uuid for e in store.iter_search("acme", ALL)} == {e["uuid"] for e in evs}
        assert store.get_meta("acme", "token", "h1") == {"name": "ci"}
    finally:
        store.close()
    again = CliRunner().invoke(_app(), ["migrate", "--from", str(tmp_path / "duck"), "--to", target, "-q"])
    assert again.exit_code == 0, again.output
    assert "0 events copied" in again.output


class Crash(Exception):
    pass


def test_migration_resumes_where_it_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _duck_with_events(tmp_path / "duck", 40)
    src = DuckDBStore(tmp_path / "duck")
    dst = open_clickhouse(f"chdb://{tmp_path / 'ch'}")
    try:
        real_ingest = dst.ingest
        calls = {"n": 0}

        def flaky(org: str, events: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 4:
                raise Crash
            return real_ingest(org, events)

        monkeypatch.setattr(dst, "ingest", flaky)
        with pytest.raises(Crash):
            migrate_org(src, dst, "acme", source_key="duck", batch=10)
        state = dst.get_meta("acme", MIGRATION_KIND, "duck")
        assert state is not None and state["seen"] == 30 and not state["done"]
        monkeypatch.setattr(dst, "ingest", real_ingest)
        copied, skipped = migrate_org(src, dst, "acme", source_key="duck", batch=10)
        assert (copied, skipped) == (10, 0)  # only the rest
        assert dst.count("acme", ALL) == 40
        assert dst.get_meta("acme", MIGRATION_KIND, "duck")["done"] is True  # type: ignore[index]
    finally:
        dst.close()
        src.close()


def test_clickhouse_url_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """clickhouse:// goes through clickhouse-connect; here its executor is swapped for chdb to check the
    URL's options reach the store (no server in CI)."""
    seen: dict[str, Any] = {}

    def fake(**kw: Any) -> Any:
        seen.update(kw)
        return chmod.ChdbExecutor(str(tmp_path / "srv"))

    monkeypatch.setattr(chmod, "HttpExecutor", fake)
    store = open_clickhouse("clickhouses://alice:s%40cret@ch.example:9440/audit?lag=1.5&node=12")
    try:
        assert seen == {"host": "ch.example", "port": 9440, "username": "alice", "password": "s@cret",
                        "secure": True}
        assert store.db == "audit" and store.node == 12 and store.lag == timedelta(seconds=1.5)
        assert not store.single_writer and store.cluster is None
        store.ingest("acme", [])
    finally:
        store.close()
