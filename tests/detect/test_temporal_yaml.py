"""Sigma `temporal` / `temporal_ordered` correlations written as YAML files, loaded the way `--rules PATH` loads
them (`load_pack([path])`, built-in pack included) and run over a real DuckDB store."""

from __future__ import annotations

import pytest
from tests.detect.events import event

from glasslog.detect.engine import Engine
from glasslog.detect.rules import load_pack

BASE_RULES = """\
title: Admin privilege granted (test base)
name: t_priv_grant
id: 11111111-0000-4000-8000-000000000001
status: test
logsource: {product: okta, service: okta}
detection:
    selection:
        eventType: user.account.privilege.grant
    condition: selection
level: informational
---
title: API token created (test base)
name: t_token_create
id: 11111111-0000-4000-8000-000000000002
status: test
logsource: {product: okta, service: okta}
detection:
    selection:
        eventType: system.api_token.create
    condition: selection
level: informational
"""

CORRELATION = """\
title: Privilege grant and API token by one actor
name: t_grant_and_token
id: 11111111-0000-4000-8000-0000000000{n}
status: test
tags: [attack.persistence, attack.t1098.001]
correlation:
    type: {ctype}
    rules: [t_priv_grant, t_token_create]
    group-by: [actor.alternateId]
    timespan: 10m
level: high
"""

NAME = "t_grant_and_token"


def write_rules(tmp_path, ctype: str):
    """Two files in a directory, as an analyst would keep them: the base rules and the correlation."""
    d = tmp_path / "rules"
    d.mkdir()
    (d / "base.yml").write_text(BASE_RULES, encoding="utf-8")
    (d / "correlation.yaml").write_text(CORRELATION.format(ctype=ctype, n="10" if ctype == "temporal" else "11"),
                                        encoding="utf-8")
    return d


def grant(minutes, actor="mallory@example.com"):
    return event("user.account.privilege.grant", minutes=minutes, actor=actor)


def token(minutes, actor="mallory@example.com"):
    return event("system.api_token.create", minutes=minutes, actor=actor)


def findings(glog, tmp_path, ctype, events):
    pack = load_pack([write_rules(tmp_path, ctype)])
    assert pack.errors == []
    corr = next(c for c in pack.correlations if c.name == NAME)
    assert corr.type == ctype and corr.timespan == 600 and corr.rules == ("t_priv_grant", "t_token_create")
    glog.ingest(events, org="acme")
    return [f for f in Engine(pack).run(glog.store, "acme") if f.rule_name == NAME]


def test_loader_reads_the_directory_and_silences_nothing_by_default(tmp_path):
    pack = load_pack([write_rules(tmp_path, "temporal")], builtin=False)
    assert pack.errors == []
    assert sorted(r.name for r in pack.rules) == ["t_priv_grant", "t_token_create"]
    assert [c.name for c in pack.correlations] == [NAME]
    # Sigma's default for correlations is generate: false, so the base rules raise no alerts of their own
    assert all(not r.generate for r in pack.rules)


@pytest.mark.parametrize("ctype", ["temporal", "temporal_ordered"])
def test_fires_when_both_rules_match_within_the_window(glog, tmp_path, ctype):
    evs = [grant(0), token(4)]
    found = findings(glog, tmp_path, ctype, evs)
    assert len(found) == 1
    f = found[0]
    assert f.group == {"actor.alternateId": "mallory@example.com"}
    assert sorted(f.uuids) == sorted(e["uuid"] for e in evs)
    assert f.level == "high" and f.techniques == ("T1098.001",) and f.kind == "correlation"
    assert f.last_ms - f.first_ms == 4 * 60_000


def test_unordered_fires_in_either_order(glog, tmp_path):
    evs = [token(0), grant(9)]
    found = findings(glog, tmp_path, "temporal", evs)
    assert [sorted(f.uuids) for f in found] == [sorted(e["uuid"] for e in evs)]


def test_ordered_does_not_fire_in_the_wrong_order(glog, tmp_path):
    assert findings(glog, tmp_path, "temporal_ordered", [token(0), grant(3)]) == []


@pytest.mark.parametrize("ctype", ["temporal", "temporal_ordered"])
def test_quiet_when_one_rule_is_missing(glog, tmp_path, ctype):
    assert findings(glog, tmp_path, ctype, [grant(0), grant(2), grant(5)]) == []


@pytest.mark.parametrize("ctype", ["temporal", "temporal_ordered"])
def test_quiet_when_outside_the_window(glog, tmp_path, ctype):
    assert findings(glog, tmp_path, ctype, [grant(0), token(11)]) == []


@pytest.mark.parametrize("ctype", ["temporal", "temporal_ordered"])
def test_quiet_when_the_rules_match_for_different_group_keys(glog, tmp_path, ctype):
    evs = [grant(0, actor="mallory@example.com"), token(2, actor="trent@example.com")]
    assert findings(glog, tmp_path, ctype, evs) == []


def test_only_the_group_that_completes_the_pattern_fires(glog, tmp_path):
    evs = [grant(0, actor="mallory@example.com"), token(3, actor="mallory@example.com"),
           grant(1, actor="trent@example.com"), token(30, actor="trent@example.com")]
    found = findings(glog, tmp_path, "temporal", evs)
    assert [f.group["actor.alternateId"] for f in found] == ["mallory@example.com"]
    assert sorted(found[0].uuids) == sorted(e["uuid"] for e in evs[:2])


def test_time_range_excludes_the_earlier_half(glog, tmp_path):
    from datetime import timedelta

    from tests.detect.events import T0

    pack = load_pack([write_rules(tmp_path, "temporal")])
    glog.ingest([grant(0), token(4)], org="acme")
    engine = Engine(pack)
    assert [f.rule_name for f in engine.run(glog.store, "acme", T0, T0 + timedelta(minutes=5))
            if f.rule_name == NAME] == [NAME]
    # the grant falls before the range: the correlation cannot be satisfied within it
    assert [f for f in engine.run(glog.store, "acme", T0 + timedelta(minutes=1), T0 + timedelta(minutes=5))
            if f.rule_name == NAME] == []


def test_incremental_run_fires_when_the_second_event_arrives(glog, tmp_path):
    from glasslog.detect.alerts import AlertStore
    from glasslog.detect.detector import Detector

    pack = load_pack([write_rules(tmp_path, "temporal_ordered")])
    det = Detector(glog, ["acme"], pack)
    glog.ingest([grant(0)], org="acme")
    det.run_once()
    assert AlertStore(glog.store).list("acme", rule=NAME) == []
    glog.ingest([token(6)], org="acme")
    det.run_once()
    alerts = AlertStore(glog.store).list("acme", rule=NAME)
    assert len(alerts) == 1 and alerts[0]["count"] == 2


def test_a_reference_to_a_missing_rule_is_reported_and_the_rest_loads(tmp_path):
    d = write_rules(tmp_path, "temporal")
    (d / "broken.yml").write_text(CORRELATION.format(ctype="temporal", n="12")
                                  .replace("name: t_grant_and_token", "name: t_broken")
                                  .replace("t_token_create]", "t_no_such_rule]"), encoding="utf-8")
    pack = load_pack([d], builtin=False)
    assert len(pack.errors) == 1 and "t_no_such_rule" in pack.errors[0] and "broken.yml" in pack.errors[0]
    assert [c.name for c in pack.correlations] == [NAME]


def test_a_user_correlation_may_reference_built_in_base_rules(glog, tmp_path):
    """A user's file naming the built-in pack's base rules (as `--rules PATH` on top of the built-in pack)."""
    f = tmp_path / "lock_then_token.yml"
    f.write_text(CORRELATION.format(ctype="temporal_ordered", n="13")
                 .replace("[t_priv_grant, t_token_create]", "[gl_account_locked, t_token_create]")
                 + "---\n" + BASE_RULES.split("---\n")[1], encoding="utf-8")
    pack = load_pack([f])
    assert pack.errors == []
    evs = [event("user.account.lock", minutes=0, actor="mallory@example.com"), token(2)]
    glog.ingest(evs, org="acme")
    found = [x for x in Engine(pack).run(glog.store, "acme") if x.rule_name == NAME]
    assert [sorted(x.uuids) for x in found] == [sorted(e["uuid"] for e in evs)]
