"""The conformance suite's backend: every test here talks to the public Python API only
(`ingest(events, org=...)`, `search(org=..., filter=..., q=..., since=..., until=..., limit=..., sort_order=...)`),
so any backend that `glasslog.open` can open must pass it. Add a backend by adding a URL factory below."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

# name → (temporary directory → the location to hand to glasslog.open)
BACKENDS: dict[str, Callable[[Path], str]] = {
    "duckdb": lambda tmp: str(tmp),
    "chdb": lambda tmp: f"chdb://{tmp}",
}

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import glasslog

    opened = glasslog.open(BACKENDS[request.param](tmp_path_factory.mktemp(request.param)))
    yield opened
    opened.close()


def okta_sample_events() -> list[dict[str, Any]]:
    """The public sample events (NDJSON file, API page, single sample), first occurrence of each uuid."""
    events: list[dict[str, Any]] = []
    ndjson = SHARED_DATA / "okta-samples" / "elastic-integrations-okta-system.ndjson"
    events += [orjson.loads(line) for line in ndjson.read_bytes().splitlines() if line.strip()]
    events += orjson.loads((SHARED_DATA / "okta-samples" / "elastic-integrations-okta-api-page.json").read_bytes())
    single = orjson.loads((SHARED_DATA / "okta-sample-logevent.json").read_bytes())
    events += single if isinstance(single, list) else [single]
    seen: set[str] = set()
    out = []
    for ev in events:
        if ev["uuid"] not in seen:
            seen.add(ev["uuid"])
            out.append(ev)
    return out
