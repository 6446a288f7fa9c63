"""Rate limits like Okta's: a budget of requests per minute per org and endpoint category, of which one token
may use a share (half by default), so one runaway collector cannot starve the org's other clients.

Fixed one-minute windows aligned to the clock, because that is what Okta's headers describe:
`X-Rate-Limit-Limit` (the budget), `X-Rate-Limit-Remaining`, `X-Rate-Limit-Reset` (UTC epoch seconds when the
window ends). A request is counted against every bucket it belongs to only when all of them have room.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds
    retry_after: int  # seconds, when not allowed

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [
            (b"x-rate-limit-limit", str(self.limit).encode()),
            (b"x-rate-limit-remaining", str(self.remaining).encode()),
            (b"x-rate-limit-reset", str(self.reset).encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after).encode()))
        return out


class RateLimiter:
    """Thread-safe fixed-window counters keyed by arbitrary strings."""

    def __init__(self, clock: callable = time.time) -> None:  # type: ignore[valid-type]
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def check(self, buckets: list[tuple[str, int]]) -> Decision:
        """Count one request against `buckets` ((key, limit) pairs) if all have room."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        reset = (window + 1) * WINDOW_SECONDS
        with self._lock:
            if window != self._window:
                self._window = window
                self._counts.clear()
            used = [(key, limit, self._counts.get(key, 0)) for key, limit in buckets]
            allowed = all(n < limit for _key, limit, n in used)
            if allowed:
                for key, _limit, _n in used:
                    self._counts[key] = self._counts.get(key, 0) + 1
        # Report the tightest bucket: the one a client will hit first.
        key, limit, n = min(used, key=lambda u: u[1] - u[2])
        remaining = max(0, limit - n - (1 if allowed else 0))
        return Decision(allowed, limit, remaining, reset, max(1, math.ceil(reset - now)))


def buckets_for(category: str, org: str | None, token_id: str | None, client_ip: str | None,
                org_limit: int, share: float, anonymous_limit: int) -> list[tuple[str, int]]:
    """The buckets one request counts against."""
    if org is None:
        return [(f"anon:{client_ip or '?'}", max(1, anonymous_limit))]
    out = [(f"{category}:org:{org}", max(1, org_limit))]
    if token_id is not None and share < 1:
        out.append((f"{category}:tok:{token_id}", max(1, int(org_limit * share))))
    return out
