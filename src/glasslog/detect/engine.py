"""Running a rule pack over a time range of one org (batch), or over newly committed events (incremental).

Cost model (the pack must cover 10M events in a minute; an idle server must cost nothing):
- single-event rules: ONE scan. Its WHERE is the OR of every rule's (pure, SQL-able) filter; its SELECT holds one
  boolean column per rule (the rule's filter with literal values), the hot columns the rules group by, and `raw`
  only for rows matching a rule that needs a Python confirmation (regular expressions). Incremental runs add the
  base rules of correlations and behaviours to the same scan, restricted to the new events (`seq > cursor`).
- correlations: per referenced rule a compact projection (time, uuid, grouping value, counted value, source IP)
  of only the rows that can belong to a hit: for `event_count`/`value_count` with `gte`/`gt`, a DuckDB window
  (`QUALIFY count(...) OVER (PARTITION BY key ORDER BY time RANGE span PRECEDING AND span FOLLOWING) >= n`) keeps
  the rows with enough company within one window length on either side, which is exactly a superset of the rows
  of every satisfying window; temporal correlations over another correlation only read the keys that
  correlation found. The sliding windows themselves run in `correlate.py` on those few rows (same semantics).
- incremental: the keys (IP, account, session) that new events touched, and only the window around the new
  events' times, are read back; hits are reported only when they contain a new event.
- behaviours (`behaviours.py`): aggregate or window in SQL first, read JSON-only fields for candidate rows only.
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
from glasslog.detect.projection import _getter, project, sql_expression
from glasslog.detect.rules import Correlation, Rule, RulePack
from glasslog.detect.sqlgen import any_key, chunks, inline_filter, is_duck
from glasslog.query.ast import And, Node, Or
from glasslog.store.base import SearchQuery

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR = datetime(9999, 1, 1, tzinfo=UTC)
IP = ("client", "ipAddress")
KEY_CHUNK = 250  # grouping keys per focused query


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


@dataclass
class Run:
    """One evaluation: where, when, and what was found so far (later stages read earlier findings).

    Incremental runs (`after_seq` set) judge the events committed after `after_seq` up to `top_seq`: `new` holds
    the scan's rows of those events per probe name, `new_uuids` their uuids, `lo_ms`/`hi_ms` their time span."""

    store: Any
    org: str
    since: datetime
    until: datetime
    config: DetectConfig
    findings: list[Finding] = field(default_factory=list)
    after_seq: int | None = None
    top_seq: int | None = None
    new: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    new_uuids: set[str] = field(default_factory=set)
    lo_ms: int = 0
    hi_ms: int = 0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def incremental(self) -> bool:
        return self.after_seq is not None

    @property
    def duck(self) -> bool:
        return is_duck(self.store)

    def query(self, node: Node | None, since: datetime | None = None, until: datetime | None = None) -> SearchQuery:
        return SearchQuery(filter=node, since=since or self.since, until=until or self.until, limit=None)

    def window(self, lo_ms: int, hi_ms: int) -> tuple[datetime, datetime]:
        """[lo, hi] in ms clamped to the run's range, as query bounds (hi exclusive)."""
        return max(self.since, from_ms(max(lo_ms, 0))), min(self.until, from_ms(hi_ms + 1))

    def is_new(self, uuids: Iterable[str]) -> bool:
        return not self.incremental or any(u in self.new_uuids for u in uuids)


@dataclass
class Probe:
    """One condition evaluated by the single scan: a rule (or a behaviour's base filter) and the paths wanted."""

    name: str
    filter: Node
    paths: tuple[tuple[str, ...], ...]
    confirm: Any = None  # event dict -> bool, for rules the SQL filter only approximates


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


def scan(run: Run, probes: list[Probe], query: SearchQuery) -> dict[str, list[tuple[Any, ...]]]:
    """Evaluate every probe over the events `query` selects in one pass.
    Returns, per probe name, rows `(seq, published_ms, uuid, *values of the probe's paths)` in time order."""
    out: dict[str, list[tuple[Any, ...]]] = {p.name: [] for p in probes}
    if not probes:
        return out
    filters = [p.filter for p in probes]
    query = replace(query, filter=filters[0] if len(filters) == 1 else Or(*filters))
    if not run.duck:
        for ev in run.store.iter_search(run.org, query):
            doc = orjson.loads(ev.raw)
            from glasslog.query import matches

            t = int(ev.published.timestamp() * 1000)
            for p in probes:
                if matches(p.filter, doc) and (p.confirm is None or p.confirm(doc)):
                    out[p.name].append((ev.seq, t, ev.uuid, *(_getter(path)(doc) for path in p.paths)))
        for rows in out.values():
            rows.sort(key=lambda r: (r[1], r[0]))
        return out
    paths: list[tuple[str, ...]] = []
    for p in probes:
        paths += [x for x in p.paths if x not in paths]
    cols = ["seq", "epoch_ms(published)", "uuid", *(sql_expression(x) for x in paths)]
    cols += [f"coalesce(({inline_filter(p.filter)}), false)" for p in probes]
    inexact = [p.filter for p in probes if p.confirm is not None]
    if inexact:
        cond = inline_filter(inexact[0] if len(inexact) == 1 else Or(*inexact))
        cols.append(f"CASE WHEN coalesce(({cond}), false) THEN raw END")
    rows = run.store.sql(run.org, query, ", ".join(cols), "ORDER BY published, seq")
    base = 3 + len(paths)
    where = [[paths.index(x) + 3 for x in p.paths] for p in probes]
    top = run.top_seq
    for r in rows:
        if top is not None and r[0] > top:
            continue  # committed after this pass began: the next pass reads it
        doc = None
        for k, p in enumerate(probes):
            if not r[base + k]:
                continue
            if p.confirm is not None:
                if doc is None:
                    doc = orjson.loads(r[-1])
                if not p.confirm(doc):
                    continue
            out[p.name].append((r[0], r[1], r[2], *(r[i] for i in where[k])))
    return out


class Engine:
    """A compiled pack, ready to run over ranges (batch) or newly committed events (incremental)."""

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
        self.probes = [Probe("rule:" + r.id, r.filter, r.group_by, None if r.exact else self.predicates[r.id])
                       for r in self.alerting]
        self.source_probes = self._source_probes()
        self._probe_paths = {p.name[4:]: p.paths for p in self.source_probes}

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
        """Batch: every rule over [since, until)."""
        run = Run(store, org, since or EPOCH, until or FAR, self.config)
        if single and self.probes:
            found = scan(run, self.probes, run.query(None))
            run.findings += self._single_findings(found)
        run.findings += self.correlations(run)
        if self.use_behaviours:
            from glasslog.detect.behaviours import run_behaviours

            run.findings += run_behaviours(run)
        return run.findings

    def run_new(self, store: Any, org: str, after_seq: int, top_seq: int) -> tuple[list[Finding], Run]:
        """Incremental: the events committed in (after_seq, top_seq], judged with the minimal window of older
        events around them (only for the keys they touch). Returns the findings and the run (for stats)."""
        run = Run(store, org, EPOCH, FAR, self.config, after_seq=after_seq, top_seq=top_seq)
        probes = list(self.probes)
        probes += self.source_probes
        if self.use_behaviours:
            from glasslog.detect.behaviours import probes as behaviour_probes

            probes += behaviour_probes()
        polling = SearchQuery(since=EPOCH, limit=None, mode="polling", after_seq=after_seq)
        run.new = scan(run, probes, polling)
        times = [r[1] for rows in run.new.values() for r in rows]
        if not times:
            return [], run
        run.lo_ms, run.hi_ms = min(times), max(times)
        run.new_uuids = {r[2] for rows in run.new.values() for r in rows}
        run.findings += self._single_findings({k: v for k, v in run.new.items() if k.startswith("rule:")})
        run.findings += self.correlations(run)
        if self.use_behaviours:
            from glasslog.detect.behaviours import run_behaviours

            run.findings += run_behaviours(run)
        return run.findings, run

    def _source_probes(self) -> list[Probe]:
        """Base rules of correlations, with every path any correlation groups or counts them by."""
        wanted: dict[str, list[tuple[str, ...]]] = {}
        for c in self.pack.correlations:
            for ref in c.rules:
                target = self.names.get(ref)
                if isinstance(target, Rule):
                    paths = wanted.setdefault(target.id, [])
                    for p in (*(c.group_paths(ref) if c.group_by else ()), *([c.value_field] if c.value_field
                                                                              else [])):
                        if p not in paths:
                            paths.append(p)
        out = []
        for rule_id, paths in wanted.items():
            r = self.names[rule_id]
            assert isinstance(r, Rule)
            out.append(Probe("src:" + r.id, r.filter, tuple(paths), None if r.exact else r.predicate()))
        return out

    # -- single-event rules ----------------------------------------------------------------------------

    def single_event(self, run: Run, query: SearchQuery | None) -> list[Finding]:
        """Findings of single-event rules over the events `query` selects (bounded or polling)."""
        if query is None or not self.probes:
            return []
        return self._single_findings(scan(run, self.probes, replace(query, filter=None)))

    def _single_findings(self, found: dict[str, list[tuple[Any, ...]]]) -> list[Finding]:
        out: list[Finding] = []
        for rule in self.alerting:
            rows = found.get("rule:" + rule.id) or []
            if rows:
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
        cache: dict[Any, list[tuple[correlate.Hit, dict[str, Any]]]] = {}
        ips: dict[str, str] = {}
        out = []
        for c in self.pack.correlations:
            focus = self._focus(run, c) if run.incremental else None
            if run.incremental and focus is None:
                continue
            hits = self._hits(run, c, cache, 0, focus, ips)
            for hit, group in hits:
                if not run.is_new(hit.uuids):
                    continue
                distinct = sorted({str(v) for v in hit.values})
                if c.skip_busy_sources and self._busy_source(run, c, group, hit, len(distinct)):
                    continue
                what = f"{len(distinct)} distinct {dotted(c.value_field)}" if c.value_field else \
                    f"{hit.count} events"
                who = ", ".join(f"{k}={v}" for k, v in group.items()) or "whole org"
                details = {"values": distinct[:100]} if c.value_field else {}
                details.update(type=c.type, timespan=c.timespan, threshold=c.threshold, op=c.op)
                sources = sorted({ips[u] for u in hit.uuids if ips.get(u)})
                out.append(Finding(c.id, c.name, c.title, c.level, c.techniques, c.tactics, "correlation", group,
                                   hit.first_ms, hit.last_ms, hit.uuids, hit.count,
                                   summary=f"{c.title}: {what} ({who})", details=details, ips=sources[:500]))
        return out

    def _busy_source(self, run: Run, c: Correlation, group: dict[str, Any], hit: Any, failing: int) -> bool:
        """Did the finding's source IP sign in more distinct accounts successfully than it failed, around the
        finding's window? Then it is a shared address (office, NAT, VPN exit) where typos add up, not a spray."""
        from glasslog.detect.behaviours import ACTOR, SIGNED_IN
        from glasslog.query.ast import Compare

        ip = group.get("client.ipAddress")
        if not ip:
            return False
        pad = c.timespan * 1000
        q = run.query(And(SIGNED_IN, Compare(("client", "ipAddress"), "eq", str(ip))),
                      from_ms(hit.first_ms - pad), from_ms(hit.last_ms + pad))
        accounts = {r[3] for r in project(run.store, run.org, q, [ACTOR])}
        return len(accounts) > failing

    def _keys_of(self, run: Run, c: Correlation, depth: int = 0) -> set[tuple[Any, ...]] | None:
        """Grouping keys (in `c`'s key space) of the new events that feed `c`; None = cannot tell (all keys)."""
        keys: set[tuple[Any, ...]] = set()
        for ref in c.rules:
            target = self.names.get(ref)
            paths = c.group_paths(ref) if c.group_by else ()
            if isinstance(target, Rule):
                rows = run.new.get("src:" + target.id) or []
                if not rows:
                    continue
                probe_paths = self._probe_paths[target.id]
                idx = [probe_paths.index(p) + 3 for p in paths]
                keys.update(tuple(r[i] for i in idx) for r in rows)
            elif isinstance(target, Correlation) and depth < 5:
                sub = self._keys_of(run, target, depth + 1)
                sub_names = [dotted(p) for p in (target.group_paths(target.rules[0]) if target.group_by else ())]
                if sub is None or sub_names != [dotted(p) for p in paths]:
                    if sub is None or sub:
                        return None
                    continue
                keys |= sub
        return keys

    def _focus(self, run: Run, c: Correlation) -> tuple[set[tuple[Any, ...]] | None, int, int] | None:
        keys = self._keys_of(run, c)
        if keys is not None and not keys:
            return None
        span = self._span(c) * 1000
        return keys, run.lo_ms - span, run.hi_ms + span

    def _hits(self, run: Run, c: Correlation, cache: dict[Any, Any], depth: int,
              focus: tuple[set[tuple[Any, ...]] | None, int, int] | None, ips: dict[str, str]) -> list[Any]:
        token = (c.id, None if focus is None else (frozenset(focus[0]) if focus[0] is not None else None,
                                                   focus[1], focus[2]))
        if token in cache:
            return cache[token]
        if depth > 5:
            raise ValueError(f"correlation {c.name} references itself")
        span_ms = c.timespan * 1000
        occurrences: list[correlate.Occurrence] = []
        rule_refs: list[tuple[int, Rule, tuple[tuple[str, ...], ...]]] = []
        keys = None if focus is None else focus[0]
        lo = None if focus is None else focus[1]
        hi = None if focus is None else focus[2]
        for idx, ref in enumerate(c.rules):
            target = self.names.get(ref)
            paths = c.group_paths(ref) if c.group_by else ()
            if target is None:
                raise ValueError(f"correlation {c.name} references unknown rule {ref}")
            if isinstance(target, Rule):
                rule_refs.append((idx, target, paths))
                continue
            sub_names = [dotted(p) for p in (target.group_paths(target.rules[0]) if target.group_by else ())]
            same_space = sub_names == [dotted(p) for p in paths]
            sub_focus = None if focus is None else (keys if same_space else None, lo - span_ms, hi)
            sub_hits = self._hits(run, target, cache, depth + 1, sub_focus, ips)
            for hit, group in sub_hits:
                key = tuple(group.get(dotted(p)) for p in paths)
                occurrences.append((hit.last_ms, tuple(hit.uuids), key, None, idx))
        if c.type.startswith("temporal") and len(rule_refs) < len(c.rules):
            # the referenced correlations' keys bound where the rule events can matter
            found = {o[2] for o in occurrences}
            keys = found if keys is None else keys & found
            if not keys:
                cache[token] = []
                return []
            times = [o[0] for o in occurrences]
            lo = min(times) - span_ms if lo is None else max(lo, min(times) - span_ms)
            hi = max(times) + span_ms if hi is None else min(hi, max(times) + span_ms)
        prefilter = c.type in ("event_count", "value_count") and c.op in ("gte", "gt") and len(c.rules) == 1
        for idx, target, paths in rule_refs:
            rows = self._rule_rows(run, c, target, paths, keys, lo, hi, prefilter)
            n = len(paths)
            for r in rows:
                vals = r[3:]
                occurrences.append((r[1], (r[2],), tuple(vals[:n]), vals[n] if c.value_field else None, idx))
                if vals[-1]:
                    ips[r[2]] = vals[-1]
        if c.type == "event_count":
            hits = correlate.event_count(occurrences, c.timespan, c.op, c.threshold)
        elif c.type == "value_count":
            hits = correlate.value_count(occurrences, c.timespan, c.op, c.threshold)
        else:
            hits = correlate.temporal(occurrences, c.timespan, len(c.rules), c.type == "temporal_ordered")
        names = [dotted(p) for p in (c.group_paths(c.rules[0]) if c.group_by else ())]
        result = [(h, dict(zip(names, h.group, strict=True))) for h in hits]
        cache[token] = result
        return result

    def _rule_rows(self, run: Run, c: Correlation, rule: Rule, paths: tuple[tuple[str, ...], ...],
                   keys: set[tuple[Any, ...]] | None, lo: int | None, hi: int | None,
                   prefilter: bool) -> list[tuple[Any, ...]]:
        """Rows `(seq, ms, uuid, *group values, value?, ip)` of one referenced rule, reduced to what can matter."""
        wanted = [*paths, *([c.value_field] if c.value_field else []), IP]
        since, until = (run.since, run.until) if lo is None or hi is None else run.window(lo, hi)
        if since >= until:
            return []
        confirm = None if rule.exact else rule.predicate()
        tail = "ORDER BY published, seq"
        if prefilter and run.duck:
            part = ", ".join(sql_expression(p) for p in paths)
            counted = f"count(DISTINCT {sql_expression(c.value_field)})" if c.value_field else "count(*)"
            cmp = ">=" if c.op == "gte" else ">"
            span = c.timespan * 1000
            over = (f"OVER ({'PARTITION BY ' + part if part else ''} ORDER BY epoch_ms(published) "
                    f"RANGE BETWEEN {span} PRECEDING AND {span} FOLLOWING)")
            tail = f"QUALIFY {counted} {over} {cmp} {float(c.threshold)!r} ORDER BY published, seq"
        filters: list[Node | None] = [rule.filter]
        if keys is not None and paths:
            filters = []
            for chunk in chunks(sorted(keys, key=repr), KEY_CHUNK):
                sel = any_key(paths, chunk)
                if sel is not None:
                    filters.append(And(rule.filter, sel))
        rows: list[tuple[Any, ...]] = []
        for node in filters:
            q = run.query(node, since, until)
            if run.duck:
                cols = ["seq", "epoch_ms(published)", "uuid", *(sql_expression(p) for p in wanted)]
                if confirm is not None:
                    cols.append("raw")
                got = run.store.sql(run.org, q, ", ".join(cols), tail)
                if confirm is not None:
                    got = [r[:-1] for r in got if confirm(orjson.loads(r[-1]))]
                rows += got
            else:
                rows += project(run.store, run.org, q, wanted, confirm)
        return rows
