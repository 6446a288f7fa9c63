"""The demo org simulator: an Okta org's System Log — ordinary working life plus labelled attacks.

    from glasslog.simulate import Simulation, generate, live, SCENARIOS
    sim = Simulation("acme", users=500, days=30, seed=1, scenarios=["all"], end=datetime(...))
    for event in sim.events(): ...
    sim.labels  # one dict per injected attack

Events share read-only nested objects with each other; copy an event before mutating it.
"""

from glasslog.simulate.core import SCENARIOS, Simulation, generate, live, resolve_scenarios
from glasslog.simulate.stats import EXPECTED, distribution_stats

__all__ = ["EXPECTED", "SCENARIOS", "Simulation", "distribution_stats", "generate", "live", "resolve_scenarios"]
