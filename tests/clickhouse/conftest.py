"""Fixtures for the ClickHouse backend tests: a chdb store in a temporary directory.

chdb hosts one embedded engine per process, bound to one directory, so every fixture here closes its store
before the next one opens (function scope unless a module shares one store across examples)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from glasslog.store.clickhouse import ClickHouseStore, open_clickhouse


@pytest.fixture
def ch(tmp_path: Path) -> Iterator[ClickHouseStore]:
    store = open_clickhouse(f"chdb://{tmp_path / 'ch'}")
    yield store
    store.close()
