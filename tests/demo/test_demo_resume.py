"""A first demo run stopped halfway through loading its history: the next run must finish the same history,
not keep the half or add a second, different one beside it."""

from __future__ import annotations

import io
from datetime import datetime
from itertools import islice

import orjson
from rich.console import Console

import glasslog
from glasslog.demo import DEMO_ORG, LABELS_FILE, PLAN_FILE, history_plan, load_history
from glasslog.simulate import Simulation


def _simulated(plan: dict) -> Simulation:
    return Simulation(DEMO_ORG, users=plan["users"], days=plan["days"], seed=plan["seed"],
                      scenarios=plan["scenarios"], end=datetime.fromisoformat(plan["end"]))


def test_an_interrupted_history_is_completed_exactly(tmp_path):
    data = tmp_path / "demo"
    plan = history_plan(data, users=30, days=3, seed=11)
    assert plan is not None and plan["complete"] is False
    assert orjson.loads((data / PLAN_FILE).read_bytes()) == plan  # written before any event is loaded
    everything = list(_simulated(plan).events())
    quiet = Console(file=io.StringIO())
    with glasslog.open(data) as log:
        log.ingest(list(islice(everything, len(everything) * 2 // 5)), org=DEMO_ORG)  # the part loaded before ^C
        assert not (data / LABELS_FILE).exists()

        again = history_plan(data, users=999, days=99, seed=99)  # the kept plan wins over new options
        assert again == plan
        added = load_history(log, data, again, quiet)
        stored = log.search(org=DEMO_ORG, since="2000-01-01T00:00:00Z", limit=None)

    assert added == len(everything) - len(everything) * 2 // 5
    assert sorted(e["uuid"] for e in stored) == sorted(e["uuid"] for e in everything)
    assert orjson.loads((data / PLAN_FILE).read_bytes())["complete"] is True
    labels = orjson.loads((data / LABELS_FILE).read_bytes())
    held = {e["uuid"] for e in stored}
    assert labels and all(set(label["event_uuids"]) <= held for label in labels)
    assert history_plan(data, 30, 3, 11)["complete"] is True
