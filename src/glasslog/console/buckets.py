"""Bucket sizes for the count-over-time chart, aligned to the viewer's time zone.

Why: a bar per hour over 7 days (168 bars) or per day over 90 days reads naturally; a bar whose edges fall at
19:00 because buckets were cut at UTC midnight does not. The store's histogram aligns buckets to the epoch
(backend-neutral), so a zone whose offset is not a multiple of the bucket size is served by asking the store
for finer buckets (the greatest common divisor of size and offset) and merging them here: a few thousand
rows at most, never events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from math import gcd
from zoneinfo import ZoneInfo

from glasslog.store.base import Bucket, SearchQuery, Store

MINUTE, HOUR, DAY = 60, 3600, 86400
NICE_SIZES = (
    MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
)
MAX_BARS = 180


def bucket_size(since: datetime, until: datetime, max_bars: int = MAX_BARS) -> int:
    """The smallest nice size giving at most `max_bars` bars (1 h → 1 min, 24 h → 10 min, 7 d → 1 h,
    30 d → 6 h, 90 d → 12 h)."""
    span = max(1.0, (until - since).total_seconds())
    for size in NICE_SIZES:
        if span / size <= max_bars:
            return size
    return int(span // max_bars) + 1


def zone_offset(zone: ZoneInfo, at: datetime) -> int:
    """Seconds east of UTC of `zone` at instant `at` (DST shifts within one range are ignored on purpose:
    one fixed grid keeps bars the same width)."""
    off = at.astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off else 0


def _align(ts: int, size: int, offset: int) -> int:
    return (ts + offset) // size * size - offset


def zoned_histogram(store: Store, org: str, query: SearchQuery, size: int, zone: ZoneInfo) -> list[Bucket]:
    """Dense buckets (zeros included) covering [since, until), cut on the zone's local boundaries."""
    assert query.since is not None and query.until is not None
    offset = zone_offset(zone, query.since)
    fine = gcd(size, abs(offset)) if offset % size else size
    counts: dict[int, int] = {}
    for b in store.histogram(org, query, fine):
        key = _align(int(b.start.timestamp()), size, offset)
        counts[key] = counts.get(key, 0) + b.count
    start = _align(int(query.since.timestamp()), size, offset)
    end = int(query.until.timestamp())
    out: list[Bucket] = []
    t = start
    while t < end:
        out.append(Bucket(datetime.fromtimestamp(t, UTC), counts.get(t, 0)))
        t += size
    return out


def describe(size: int) -> str:
    """`1 minute`, `6 hours`, `1 day`: shown under the chart."""
    for unit, name in ((DAY, "day"), (HOUR, "hour"), (MINUTE, "minute")):
        if size % unit == 0:
            n = size // unit
            return f"{n} {name}{'s' if n != 1 else ''}"
    return f"{size} seconds"


