"""`request.ipChain.ip` filters are prefiltered on the joined `ip_chain_ips` column (columns.JoinedMember): a
superset test that must never drop a match, ahead of the exact list predicate that must drop every false
candidate. Odd chains (empty, null or non-string members, members with spaces, mixed case, no `request`) meet
filters whose value spans two members or touches the separator, and the store must answer as the matcher does.
tests/clickhouse/test_ip_chain_prefilter.py holds the ClickHouse store to the same events and filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from glasslog.events.validate import validate_event
from glasslog.query import compile_filter, matches
from glasslog.query.parser import parse_filter
from glasslog.query.sql_clickhouse import ClickHousePrinter
from glasslog.query.sql_duckdb import DuckDBPrinter
from glasslog.store.base import SearchQuery, ValidEvent
from glasslog.store.columns import joined_text
from glasslog.store.duckdb_store import DuckDBStore

SINCE, UNTIL = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)

CHAINS: list[Any] = [
    [{"ip": "1.2.3.4"}], [{"ip": "5.6.7.8"}, {"ip": "1.2.3.4"}], [{"ip": "1.2.3.4 5.6.7.8"}],
    [{"ip": "1.2.3.45"}], [{"ip": " 1.2.3.4"}], [{"ip": "1.2.3.4 "}], [{"ip": "  "}], [{"ip": ""}],
    [{"ip": "FE80::1"}], [{"ip": "fe80::1"}, {"ip": None}], [{"ip": None}], [{}], [], [None, {"ip": "1.2.3.4"}],
    ["1.2.3.4"], [{"ip": 5}], [{"ip": True}], [{"ip": {"ip": "1.2.3.4"}}], [{"ip": "a\tb"}], [{"ip": "É"}],
    [{"ip": "2024-08-13T15:58:20Z"}], [{"ip": "1.2.3.4", "geographicalContext": {"country": "FR"}}],
    None, "1.2.3.4", {"ip": "1.2.3.4"},
]
REQUESTS: list[Any] = [{"ipChain": c} for c in CHAINS] + [None, "1.2.3.4", {}, {"ipAddress": "1.2.3.4"}]

VALUES = ['"1.2.3.4"', '"1.2.3.4 5.6.7.8"', '"5.6.7.8 1.2.3.4"', '""', '" "', '"  "', '"FE80::1"', '"fe80"',
          '"::1"', '"1.2.3.4 "', '" 1.2.3.4"', '"3.4 5"', '"É"', '"é"', '"2024-08-13T15:58:20.000Z"', '"5"', "5",
          "true", "null"]
FILTERS = ([f"request.ipChain.ip {op} {v}" for op in ("eq", "ne", "sw", "ew", "co") for v in VALUES
            if op in ("eq", "ne") or v.startswith('"')]
           + ["request.ipChain.ip pr", "not (request.ipChain.ip eq \"1.2.3.4\")",
              'request.ipChain.ip gt "1.2.3.4"', 'request.ipChain.ip eq "1.2.3.4" or request.ipChain.ip sw "fe80"',
              'request.ipChain.ip co "1.2" and not (request.ipChain.ip ew "45")',
              'request.ipChain.0.ip eq "1.2.3.4"', 'request.ipChain.geographicalContext.country eq "fr"'])


def events() -> list[ValidEvent]:
    """One event per odd request, the last without `request` at all."""
    out = []
    for i, request in enumerate([*REQUESTS, "absent"]):
        ev: dict[str, Any] = {"uuid": f"ipc-{i}", "published": f"2024-08-13T15:58:{i:02d}.000Z",
                              "eventType": "user.session.start"}
        if request != "absent":
            ev["request"] = request
        checked = validate_event(ev, i)
        assert isinstance(checked, ValidEvent), checked
        out.append(checked)
    return out


def wide(node: Any) -> SearchQuery:
    return SearchQuery(filter=node, since=SINCE, until=UNTIL, limit=None)


def check_agreement(search: Any, corpus: list[ValidEvent], dialect: str) -> None:
    """Every filter selects exactly the matcher's events; `search(node)` gives the store's uuids."""
    for text in FILTERS:
        node = parse_filter(text)
        expected = {e.uuid for e in corpus if matches(node, e.obj)}
        assert search(node) == expected, (text, compile_filter(node, dialect))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> DuckDBStore:
    s = DuckDBStore(Path(tmp_path_factory.mktemp("ipc")))
    s.ingest("acme", events())
    yield s
    s.close()


def test_ip_chain_filters_agree_with_the_matcher(store: DuckDBStore) -> None:
    check_agreement(lambda node: {e.uuid for e in store.search("acme", wide(node)).events},
                    events(), "duckdb")


def test_the_joined_column_is_the_reference_text_of_the_list(store: DuckDBStore) -> None:
    rows = store._cursor().execute(  # noqa: SLF001
        "SELECT ip_chain_ips, list_transform(ip_chain, lambda x: x.ip) FROM events ORDER BY seq").fetchall()
    assert len(rows) == len(events())
    assert all(joined == joined_text(ips or []) for joined, ips in rows), rows
    assert (" fe80::1 ", ["fe80::1", None]) in rows and (" ", []) in rows and (" 1.2.3.4 5.6.7.8 ",
                                                                              ["1.2.3.4 5.6.7.8"]) in rows


@pytest.mark.parametrize(("text", "pattern"), [
    ('request.ipChain.ip eq "1.2.3.4"', " 1.2.3.4 "), ('request.ipChain.ip sw "FE80"', " fe80"),
    ('request.ipChain.ip ew "::1"', "::1 "), ('request.ipChain.ip co "2.3"', "2.3"),
    ('request.ipChain.ip ne "1.2.3.4"', " 1.2.3.4 "),
])
def test_text_tests_on_the_chain_are_prefiltered_first(text: str, pattern: str) -> None:
    for printer in (DuckDBPrinter(), ClickHousePrinter()):
        sql, params = compile_filter(parse_filter(text), printer)
        assert sql.index(printer.column("ip_chain_ips")) < sql.index(printer.column("ip_chain"))
        assert params[0] == pattern  # bound in the order the SQL reads


@pytest.mark.parametrize("text", [
    'request.ipChain.ip eq "2024-08-13T15:58:20.000Z"',  # compared as an instant: other spellings are equal
    "request.ipChain.ip eq 5", "request.ipChain.ip eq true", 'request.ipChain.ip gt "1"', "request.ipChain.ip pr",
    "request.ipChain.ip eq null", 'request.ipChain.0.ip eq "1.2.3.4"', 'request.ipChain.source eq "x"',
])
def test_no_prefilter_where_it_would_not_be_a_superset(text: str) -> None:
    assert "ip_chain_ips" not in compile_filter(parse_filter(text))[0]
