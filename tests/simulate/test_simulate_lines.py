"""`Simulation.lines()` (what `glasslog simulate --out` writes) against `events()`: the fast path builds events from
buffered records and pauses the cyclic GC while it simulates, so check both that nothing changes in the output and
that the caller's GC setting survives."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import orjson

from glasslog.simulate import SCENARIOS, Simulation

END = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _sim() -> Simulation:
    return Simulation("acme", users=60, days=4, seed=23, scenarios=["all"], end=END)


def test_lines_are_the_events_serialized_byte_for_byte():
    sim_e, sim_l = _sim(), _sim()
    events = list(sim_e.events())
    lines = list(sim_l.lines())
    assert len(lines) == len(events) == sim_e.count == sim_l.count > 2000
    assert lines == [orjson.dumps(e) for e in events]
    # every scenario (and so every attack code path) is in the compared output
    assert {a["scenario"] for a in sim_l.labels} == set(SCENARIOS)
    assert sim_l.labels == sim_e.labels
    stamps = [orjson.loads(x)["published"] for x in lines]
    assert stamps == sorted(stamps)


def test_same_seed_same_lines():
    assert list(_sim().lines()) == list(_sim().lines())


def test_gc_setting_is_restored():
    assert gc.isenabled()
    it = _sim().events()
    next(it)
    assert gc.isenabled()  # paused only while a day is simulated, never while the caller runs
    for _ in it:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        for _ in _sim().lines():
            pass
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()
