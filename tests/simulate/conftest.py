from __future__ import annotations

from datetime import UTC, datetime

import pytest

from glasslog.simulate import Simulation

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def month():
    """A 200-user, 30-day org with every scenario: (simulation, events)."""
    sim = Simulation("acme", users=200, days=30, seed=11, scenarios=["all"], end=END)
    return sim, list(sim.events())


@pytest.fixture(scope="session")
def month_benign():
    sim = Simulation("acme", users=200, days=30, seed=11, attacks=False, end=END)
    return sim, list(sim.events())
