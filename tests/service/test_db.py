"""The job store: migrations add what a newer version needs and keep every stored job."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from greenpark.service.db import SCHEMA_VERSION, make_engine, migrate

pytestmark = pytest.mark.service


def test_upgrade_keeps_jobs_and_adds_missing_columns(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:  # a store written by an older version: no 'summary' or 'cancel_requested'
        conn.execute(text(
            "CREATE TABLE jobs (id VARCHAR(36) PRIMARY KEY, client VARCHAR(200) NOT NULL,"
            " status VARCHAR(20) NOT NULL, outcome VARCHAR(20), message TEXT, error VARCHAR(40),"
            " request JSON NOT NULL, body_hash VARCHAR(64) NOT NULL,"
            " idempotency_key VARCHAR(200), park_name VARCHAR(200), time_limit_s FLOAT NOT NULL,"
            " created_at DATETIME NOT NULL, started_at DATETIME, finished_at DATETIME, lease_until DATETIME,"
            " worker VARCHAR(100), attempts INTEGER NOT NULL)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO jobs (id, client, status, request, body_hash, time_limit_s, created_at, attempts)"
            " VALUES ('j1', 'alice', 'completed', '{}', 'h', 60, '2026-01-01 00:00:00', 1)"
        ))  # fmt: skip
    assert migrate(engine) == SCHEMA_VERSION
    assert migrate(engine) == SCHEMA_VERSION  # idempotent
    with engine.connect() as conn:
        cols = {r[1] for r in conn.execute(text("PRAGMA table_info(jobs)"))}
        assert {"summary", "cancel_requested"} <= cols
        assert conn.execute(text("SELECT client, status FROM jobs WHERE id = 'j1'")).one() == ("alice", "completed")
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
