"""Property: for random filters over random (odd) events, the DuckDB store's SQL path and the Python matcher
select exactly the same events. Runs against the real store (`DuckDBStore`), one org per example."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasslog.events.validate import validate_event
from glasslog.query import And, Compare, Node, Not, Or, Present, compile_filter, matches
from glasslog.store.base import SearchQuery, ValidEvent
from glasslog.store.duckdb_store import DuckDBStore

STRINGS = ["a", "A", "ab", "b", "Box", "BOX", "null", "", "true", "TRUE", "false", "5", "5.0", "-1", "1e2",
           "x y-z", "é", "Ä", "{}", "[]", "user", "User", "2024-08-13T15:58:20.353Z",
           "2024-08-13T17:58:20.353+02:00", "2024-08-13t15:58:20z", "2024-08-13T15:58:21Z",
           "2024-02-30T00:00:00Z", "2024-08-13 15:58:20.353Z", "2024-08-13T15:58:20.3534567Z"]
NUMBERS = [0, 5, -1, 5.0, 1.5, 100, 1e20, 0.000001, 64496]
SCALARS = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans(), st.none())
ODD = st.one_of(SCALARS, st.just({}), st.just([]), st.just({"a": 1}), st.just(["a", 1.5]))


def obj(keys: list[str], value: st.SearchStrategy[Any] = ODD) -> st.SearchStrategy[Any]:
    """A dict over some of `keys` (plus case variants), or an odd non-dict."""
    names = st.sampled_from(keys + [k.upper() for k in keys[:2]])
    dicts = st.dictionaries(names, value, min_size=1, max_size=4)
    return st.one_of(dicts, dicts, dicts, ODD)


FREE = obj(["foo", "Foo", "bar", "x"], st.one_of(ODD, st.dictionaries(st.sampled_from(["bar", "BAR", "x"]), ODD,
                                                                      max_size=2)))
ELEMENT = st.one_of(st.fixed_dictionaries({}, optional={
    "id": SCALARS, "type": SCALARS, "displayName": SCALARS, "alternateId": SCALARS, "detailEntry": FREE,
    "ip": SCALARS, "source": ODD, "geographicalContext": obj(["country", "city"])}), SCALARS)
ARRAY = st.one_of(st.lists(ELEMENT, min_size=1, max_size=3), st.lists(ELEMENT, max_size=3), ODD)
PUBLISHED = ["2024-08-13T15:58:20.353Z", "2024-08-13T17:58:20.353+02:00", "2024-08-13T15:58:20Z",
             "2024-08-12T00:00:00.000Z", "2024-08-13T15:58:20.353999Z"]

EVENT = st.fixed_dictionaries(
    {"published": st.sampled_from(PUBLISHED), "eventType": st.sampled_from(["user.session.start", "USER.x", "a"])},
    optional={
        "severity": SCALARS, "displayMessage": SCALARS, "version": SCALARS,
        "actor": obj(["id", "type", "alternateId", "displayName"]).map(lambda v: v)
        | st.fixed_dictionaries({"detailEntry": FREE}),
        "client": obj(["ipAddress", "zone"]),
        "outcome": obj(["result", "reason"]),
        "target": ARRAY,
        "request": st.one_of(st.fixed_dictionaries({"ipChain": ARRAY}), ODD),
        "debugContext": st.one_of(st.fixed_dictionaries({"debugData": FREE}),
                                  st.fixed_dictionaries({"debugData": obj(["requestId", "when", "dtHash"])}), ODD),
        "securityContext": obj(["isProxy", "asNumber"]),
        "authenticationContext": obj(["externalSessionId"]),
        "transaction": st.fixed_dictionaries({"detail": obj(["requestApiTokenId"])}),
    },
)

PATHS = [
    # hot scalars
    "eventType", "severity", "displayMessage", "outcome.result", "outcome.reason", "actor.id", "actor.alternateId",
    "actor.displayName", "client.ipAddress", "client.zone", "authenticationContext.externalSessionId",
    "debugContext.debugData.requestId", "debugContext.debugData.dtHash", "transaction.detail.requestApiTokenId",
    # arrays (hot members, raw members, positions, the array itself)
    "target.type", "target.displayName", "target.id", "target.detailEntry.foo", "target.detailEntry.X",
    "request.ipChain.ip", "request.ipChain.source", "request.ipChain.geographicalContext.country",
    "target.0.displayName", "target.1.type", "target",
    # free maps and odd types
    "debugContext.debugData.foo", "debugContext.debugData.FOO.bar", "debugContext.debugData.x",
    "debugContext.debugData.when", "actor.detailEntry.Foo", "version", "securityContext.asNumber",
    "published", "client", "request", "securityContext.isProxy",
]
BOOLEAN_PATHS = {"securityContext.isProxy"}


@st.composite
def leaf(draw: st.DrawFn) -> Node:
    path = draw(st.sampled_from(PATHS))
    if draw(st.integers(0, 9)) == 0:
        return Present(path)
    ops = ["eq", "ne"] if path in BOOLEAN_PATHS else ["eq", "ne", "gt", "ge", "lt", "le", "sw", "ew", "co"]
    op = draw(st.sampled_from(ops))
    if op in ("sw", "ew", "co"):
        value = draw(st.sampled_from(STRINGS))
    elif op in ("gt", "ge", "lt", "le"):
        value = draw(st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS)))
    else:
        value = draw(SCALARS)
    return Compare(path, op, value)


FILTERS = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(*xs)),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(*xs)),
        inner.map(Not),
    ),
    max_leaves=4,
)

_orgs = itertools.count()
WIDE = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


BASE_ORG = "base"


def _base_events() -> list[ValidEvent]:
    """Real sample events and the conformance suite's scenario events, so filters also meet realistic data."""
    from tests.conformance.conftest import okta_sample_events
    from tests.conformance.events import generated

    out = []
    for i, ev in enumerate(okta_sample_events() + generated()):
        checked = validate_event(ev, i)
        assert isinstance(checked, ValidEvent), checked
        out.append(checked)
    return out


BASE = _base_events()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> DuckDBStore:
    s = DuckDBStore(tmp_path_factory.mktemp("agree"))
    s.ingest(BASE_ORG, BASE)
    yield s
    s.close()


def _valid(events: list[dict[str, Any]]) -> list[ValidEvent]:
    out = []
    for i, ev in enumerate(events):
        checked = validate_event({**ev, "uuid": f"e{i}"}, i)
        assert isinstance(checked, ValidEvent), checked
        out.append(checked)
    return out


EXAMPLES = int(os.environ.get("GLASSLOG_PROPERTY_EXAMPLES", "200"))
STATS = {"checked": 0, "nonempty": 0}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(events=st.lists(EVENT, min_size=1, max_size=25), filters=st.lists(FILTERS, min_size=1, max_size=4))
def test_sql_and_matcher_select_the_same_events(store: DuckDBStore, events: list[dict[str, Any]],
                                                filters: list[Node]) -> None:
    org = f"org{next(_orgs)}"
    valid = _valid(events)
    store.ingest(org, valid)
    for (where, corpus), node in itertools.product(((org, valid), (BASE_ORG, BASE)), filters):
        page = store.search(where, SearchQuery(filter=node, since=WIDE[0], until=WIDE[1], limit=None))
        got = {e.uuid for e in page.events}
        expected = {v.uuid for v in corpus if matches(node, v.obj)}
        STATS["checked"] += 1
        STATS["nonempty"] += bool(expected) and len(expected) < len(corpus)
        assert got == expected, (str(node), compile_filter(node),
                                 [v.obj for v in corpus if (v.uuid in got) != (v.uuid in expected)])


def test_the_property_exercised_real_selections() -> None:
    """Guard against a vacuous property: many filters must select some but not all events."""
    if STATS["checked"]:
        assert STATS["nonempty"] >= STATS["checked"] // 20, STATS  # typically about 1 in 10
