"""The rule model and loading: Sigma YAML (single-event rules and correlations) → compiled rules.

A `Rule` is one single-event Sigma rule compiled to the filter AST (`condition`, possibly holding a residual leaf)
plus `filter`, a pure AST superset of it that the store can run as SQL. A `Correlation` is a Sigma correlation
rule (`event_count`, `value_count`, `temporal`, `temporal_ordered`) over rules or other correlations, with its
field names mapped to canonical LogEvent paths. Single-event rules referenced by a correlation whose `generate` is
false produce no alerts of their own (the Sigma specification's meaning of `generate`); a correlation referenced
by another correlation keeps alerting (push fatigue is worth an alert even when no accept follows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from glasslog.detect.residual import describe, evaluator, has_residual, prefilter
from glasslog.detect.sigma_convert import UnsupportedSigma, convert_condition
from glasslog.detect.sigma_pipeline import canonical_path, okta_pipeline
from glasslog.errors import FilterError
from glasslog.query.ast import Node

BUILTIN_DIR = Path(__file__).parent / "rules"
LEVELS = ("informational", "low", "medium", "high", "critical")


@dataclass
class Rule:
    """A single-event rule, compiled."""

    id: str
    name: str
    title: str
    level: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    condition: Any  # AST, possibly with residual leaves
    filter: Node  # pure AST, superset of `condition` (SQL push-down)
    source: str
    description: str = ""
    group_by: tuple[tuple[str, ...], ...] = (("actor", "alternateId"),)  # alert grouping for single events
    generate: bool = True
    merge_gap: str | None = None  # `glasslog_merge_gap`: one alert per key within this (default: config)

    @property
    def exact(self) -> bool:
        """True when `filter` is exactly the rule (no residual to confirm in Python)."""
        return not has_residual(self.condition)

    def predicate(self) -> Any:
        return evaluator(self.condition)

    def describe(self) -> str:
        return describe(self.condition)


@dataclass
class Correlation:
    """A Sigma correlation rule, with fields as canonical paths."""

    id: str
    name: str
    title: str
    level: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    type: str  # event_count | value_count | temporal | temporal_ordered
    rules: tuple[str, ...]  # referenced rule/correlation names (or ids)
    group_by: tuple[str, ...]  # group field names (maybe aliases)
    timespan: int  # seconds
    op: str  # gte gt lte lt eq neq
    threshold: float
    value_field: tuple[str, ...] | None  # value_count: the field counted
    aliases: dict[str, dict[str, tuple[str, ...]]]  # alias → rule name → path
    generate: bool
    source: str
    description: str = ""
    # glasslog_skip_busy_sources: a finding grouped by source IP is dropped when that IP signed more distinct
    # accounts in successfully than the finding counts (a shared office or NAT address, not an attacker).
    skip_busy_sources: bool = False

    def group_paths(self, rule_name: str) -> tuple[tuple[str, ...], ...]:
        """The grouping paths for events of one referenced rule."""
        out = []
        for g in self.group_by:
            alias = self.aliases.get(g)
            out.append(alias[rule_name] if alias and rule_name in alias else canonical_path(g))
        return tuple(out)


@dataclass
class RulePack:
    """Everything the engine runs, plus what could not be loaded (reported, never silently dropped)."""

    rules: list[Rule] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def by_name(self) -> dict[str, Rule | Correlation]:
        out: dict[str, Rule | Correlation] = {}
        for r in [*self.rules, *self.correlations]:
            out[r.id] = r
            out[r.name] = r
        return out

    def alerting_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.generate]

    def without(self, disabled: Iterable[str]) -> RulePack:
        gone = set(disabled)
        return RulePack([r for r in self.rules if r.id not in gone and r.name not in gone],
                        [c for c in self.correlations if c.id not in gone and c.name not in gone], list(self.errors))


def _attack(tags: Iterable[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    techniques, tactics = [], []
    for t in tags:
        if str(t.namespace).lower() != "attack":
            continue
        name = str(t.name)
        if name.lower().startswith("t") and name[1:2].isdigit():
            techniques.append(name.upper())
        else:
            tactics.append(name.lower())
    return tuple(techniques), tuple(tactics)


def _level(rule: Any) -> str:
    level = getattr(rule, "level", None)
    return str(level.name).lower() if level is not None else "medium"


def _name(rule: Any) -> str:
    return str(getattr(rule, "name", None) or rule.id or rule.title)


def compile_rule(rule: SigmaRule, source: str, placeholders: Mapping[str, Sequence[str]] | None = None) -> Rule:
    """One pySigma rule → Rule (raises UnsupportedSigma for constructs with no LogEvent meaning)."""
    okta_pipeline().apply(rule)
    label = f"{source}: {rule.title}"
    parts = []
    for cond in rule.detection.parsed_condition:
        parts.append(convert_condition(cond.parsed, placeholders, label))
    from glasslog.detect.residual import simplify
    from glasslog.query.ast import Or

    condition = parts[0] if len(parts) == 1 else simplify(Or(*parts))
    techniques, tactics = _attack(rule.tags)
    custom = getattr(rule, "custom_attributes", None) or {}
    group = custom.get("glasslog_group_by")
    group_by = tuple(canonical_path(g) for g in group) if group else (("actor", "alternateId"),)
    return Rule(
        id=str(rule.id or _name(rule)), name=_name(rule), title=str(rule.title), level=_level(rule),
        techniques=techniques, tactics=tactics, condition=condition, filter=prefilter(condition),
        source=source, description=str(rule.description or ""), group_by=group_by,
        merge_gap=custom.get("glasslog_merge_gap"),
    )


def compile_correlation(rule: SigmaCorrelationRule, source: str) -> Correlation:
    ctype = str(rule.type.name).lower()
    if ctype not in ("event_count", "value_count", "temporal", "temporal_ordered"):
        raise UnsupportedSigma(f"{source}: {rule.title}: correlation type {ctype} is not supported")
    cond = rule.condition
    op = str(cond.op.name).lower() if hasattr(cond, "op") else "gte"
    threshold = float(getattr(cond, "count", 1) or 1)
    fieldref = getattr(cond, "fieldref", None)
    if isinstance(fieldref, list):
        fieldref = fieldref[0] if fieldref else None
    aliases: dict[str, dict[str, tuple[str, ...]]] = {}
    for alias in rule.aliases:
        aliases[alias.alias] = {ref.reference: canonical_path(f) for ref, f in alias.mapping.items()}
    techniques, tactics = _attack(rule.tags)
    refs = tuple(r.reference for r in (rule.rules or []))
    return Correlation(
        id=str(rule.id or _name(rule)), name=_name(rule), title=str(rule.title), level=_level(rule),
        techniques=techniques, tactics=tactics, type=ctype, rules=refs, group_by=tuple(rule.group_by or ()),
        timespan=int(rule.timespan.seconds), op=op, threshold=threshold,
        value_field=canonical_path(fieldref) if fieldref else None, aliases=aliases,
        generate=bool(rule.generate), source=source, description=str(rule.description or ""),
        skip_busy_sources=bool((getattr(rule, "custom_attributes", None) or {}).get("glasslog_skip_busy_sources")),
    )


def _parse(text: str, source: str) -> tuple[list[tuple[Any, str]], list[str]]:
    """The rules and correlations of one YAML text (one or more documents), references not yet resolved."""
    try:
        collection = SigmaCollection.from_yaml(text, collect_errors=True, resolve_references=False)
    except SigmaError as exc:
        return [], [f"{source}: {exc}"]
    errors = [f"{source}: {err}" for err in getattr(collection, "errors", []) or []]
    return [(item, source) for item in collection.rules], errors


def _compile(items: list[tuple[Any, str]], errors: list[str],
             placeholders: Mapping[str, Sequence[str]] | None = None) -> RulePack:
    """Resolve correlation references across every item (a correlation may name rules of another file, as
    Sigma rule sets commonly do) and compile. A correlation naming a rule that is nowhere is reported."""
    pack = RulePack(errors=list(errors))
    everything = SigmaCollection(init_rules=[item for item, _ in items], errors=[], resolve_references=False)
    for item, source in items:
        try:
            if isinstance(item, SigmaCorrelationRule):
                item.resolve_rule_references(everything)
                pack.correlations.append(compile_correlation(item, source))
            elif isinstance(item, SigmaRule):
                if item.errors:
                    pack.errors.extend(f"{source}: {e}" for e in item.errors)
                    continue
                pack.rules.append(compile_rule(item, source, placeholders))
        except (UnsupportedSigma, FilterError, SigmaError, ValueError) as exc:
            pack.errors.append(f"{source}: {getattr(item, 'title', '?')}: {exc}")
    return pack


def load_yaml(text: str, source: str, placeholders: Mapping[str, Sequence[str]] | None = None) -> RulePack:
    """Every rule and correlation in one YAML text (one or more documents)."""
    items, errors = _parse(text, source)
    return _compile(items, errors, placeholders)


def load_paths(paths: Iterable[str | Path], placeholders: Mapping[str, Sequence[str]] | None = None) -> RulePack:
    """Load `.yml`/`.yaml` files (directories recursively) as one rule set: a correlation may reference rules
    of any of the files (a user's correlation over the built-in base rules, or base rules kept in another file)."""
    items: list[tuple[Any, str]] = []
    errors: list[str] = []
    for p in paths:
        path = Path(p)
        files = sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]) if path.is_dir() else [path]
        for f in files:
            got, errs = _parse(f.read_text(encoding="utf-8"), str(f))
            items += got
            errors += errs
    return finish(_compile(items, errors, placeholders))


def finish(pack: RulePack) -> RulePack:
    """Apply correlation `generate: false` to the rules they reference."""
    silent: set[str] = set()
    for c in pack.correlations:
        if not c.generate:
            silent.update(c.rules)
    pack.rules = [replace(r, generate=False) if (r.name in silent or r.id in silent) else r for r in pack.rules]
    return pack


def load_pack(extra: Iterable[str | Path] = (), builtin: bool = True,
              placeholders: Mapping[str, Sequence[str]] | None = None) -> RulePack:
    """The built-in pack (detect/rules) plus any extra rule files or directories."""
    paths: list[str | Path] = [BUILTIN_DIR] if builtin else []
    paths += list(extra)
    return load_paths(paths, placeholders)
