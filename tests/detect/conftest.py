from __future__ import annotations

from pathlib import Path

import pytest

import glasslog

SHARED_SIGMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "sigma-okta"


@pytest.fixture()
def glog(tmp_path):
    log = glasslog.open(tmp_path / "data")
    yield log
    log.close()
