from __future__ import annotations

import json

import orjson
import typer
from typer.testing import CliRunner

from glasslog.simulate.cli import register


def test_cli_writes_ndjson_and_labels(tmp_path):
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command, so typer keeps "simulate" as a subcommand
        pass

    out = tmp_path / "acme.ndjson"
    args = ["simulate", "--org", "acme", "--users", "30", "--days", "3", "--seed", "5", "--scenario", "brute_force",
            "--scenario", "mfa_fatigue", "--end", "2026-03-01T00:00:00Z", "--out", str(out), "-q"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    lines = out.read_bytes().splitlines()
    events = [orjson.loads(x) for x in lines]
    assert len(events) > 500
    stamps = [e["published"] for e in events]
    assert stamps == sorted(stamps) and stamps[-1] <= "2026-03-01T00:00:00.000Z"
    labels = json.loads((tmp_path / "acme.ndjson.labels.json").read_text())
    assert [a["scenario"] for a in labels["attacks"]] == ["brute_force", "mfa_fatigue"]
    uuids = {e["uuid"] for e in events}
    for a in labels["attacks"]:
        assert set(a["event_uuids"]) <= uuids and a["attacker_ips"] and a["accounts"]
    # same seed, same bytes
    out2 = tmp_path / "again.ndjson"
    r = CliRunner().invoke(app, args[:-3] + ["--out", str(out2), "-q"])
    assert r.exit_code == 0 and out2.read_bytes() == out.read_bytes()
    r = CliRunner().invoke(app, ["simulate", "--out", str(out), "--scenario", "nope"])
    assert r.exit_code != 0
