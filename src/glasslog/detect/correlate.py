"""Evaluating Sigma correlations over compact occurrences: sliding windows per group.

An occurrence is `(ts_ms, uuids, group, value, source)`: one event of a referenced rule (or one hit of a
referenced correlation), its grouping values, the value counted by `value_count`, and which referenced rule
it came from. For each group the window slides over time-ordered occurrences; consecutive windows that satisfy
the condition are merged into one `Hit` (one attack episode, not one alert per event).

- event_count: occurrences in the window `op` threshold
- value_count: distinct `value`s in the window `op` threshold (nulls not counted)
- temporal: every referenced rule occurs within the window (any order)
- temporal_ordered: they occur in the listed order within the window
"""

from __future__ import annotations

import bisect
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

OPS: dict[str, Callable[[float, float], bool]] = {
    "gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt, "eq": operator.eq,
    "neq": operator.ne,
}

Occurrence = tuple[int, tuple[str, ...], tuple[Any, ...], Any, int]


@dataclass
class Hit:
    group: tuple[Any, ...]
    first_ms: int
    last_ms: int
    uuids: list[str] = field(default_factory=list)
    count: int = 0
    values: list[Any] = field(default_factory=list)


def _by_group(occurrences: Iterable[Occurrence]) -> dict[tuple[Any, ...], list[Occurrence]]:
    groups: dict[tuple[Any, ...], list[Occurrence]] = defaultdict(list)
    for occ in occurrences:
        if any(v is None for v in occ[2]):
            continue  # an event without the grouping attribute belongs to no group
        groups[occ[2]].append(occ)
    for items in groups.values():
        items.sort(key=lambda o: o[0])
    return groups


def _episodes(items: list[Occurrence], span_ms: int, holds: Callable[[int, int], bool],
              group: tuple[Any, ...], add: Callable[[int], None], remove: Callable[[int], None]) -> list[Hit]:
    """Slide [i, j] over items; merge consecutive satisfying windows into hits."""
    hits: list[Hit] = []
    current: Hit | None = None
    covered = -1
    i = 0
    for j in range(len(items)):
        add(j)
        while items[j][0] - items[i][0] > span_ms:
            remove(i)
            i += 1
        if holds(i, j):
            if current is None or items[i][0] > current.last_ms + span_ms:
                current = Hit(group, items[i][0], items[j][0])
                hits.append(current)
                covered = i - 1
            for k in range(max(i, covered + 1), j + 1):
                current.uuids.extend(items[k][1])
                current.count += 1
                if items[k][3] is not None:
                    current.values.append(items[k][3])
            covered = j
            current.last_ms = items[j][0]
    return hits


def event_count(occurrences: Iterable[Occurrence], span_s: int, op: str, threshold: float) -> list[Hit]:
    test = OPS[op]
    out: list[Hit] = []
    for group, items in _by_group(occurrences).items():
        out += _episodes(items, span_s * 1000, lambda i, j: test(j - i + 1, threshold), group,
                         lambda _j: None, lambda _i: None)
    return out


def value_count(occurrences: Iterable[Occurrence], span_s: int, op: str, threshold: float) -> list[Hit]:
    test = OPS[op]
    out: list[Hit] = []
    for group, items in _by_group(occurrences).items():
        seen: Counter[Any] = Counter()

        def add(j: int, items: list[Occurrence] = items, seen: Counter[Any] = seen) -> None:
            if items[j][3] is not None:
                seen[items[j][3]] += 1

        def remove(i: int, items: list[Occurrence] = items, seen: Counter[Any] = seen) -> None:
            v = items[i][3]
            if v is not None:
                seen[v] -= 1
                if seen[v] <= 0:
                    del seen[v]

        out += _episodes(items, span_s * 1000, lambda _i, _j, seen=seen: test(len(seen), threshold), group,
                         add, remove)
    return out


def temporal(occurrences: Iterable[Occurrence], span_s: int, sources: int, ordered: bool) -> list[Hit]:
    """All `sources` (0..n-1) occur within the window (in order when `ordered`), per group."""
    span = span_s * 1000
    out: list[Hit] = []
    for group, items in _by_group(occurrences).items():
        times: list[list[int]] = [[] for _ in range(sources)]
        for k, occ in enumerate(items):
            times[occ[4]].append(k)
        current: Hit | None = None
        for k, occ in enumerate(items):
            if occ[4] != sources - 1 and ordered:
                continue
            chosen = _chain(items, times, k, span, sources, ordered)
            if chosen is None:
                continue
            start = items[min(chosen)][0]
            if current is None or start > current.last_ms + span:
                current = Hit(group, start, occ[0])
                out.append(current)
            for c in sorted(set(chosen)):
                for u in items[c][1]:
                    if u not in current.uuids:
                        current.uuids.append(u)
            current.count = len(current.uuids)
            current.last_ms = max(current.last_ms, occ[0])
            current.first_ms = min(current.first_ms, start)
    return out


def _chain(items: list[Occurrence], times: list[list[int]], k: int, span: int, sources: int,
           ordered: bool) -> list[int] | None:
    """Indices of one occurrence per source ending at item k, all within `span` before it."""
    t_end = items[k][0]
    if ordered:
        chosen = [k]
        limit = k
        for src in range(sources - 2, -1, -1):
            pos = bisect.bisect_left(times[src], limit) - 1
            if pos < 0:
                return None
            idx = times[src][pos]
            if t_end - items[idx][0] > span:
                return None
            chosen.append(idx)
            limit = idx
        return chosen
    chosen = []
    for src in range(sources):
        pos = bisect.bisect_right(times[src], k) - 1
        if pos < 0 or t_end - items[times[src][pos]][0] > span:
            return None
        chosen.append(times[src][pos])
    return chosen
