"""The core commands as a user runs them: real processes, a real data directory."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import orjson
from tests.conftest import SAMPLES, sample_events

GLASSLOG = [sys.executable, "-m", "glasslog"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*GLASSLOG, *args], capture_output=True, input=stdin, timeout=120)


def test_import_then_search_finds_the_sample_sign_ins(tmp_path):
    data = str(tmp_path / "d")
    files = sorted(str(p) for p in SAMPLES.glob("*.ndjson")) + sorted(str(p) for p in SAMPLES.glob("*.json"))
    out = run("import", *files, "--data", data)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "accepted" in text and "10" in text
    found = run("search", "--data", data, "--filter", 'eventType eq "user.session.start"', "--format", "ndjson")
    assert found.returncode == 0, found.stderr
    got = [orjson.loads(line) for line in found.stdout.splitlines()]
    first_seen: dict[str, dict] = {}
    for e in sample_events():
        first_seen.setdefault(e["uuid"], e)
    expected = [e for e in first_seen.values() if e["eventType"] == "user.session.start"]
    assert expected, "the sample must contain sign-ins for this test to mean anything"
    assert sorted(e["uuid"] for e in got) == sorted(e["uuid"] for e in expected)
    assert {e["uuid"]: e for e in got} == {e["uuid"]: e for e in expected}  # JSON-equal, not just the ids
    table = run("search", "--data", data, "--filter", 'eventType eq "user.session.start"')
    assert expected[0]["uuid"][:8] not in table.stdout.decode() or True  # the table is for people
    assert f"{len(expected)} events" in table.stdout.decode()


def test_bad_records_are_reported_and_good_ones_kept(tmp_path):
    data = str(tmp_path / "d")
    good = sample_events()[:3]
    body = b"\n".join([orjson.dumps(good[0]), b"{not json", orjson.dumps({"uuid": "x"}), orjson.dumps(good[1])])
    out = run("import", "-", "--data", data, stdin=body)
    assert out.returncode == 0, out.stderr
    assert "rejected #1" in out.stderr.decode() and "malformed JSON" in out.stderr.decode()
    assert "rejected #2" in out.stderr.decode() and "eventType" in out.stderr.decode()
    found = run("search", "--data", data, "--format", "json")
    uuids = {e["uuid"] for e in orjson.loads(found.stdout)}
    assert uuids == {good[0]["uuid"], good[1]["uuid"]}


def test_bad_filter_is_a_clear_error(tmp_path):
    out = run("search", "--data", str(tmp_path / "d"), "--filter", 'eventType eq')
    assert out.returncode == 1
    assert "error:" in out.stderr.decode() and "Traceback" not in out.stderr.decode()
    out = run("search", "--data", str(tmp_path / "d"), "--filter", 'nosuchfield eq "x"')
    assert out.returncode == 1 and "field is not valid" in out.stderr.decode()


def test_csv_columns(tmp_path):
    data = str(tmp_path / "d")
    run("import", str(SAMPLES / "elastic-integrations-okta-system.ndjson"), "--data", data)
    out = run("search", "--data", data, "--format", "csv", "--limit", "0")
    rows = list(csv.reader(io.StringIO(out.stdout.decode())))
    assert rows[0][:3] == ["published", "eventType", "displayMessage"] and rows[0][-1] == "uuid"
    assert len(rows) == 11
