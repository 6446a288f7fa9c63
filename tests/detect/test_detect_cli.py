"""`glasslog detect` as a real subprocess on a real data directory holding a real attack: a password spray from
one IP, then a successful sign-in from it, in org acme (org globex holds only benign sign-ins)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from tests.detect.events import event
from tests.detect.test_temporal_yaml import BASE_RULES, CORRELATION

import glasslog

ATTACKER = "198.51.100.7"
GLASSLOG = Path(sys.executable).with_name("glasslog")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "data"
    log = glasslog.open(d)
    try:
        evs = [event("user.session.start", minutes=i, actor=f"u{i}@example.com", ip=ATTACKER, result="FAILURE",
                     reason="INVALID_CREDENTIALS", session=None) for i in range(6)]
        evs.append(event("user.session.start", minutes=10, actor="u2@example.com", ip=ATTACKER, session="S9"))
        evs.append(event("user.account.privilege.grant", minutes=11, actor="u2@example.com", ip=ATTACKER,
                         session="S9"))
        evs.append(event("system.api_token.create", minutes=12, actor="u2@example.com", ip=ATTACKER, session="S9"))
        log.ingest(evs, org="acme")
        log.ingest([event("user.session.start", minutes=i, actor=f"g{i}@globex.example", ip="192.0.2.44")
                    for i in range(3)], org="globex")
    finally:
        log.close()
    return d


def detect(data_dir, *args, columns=200):
    env = dict(os.environ, COLUMNS=str(columns), NO_COLOR="1")
    cmd = [str(GLASSLOG), "detect", "--data", str(data_dir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, check=False)


def test_json_output_holds_the_attack(data_dir):
    r = detect(data_dir, "--org", "acme", "--format", "json", "--no-store")
    assert r.returncode == 0, r.stderr
    alerts = orjson.loads(r.stdout)
    by_rule = {a["rule_name"]: a for a in alerts}
    assert {"gl_password_spray", "gl_success_after_credential_attack", "gl_admin_privilege_grant",
            "gl_api_token_created"} <= set(by_rule)
    spray = by_rule["gl_password_spray"]
    assert spray["org"] == "acme" and spray["group"] == {"client.ipAddress": ATTACKER}
    assert spray["count"] == 6 and spray["severity"] == "high" and spray["state"] == "new"
    assert "T1110.003" in spray["techniques"]
    assert spray["first_seen"] == "2024-08-13T12:00:00.000Z" and spray["last_seen"] == "2024-08-13T12:05:00.000Z"
    success = by_rule["gl_success_after_credential_attack"]
    assert success["group"] == {"actor.alternateId": "u2@example.com"} and success["severity"] == "critical"
    assert [a["first_ms"] for a in alerts] == sorted(a["first_ms"] for a in alerts)


def test_org_since_until_and_storage(data_dir, tmp_path):
    # globex alone: nothing
    r = detect(data_dir, "--org", "globex", "--format", "json", "--no-store")
    assert r.returncode == 0, r.stderr
    assert orjson.loads(r.stdout) == []
    # a range that ends before the spray reaches five accounts: no spray
    r = detect(data_dir, "--org", "acme", "--since", "2024-08-13T11:00:00Z", "--until", "2024-08-13T12:03:30Z",
               "--format", "json", "--no-store")
    assert r.returncode == 0, r.stderr
    assert "gl_password_spray" not in {a["rule_name"] for a in orjson.loads(r.stdout)}
    # a range after the attack: nothing from acme
    r = detect(data_dir, "--org", "acme", "--since", "2024-08-13T13:00:00Z", "--format", "json", "--no-store")
    assert orjson.loads(r.stdout) == []


def test_stored_alerts_are_deduplicated_across_runs(tmp_path, data_dir):
    import shutil

    d = tmp_path / "copy"
    shutil.copytree(data_dir, d)
    first = orjson.loads(detect(d, "--format", "json").stdout)
    ids = {a["rule_name"]: a["id"] for a in first}
    assert all(i != "-" for i in ids.values())
    second = orjson.loads(detect(d, "--format", "json").stdout)
    assert {a["rule_name"]: a["id"] for a in second} == ids
    log = glasslog.open(d)
    try:
        from glasslog.detect.alerts import AlertStore

        stored = AlertStore(log.store).list("acme", rule="gl_password_spray")
        assert [a["id"] for a in stored] == [ids["gl_password_spray"]]
        assert AlertStore(log.store).list("globex") == []
    finally:
        log.close()


def test_table_mentions_the_alerts(data_dir):
    r = detect(data_dir, "--org", "acme", "--no-store")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "alert(s)" in out
    for name in ("gl_password_spray", "gl_success_after_credential_attack", "gl_admin_privilege_grant"):
        assert name in out, name
    assert ATTACKER in out and "T1110.003" in out


def test_table_in_a_narrow_terminal_still_names_the_rules(data_dir):
    r = detect(data_dir, "--org", "acme", "--no-store", columns=80)
    assert r.returncode == 0, r.stderr
    for name in ("gl_password_spray", "gl_success_after_credential_attack"):
        assert name in r.stdout, name


def test_user_rules_with_a_temporal_correlation(data_dir, tmp_path):
    rules = tmp_path / "mine"
    rules.mkdir()
    (rules / "base.yml").write_text(BASE_RULES, encoding="utf-8")
    (rules / "corr.yml").write_text(CORRELATION.format(ctype="temporal_ordered", n="20"), encoding="utf-8")
    r = detect(data_dir, "--org", "acme", "--rules", str(rules), "--no-builtin", "--format", "json", "--no-store")
    assert r.returncode == 0, r.stderr
    alerts = orjson.loads(r.stdout)
    assert [(a["rule_name"], a["group"], a["count"]) for a in alerts] == \
        [("t_grant_and_token", {"actor.alternateId": "u2@example.com"}, 2)]


def test_rule_load_errors_go_to_stderr_and_json_stays_valid(data_dir, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(CORRELATION.format(ctype="temporal", n="21"), encoding="utf-8")  # references rules not given
    r = detect(data_dir, "--org", "acme", "--rules", str(bad), "--no-builtin", "--format", "json", "--no-store")
    assert r.returncode == 0, r.stderr
    assert orjson.loads(r.stdout) == []
    assert "rule not loaded" in r.stderr and "t_priv_grant" in r.stderr


def test_bad_format_fails(data_dir):
    r = detect(data_dir, "--format", "xml")
    assert r.returncode != 0 and "table or json" in (r.stderr + r.stdout)
