"""The distributions a simulated org is expected to show (for tests of the simulator and of the demo)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Stated ranges for a 30-day org of a few hundred users or more, with or without attacks.
EXPECTED = {
    "events_per_user_per_workday": (12.0, 40.0),  # events by User actors / users / working days
    "signin_success_rate": (0.80, 0.99),  # user.session.start SUCCESS / all user.session.start
    "countries": (4, 60),  # distinct client countries
    "apps": (10, 40),  # distinct AppInstances reached by SSO
}


def distribution_stats(events: Iterable[dict], users: int, days: float) -> dict:
    user_events = 0
    starts = Counter()
    countries = set()
    apps = set()
    actors = set()
    first = last = None
    for e in events:
        a = e.get("actor") or {}
        if a.get("type") == "User":
            user_events += 1
            actors.add(a.get("alternateId"))
        et = e.get("eventType")
        if et == "user.session.start":
            starts[(e.get("outcome") or {}).get("result")] += 1
        elif et == "user.authentication.sso":
            for t in e.get("target") or ():
                if t.get("type") == "AppInstance":
                    apps.add(t.get("displayName"))
        g = (e.get("client") or {}).get("geographicalContext")
        if g and g.get("country"):
            countries.add(g["country"])
        p = e.get("published")
        first = p if first is None or p < first else first
        last = p if last is None or p > last else last
    workdays = max(1.0, days * 5 / 7)
    total_starts = sum(starts.values()) or 1
    return {
        "events_per_user_per_workday": user_events / users / workdays,
        "signin_success_rate": starts["SUCCESS"] / total_starts,
        "countries": len(countries),
        "apps": len(apps),
        "active_users": len(actors),
        "first": first,
        "last": last,
    }


def out_of_range(stats: dict) -> dict:
    """The stats that fall outside EXPECTED: {name: (value, (lo, hi))}."""
    return {k: (stats[k], r) for k, r in EXPECTED.items() if not r[0] <= stats[k] <= r[1]}
