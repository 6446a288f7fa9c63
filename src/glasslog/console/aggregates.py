"""The console's aggregates: trends by category and events by place. Every chart is computed here, next to
the data, and only counts travel to the browser.

Filters run in the store (SQL). Keyword search (`q`) is verified on each event in Python (the store can only
pre-filter it), so when `q` is set these aggregates walk the matching events once in constant memory and count
them here; without `q` they are single GROUP BY statements.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from glasslog.store.base import SearchQuery, Store

# category → (filter path the counts are of, label)
TREND_FIELDS: dict[str, str] = {
    "actors": "actor.alternateId",
    "targets": "target.displayName",
    "eventTypes": "eventType",
}
SUCCESS = ("success", "allow")
FAILURE = ("failure", "deny")


def _dig(value: Any, path: tuple[str, ...]) -> list[Any]:
    """Values at a path, fanning out over arrays (as `top_values` counts each element)."""
    if isinstance(value, list):
        return [x for item in value for x in _dig(item, path)]
    if not path:
        return [] if value is None else [value]
    if isinstance(value, dict):
        return _dig(value.get(path[0]), path[1:])
    return []


def _events(store: Store, org: str, query: SearchQuery) -> Iterable[dict[str, Any]]:
    for stored in store.iter_search(org, query):
        yield orjson.loads(stored.raw)


def top_values(store: Store, org: str, query: SearchQuery, path: str, limit: int) -> list[tuple[Any, int]]:
    """Most frequent values of `path` among the query's matches."""
    if not query.keywords:
        return store.top_values(org, query, path, limit)
    counts: Counter[Any] = Counter()
    segments = tuple(path.split("."))
    for event in _events(store, org, query):
        counts.update(str(v).lower() for v in _dig(event, segments))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _duckdb_sql(store: Store) -> Any:
    """The store's raw-SQL aggregate hook when it is the DuckDB store (the SQL here is DuckDB's), else None."""
    from glasslog.store.duckdb_store import DuckDBStore

    return store.sql if isinstance(store, DuckDBStore) else None


def trends(store: Store, org: str, query: SearchQuery, limit: int) -> dict[str, Any]:
    """Top actors, targets and event types with their counts and share of the matching events."""
    total = store.count(org, query)
    out: dict[str, Any] = {"total": total}
    for name, path in TREND_FIELDS.items():
        rows = top_values(store, org, query, path, limit)
        out[name] = {
            "field": path,
            "items": [{"value": _plain(v), "count": n, "share": (n / total) if total else 0.0} for v, n in rows],
        }
    return out


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


@dataclass
class Place:
    """Events at one place: the client's city (or country) with its mean coordinates."""

    country: str | None
    state: str | None
    city: str | None
    lat: float
    lon: float
    count: int = 0
    success: int = 0
    failure: int = 0

    def as_dict(self) -> dict[str, Any]:
        other = self.count - self.success - self.failure
        major = "failure" if self.failure >= max(self.success, other) and self.failure else \
            "success" if self.success >= other else "other"
        return {"country": self.country, "state": self.state, "city": self.city, "lat": round(self.lat, 4),
                "lon": round(self.lon, 4), "count": self.count, "success": self.success,
                "failure": self.failure, "other": other, "outcome": major}


MAP_SELECT = (
    "client_country, client_state, client_city, avg(lat), avg(lon), count(*), "
    "count(*) FILTER (WHERE lower(outcome_result) IN ('success', 'allow')), "
    "count(*) FILTER (WHERE lower(outcome_result) IN ('failure', 'deny'))"
)
MAP_TAIL = "AND lat IS NOT NULL AND lon IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 6 DESC LIMIT {limit}"


def places(store: Store, org: str, query: SearchQuery, limit: int = 2000) -> dict[str, Any]:
    """Matching events grouped by client location (events without coordinates are counted apart)."""
    total = store.count(org, query)
    sql = _duckdb_sql(store)
    if sql is not None and not query.keywords:
        rows = sql(org, query, MAP_SELECT, MAP_TAIL.format(limit=int(limit)))
        found = [Place(c, s, ci, float(la), float(lo), int(n), int(ok), int(bad))
                 for c, s, ci, la, lo, n, ok, bad in rows]
    else:
        found = _places_by_scan(_events(store, org, query), limit)
    located = sum(p.count for p in found)
    return {"total": total, "located": located, "unlocated": max(0, total - located),
            "places": [p.as_dict() for p in found]}


def _places_by_scan(events: Iterable[dict[str, Any]], limit: int) -> list[Place]:
    """The same grouping as MAP_SELECT, in Python (used with keyword search or a store without SQL)."""
    acc: dict[tuple[Any, Any, Any], list[float]] = {}
    for e in events:
        client = e.get("client") if isinstance(e.get("client"), dict) else {}
        geo = client.get("geographicalContext") if isinstance(client.get("geographicalContext"), dict) else {}
        loc = geo.get("geolocation") if isinstance(geo.get("geolocation"), dict) else {}
        lat, lon = loc.get("lat"), loc.get("lon")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            continue
        key = tuple(str(geo[k]).lower() if geo.get(k) is not None else None for k in ("country", "state", "city"))
        result = str((e.get("outcome") or {}).get("result") or "").lower() \
            if isinstance(e.get("outcome"), dict) else ""
        a = acc.setdefault(key, [0.0, 0.0, 0, 0, 0])
        a[0] += lat
        a[1] += lon
        a[2] += 1
        a[3] += result in SUCCESS
        a[4] += result in FAILURE
    out = [Place(k[0], k[1], k[2], a[0] / a[2], a[1] / a[2], int(a[2]), int(a[3]), int(a[4]))
           for k, a in acc.items()]
    out.sort(key=lambda p: -p.count)
    return out[:limit]
