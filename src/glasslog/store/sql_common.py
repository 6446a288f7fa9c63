"""What every SQL backend does the same way: assembling conditions (org guard first), keyset paging, batch
dedupe and the exact keyword check. Backends differ only in their placeholder, dialect and polling clause."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import orjson

from glasslog.store.base import SearchQuery, StoredEvent, ValidEvent


def first_of_each(uuids: Sequence[str]) -> list[int] | None:
    """Positions of each uuid's first occurrence (a repeat in one batch is dropped, the first stays), or None
    when no uuid repeats (the usual case, one set away)."""
    if len(set(uuids)) == len(uuids):
        return None
    seen: set[str] = set()
    keep: list[int] = []
    for i, u in enumerate(uuids):
        if u not in seen:
            seen.add(u)
            keep.append(i)
    return keep


def unique_by_uuid(events: Sequence[ValidEvent]) -> tuple[list[ValidEvent], int]:
    """The batch without repeats of a uuid (the first one wins), and how many repeats were dropped."""
    keep = first_of_each([e.uuid for e in events])
    batch = list(events) if keep is None else [events[i] for i in keep]
    return batch, len(events) - len(batch)


def conditions(org: str, query: SearchQuery, placeholder: str, dialect: str, *, since: Any = None,
               until: Any = None, keyset: bool = True) -> tuple[list[str], list[Any]]:
    """The WHERE parts shared by every backend; the org guard always comes first. `since`/`until` override
    the query's (a time slice); the backend adds its polling clause."""
    p = placeholder
    parts = [f"org = {p}"]
    params: list[Any] = [org]
    lo = since if since is not None else query.since
    hi = until if until is not None else query.until
    if lo is not None:
        parts.append(f"published >= {p}")
        params.append(lo)
    if hi is not None:
        parts.append(f"published < {p}")
        params.append(hi)
    if keyset and query.mode == "bounded" and query.after is not None:
        ts, uid = query.after
        cmp = ">" if query.order == "ASCENDING" else "<"
        parts.append(f"(published {cmp} {p} OR (published = {p} AND uuid {cmp} {p}))")
        params += [ts, ts, uid]
    if query.filter is not None:
        from glasslog.query import compile_filter

        sql, fparams = compile_filter(query.filter, dialect)
        parts.append(f"({sql})")
        params += fparams
    if query.keywords:
        from glasslog.query import compile_keywords_prefilter

        sql, kparams = compile_keywords_prefilter(query.keywords, dialect)
        parts.append(f"({sql})")
        params += kparams
    return parts, params


def bounded_order(query: SearchQuery) -> str:
    d = "ASC" if query.order == "ASCENDING" else "DESC"
    return f"published {d}, uuid {d}"


def chunk_size(query: SearchQuery, want: int | None, have: int) -> int | None:
    """How many rows to ask for next: exactly the rest of the page, since SQL decides every condition; with
    keywords, which drop some rows in Python, four times that and at least 256, so that a page seldom needs a
    second round. (Asking 256 for a 101-row page used to read and decompress 155 events' JSON for nothing.)"""
    if want is None:
        return None
    if not query.keywords:
        return want - have
    return max((want - have) * 4, 256)


def keep_keyword_matches(query: SearchQuery, rows: list[StoredEvent]) -> list[StoredEvent]:
    """The SQL keyword condition is a cheap superset; the exact token rule is applied here."""
    if not query.keywords:
        return rows
    from glasslog.query import matches_keywords

    return [r for r in rows if matches_keywords(query.keywords, orjson.loads(r.raw))]


def advance(query: SearchQuery, last: StoredEvent) -> SearchQuery:
    """The same query continuing after `last` (keyset for bounded, seq for polling)."""
    if query.mode == "polling":
        return replace(query, after_seq=last.seq)
    return replace(query, after=(last.published, last.uuid))


def iter_pages(fetch: Callable[[SearchQuery], list[StoredEvent]], query: SearchQuery,
               batch: int) -> Iterator[StoredEvent]:
    """Every match in order, `batch` rows at a time, each page continuing after the last (constant memory)."""
    q = replace(query, limit=batch)
    while True:
        rows = fetch(q)
        yield from rows
        if len(rows) < batch:
            return
        q = advance(q, rows[-1])


def spelling(raw: str | bytes | None, path: tuple[str, ...], lowered: str) -> str:
    """The value at `path` as the event spells it (its text as a hot column holds it, before lower-casing),
    for a group keyed by the lower-cased text; arrays on the way fan out."""
    from glasslog.query.coercion import value_text

    if not raw:
        return lowered
    values: list[Any] = [orjson.loads(raw)]
    for key in path:
        nxt: list[Any] = []
        for v in values:
            if isinstance(v, list):
                nxt += [x.get(key) for x in v if isinstance(x, dict)]
            elif isinstance(v, dict):
                nxt.append(v.get(key))
        values = nxt
    for v in values:
        text = value_text(v)
        if text is not None and text.lower() == lowered:
            return text
    return lowered
