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


@pytest.fixture()
def client(glog):
    """The detect routes on their own app, signed in as an admin of acme: the routes' logic under test, the
    token machinery (tested in tests/api) left out."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from glasslog.api.auth import Principal, require_admin, require_reader
    from glasslog.detect.routes import mount_detect

    app = FastAPI()
    mount_detect(app, glog)
    who = Principal(org="acme", role="admin", token_id="t", name="ana")
    app.dependency_overrides[require_reader] = lambda: who
    app.dependency_overrides[require_admin] = lambda: who
    return TestClient(app)
