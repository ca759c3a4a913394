"""Stores for the service tests: a SQLite file, or the PostgreSQL database of ``GREENPARK_TEST_POSTGRES``."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import MetaData

from greenpark.service.db import make_engine, migrate


def clear(url: str) -> None:
    """Drop every table of the store at ``url`` (also ``alembic_version`` and tables of older schemas)."""
    engine = make_engine(url)
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)
    engine.dispose()


def postgres_url() -> str | None:
    """The test PostgreSQL database (`make test` starts it and sets ``GREENPARK_TEST_POSTGRES``)."""
    return os.environ.get("GREENPARK_TEST_POSTGRES") or None


@pytest.fixture
def pg_url() -> str:
    """An empty PostgreSQL store at the newest schema; without ``GREENPARK_TEST_POSTGRES`` the test fails
    rather than pass unseen."""
    url = postgres_url()
    if not url:
        pytest.fail("GREENPARK_TEST_POSTGRES is not set: run the tests with `make test` (it starts PostgreSQL)")
    clear(url)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """An empty store of each kind (PostgreSQL only where ``GREENPARK_TEST_POSTGRES`` is set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = postgres_url()
    if not url:
        pytest.skip("GREENPARK_TEST_POSTGRES is not set")
    clear(url)
    yield url
    clear(url)
