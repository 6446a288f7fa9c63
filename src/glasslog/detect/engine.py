"""Running a rule pack over a time range of one org: single-event rules, correlations, behaviours.

Cost model (the pack must cover 10M events in a minute):
- single-event rules: ONE store query whose filter is the OR of every rule's (pure, SQL-able) filter; the few
  candidates come back whole and each rule's condition is confirmed in Python with the query matcher;
- correlations: per referenced rule, one store query returning a compact projection (time, uuid, grouping
  values), then sliding windows in `correlate.py`;
- behaviours (`behaviours.py`): aggregate in SQL where the store can, project the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from glasslog.detect import correlate
from glasslog.detect.alerts import Finding
from glasslog.detect.config import DetectConfig, seconds
from glasslog.detect.projection import _getter, project
from glasslog.detect.rules import Correlation, Rule, RulePack
from glasslog.query.ast import Node, Or
from glasslog.store.base import SearchQuery

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR = datetime(9999, 1, 1, tzinfo=UTC)


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


@dataclass
class Run:
    """One evaluation: where, when, and what was found so far (later stages read earlier findings)."""

    store: Any
    org: str
    since: datetime
    until: datetime
    config: DetectConfig
    findings: list[Finding] = field(default_factory=list)

    def query(self, node: Node | None, since: datetime | None = None, until: datetime | None = None) -> SearchQuery:
        return SearchQuery(filter=node, since=since or self.since, until=until or self.until, limit=None)


def apply_thresholds(pack: RulePack, config: DetectConfig) -> RulePack:
    """Per-org overrides of correlation thresholds and windows, and disabled rules."""
    pack = pack.without(config.disabled)
    out = []
    for c in pack.correlations:
        override = config.thresholds.get(c.name) or config.thresholds.get(c.id)
        if override:
            c = replace(c, threshold=float(override.get("count", c.threshold)),
                        timespan=seconds(override.get("timespan", c.timespan)),
                        op=str(override.get("op", c.op)))
        out.append(c)
    return RulePack(pack.rules, out, pack.errors)


class Engine:
    """A compiled pack, ready to run over ranges (batch) or newly committed events (continuous)."""

    def __init__(self, pack: RulePack, config: DetectConfig | None = None, behaviours: bool = True) -> None:
        self.config = config or DetectConfig()
        self.pack = apply_thresholds(pack, self.config)
        self.names = self.pack.by_name()
        self.alerting = self.pack.alerting_rules()
        self.predicates = {r.id: r.predicate() for r in self.alerting}
        self.group_getters = {r.id: [(_getter(p), dotted(p)) for p in r.group_by] for r in self.alerting}
        self.combined: Node | None = None
        if self.alerting:
            filters = [r.filter for r in self.alerting]
            self.combined = filters[0] if len(filters) == 1 else Or(*filters)
        self.use_behaviours = behaviours

    # -- lookback for continuous runs ----------------------------------------------------------------------

    def lookback_s(self) -> int:
        """How far back correlations need to look to judge a new event."""
        spans = [self._span(c) for c in self.pack.correlations]
        if self.use_behaviours:
            from glasslog.detect.behaviours import lookback_s

            spans.append(lookback_s(self.config))
        return max(spans or [0])

    def _span(self, c: Correlation, depth: int = 0) -> int:
        extra = 0
        for ref in c.rules:
            sub = self.names.get(ref)
            if isinstance(sub, Correlation) and depth < 5:
                extra = max(extra, self._span(sub, depth + 1))
        return c.timespan + extra

    # -- running ---------------------------------------------------------------------------------------

    def run(self, store: Any, org: str, since: datetime | None = None, until: datetime | None = None,
            single: bool = True) -> list[Finding]:
        run = Run(store, org, since or EPOCH, until or FAR, self.config)
        if single:
            run.findings += self.single_event(run, run.query(self.combined) if self.combined else None)
        run.findings += self.correlations(run)
        if self.use_behaviours:
            from glasslog.detect.behaviours import run_behaviours

            run.findings += run_behaviours(run)
        return run.findings

    def single_event(self, run: Run, query: SearchQuery | None) -> list[Finding]:
        """Findings of single-event rules over the events `query` selects (bounded or polling)."""
        if query is None or self.combined is None:
            return []
        if query.filter is None:
            query = replace(query, filter=self.combined)
        out: list[Finding] = []
        for rule in self.alerting:
            rows = project(run.store, run.org, replace(query, filter=rule.filter), rule.group_by,
                           None if rule.exact else self.predicates[rule.id])
            out += self._group(rule, [(r[1], r[2], tuple(r[3:])) for r in rows])
        return out

    def single_event_on(self, events: Iterable[tuple[int, int, str, bytes]]) -> list[Finding]:
        groups: dict[tuple[str, tuple[Any, ...]], list[tuple[int, str]]] = defaultdict(list)
        for _seq, ts, uid, raw in events:
            doc = orjson.loads(raw)
            for rule in self.alerting:
                if self.predicates[rule.id](doc):
                    key = tuple(g(doc) for g, _ in self.group_getters[rule.id])
                    groups[(rule.id, key)].append((ts, uid))
        by_id = {r.id: r for r in self.alerting}
        out: list[Finding] = []
        for (rule_id, key), items in groups.items():
            out += self._group(by_id[rule_id], [(ts, uid, key) for ts, uid in items])
        return out

    def _group(self, rule: Rule, rows: list[tuple[int, str, tuple[Any, ...]]]) -> list[Finding]:
        """Matching events of one rule → findings per grouping key, split where they are `merge_gap` apart."""
        gap = seconds(rule.merge_gap or self.config.merge_gap) * 1000
        groups: dict[tuple[Any, ...], list[tuple[int, str]]] = defaultdict(list)
        for ts, uid, key in rows:
            groups[key].append((ts, uid))
        out: list[Finding] = []
        for key, items in groups.items():
            items.sort()
            start = 0
            for k in range(1, len(items) + 1):
                if k == len(items) or items[k][0] - items[k - 1][0] > gap:
                    out.append(self._event_finding(rule, key, items[start:k]))
                    start = k
        return out

    def _event_finding(self, rule: Rule, key: tuple[Any, ...], chunk: list[tuple[int, str]]) -> Finding:
        group = {name: v for (_, name), v in zip(self.group_getters[rule.id], key, strict=True)}
        who = ", ".join(f"{k}={v}" for k, v in group.items() if v is not None) or "no grouping value"
        return Finding(rule.id, rule.name, rule.title, rule.level, rule.techniques, rule.tactics, "event", group,
                       chunk[0][0], chunk[-1][0], [u for _, u in chunk], len(chunk),
                       summary=f"{rule.title}: {len(chunk)} event(s), {who}",
                       merge_gap_s=seconds(rule.merge_gap) if rule.merge_gap else None)

    # -- correlations ----------------------------------------------------------------------------------

    def correlations(self, run: Run) -> list[Finding]:
        cache: dict[str, list[tuple[correlate.Hit, dict[str, Any]]]] = {}
        out = []
        for c in self.pack.correlations:
            hits = self._hits(run, c, cache, 0)
            for hit, group in hits:
                distinct = sorted({str(v) for v in hit.values})
                what = f"{len(distinct)} distinct {dotted(c.value_field)}" if c.value_field else \
                    f"{hit.count} events"
                who = ", ".join(f"{k}={v}" for k, v in group.items()) or "whole org"
                details = {"values": distinct[:100]} if c.value_field else {}
                details.update(type=c.type, timespan=c.timespan, threshold=c.threshold, op=c.op)
                out.append(Finding(c.id, c.name, c.title, c.level, c.techniques, c.tactics, "correlation", group,
                                   hit.first_ms, hit.last_ms, hit.uuids, hit.count,
                                   summary=f"{c.title}: {what} ({who})", details=details))
        return out

    def _hits(self, run: Run, c: Correlation, cache: dict[str, Any], depth: int) -> list[Any]:
        if c.id in cache:
            return cache[c.id]
        if depth > 5:
            raise ValueError(f"correlation {c.name} references itself")
        occurrences: list[correlate.Occurrence] = []
        for idx, ref in enumerate(c.rules):
            target = self.names.get(ref)
            paths = c.group_paths(ref) if c.group_by else ()
            if target is None:
                raise ValueError(f"correlation {c.name} references unknown rule {ref}")
            if isinstance(target, Rule):
                wanted = list(paths) + ([c.value_field] if c.value_field else [])
                rows = project(run.store, run.org, run.query(target.filter), wanted,
                               None if target.exact else target.predicate())
                n = len(paths)
                for r in rows:
                    vals = r[3:]
                    occurrences.append((r[1], (r[2],), tuple(vals[:n]),
                                        vals[n] if c.value_field else None, idx))
            else:
                for hit, group in self._hits(run, target, cache, depth + 1):
                    key = tuple(group.get(dotted(p)) for p in paths)
                    occurrences.append((hit.last_ms, tuple(hit.uuids), key, None, idx))
        if c.type == "event_count":
            hits = correlate.event_count(occurrences, c.timespan, c.op, c.threshold)
        elif c.type == "value_count":
            hits = correlate.value_count(occurrences, c.timespan, c.op, c.threshold)
        else:
            hits = correlate.temporal(occurrences, c.timespan, len(c.rules), c.type == "temporal_ordered")
        names = [dotted(p) for p in (c.group_paths(c.rules[0]) if c.group_by else ())]
        result = [(h, dict(zip(names, h.group, strict=True))) for h in hits]
        cache[c.id] = result
        return result
