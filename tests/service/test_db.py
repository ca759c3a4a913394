"""The job store's schema history (Alembic): every store a version of the service left upgrades to head,
keeping its jobs, and then equals what the tables declare (:data:`greenpark.service.db.metadata`)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, MetaData, String, Table, Text, text
from sqlalchemy.engine import Engine

from greenpark.service.db import job_tables, jobs, make_engine, metadata, migrate, service_secrets
from greenpark.service.keys import create_key, lookup
from greenpark.service.migrations import current, downgrade, head, upgrade
from greenpark.service.states import JobState
from greenpark.service.store import Store

pytestmark = pytest.mark.service


def first_version_tables() -> MetaData:
    """The tables of the first service version (d0185d5: ``git show d0185d5:src/greenpark/service/db.py``)."""
    md = MetaData()
    tz = DateTime(timezone=True)
    Table(
        "api_keys", md,
        Column("id", String(32), primary_key=True),
        Column("client", String(200), nullable=False, index=True),
        Column("park", String(200), nullable=True),
        Column("key_hash", String(64), nullable=False, unique=True),
        Column("created_at", tz, nullable=False),
        Column("revoked_at", tz, nullable=True),
    )  # fmt: skip
    Table(
        "jobs", md,
        Column("id", String(36), primary_key=True),
        Column("client", String(200), nullable=False, index=True),
        Column("status", String(20), nullable=False, index=True),
        Column("outcome", String(20), nullable=True),
        Column("message", Text, nullable=True),
        Column("error", String(40), nullable=True),
        Column("request", JSON, nullable=False),
        Column("body_hash", String(64), nullable=False),
        Column("idempotency_key", String(200), nullable=True, index=True),
        Column("park_name", String(200), nullable=True),
        Column("time_limit_s", Float, nullable=False),
        Column("created_at", tz, nullable=False, index=True),
        Column("started_at", tz, nullable=True),
        Column("finished_at", tz, nullable=True),
        Column("lease_until", tz, nullable=True),
        Column("worker", String(100), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("cancel_requested", Boolean, nullable=False, default=False),
        Column("summary", JSON, nullable=True),
    )  # fmt: skip
    Table(
        "job_tables", md,
        Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        Column("name", String(50), primary_key=True),
        Column("csv", Text, nullable=False),
    )  # fmt: skip
    Table(
        "parks", md,
        Column("client", String(200), primary_key=True),
        Column("name", String(200), primary_key=True),
        Column("document", JSON, nullable=False),
        Column("datasets", JSON, nullable=False),
        Column("updated_at", tz, nullable=False),
    )  # fmt: skip
    Table("schema_version", md, Column("version", Integer, primary_key=True))
    return md


OLD = first_version_tables()
JOB = {
    "id": "j1", "client": "alice", "status": JobState.COMPLETED, "outcome": "optimal", "message": "solved",
    "request": {"horizon": "4h"}, "body_hash": "h", "park_name": "small", "time_limit_s": 60.0,
    "created_at": datetime(2026, 1, 1, tzinfo=UTC), "attempts": 1, "cancel_requested": False,
    "summary": {"objective_cny": 158.0, "timezone": "Asia/Shanghai"},
}  # fmt: skip
LEGACY_VERSIONS = {
    # the versions of the service before Alembic, by the commit that changed the store (git log -- db.py)
    "d0185d5": [],  # the first: api_keys, jobs, job_tables (CSV), parks, schema_version 1
    "bc1dd25": ["service_secrets"],
    "b10f3de": ["service_secrets", "jobs.cancel_requested_at"],
    "3568b0d": ["service_secrets", "jobs.cancel_requested_at", "job_tables.parquet"],  # schema_version 2
}


def add_first_version_job(engine: Engine) -> str:
    """A finished job with a result table and an API key, written as the first version wrote them."""
    with engine.begin() as conn:
        conn.execute(OLD.tables["jobs"].insert().values(**JOB))
        conn.execute(OLD.tables["job_tables"].insert().values(job_id="j1", name="prices", csv="time,x\n"))
    return create_key(engine, "alice")


def legacy_store(url: str, version: str) -> tuple[Engine, str]:
    """A store as the service left it before Alembic: made by the first version (its create_all), a job in it,
    then opened by each later version up to ``version``, whose migrate() created the tables it missed and
    added the columns it missed (ALTER TABLE … ADD COLUMN). Returns its engine and the job's API key."""
    engine = make_engine(url)
    OLD.create_all(engine)
    with engine.begin() as conn:
        conn.execute(OLD.tables["schema_version"].insert().values(version=1))
    key = add_first_version_job(engine)
    with engine.begin() as conn:
        for change in LEGACY_VERSIONS[version]:
            if change == "service_secrets":
                service_secrets.create(conn)
            else:
                table, column = change.split(".")
                sql_type = metadata.tables[table].c[column].type.compile(engine.dialect)
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))
        if "job_tables.parquet" in LEGACY_VERSIONS[version]:
            conn.execute(OLD.tables["schema_version"].update().values(version=2))
    return engine, key


def schema_diff(engine: Engine, tables: MetaData = metadata) -> list:
    """What differs between the store and ``tables`` (alembic autogenerate's comparison; [] when equal)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, tables)
    return [d for d in diff if not (d[0] == "remove_table" and d[1].name == "alembic_version")]


def assert_at_head_with_the_job(engine: Engine, key: str) -> None:
    with engine.connect() as conn:
        assert current(conn) == head()
    assert schema_diff(engine) == []
    store = Store(engine)
    row = store.job("j1")
    assert {k: row[k] for k in JOB if k != "created_at"} == {k: v for k, v in JOB.items() if k != "created_at"}
    assert row["created_at"].replace(tzinfo=UTC) == JOB["created_at"].replace(tzinfo=None).replace(tzinfo=UTC)
    assert [r.name for r in store.table_rows("j1")] == ["prices"]
    assert lookup(engine, key).name == "alice"


@pytest.mark.parametrize("version", LEGACY_VERSIONS)
def test_a_store_of_every_version_before_alembic_upgrades_to_head_keeping_its_jobs(store_url, version):
    engine, key = legacy_store(store_url, version)
    assert migrate(engine) == head()
    assert_at_head_with_the_job(engine, key)
    assert migrate(engine) == head()  # at head: left alone
    assert_at_head_with_the_job(engine, key)
    engine.dispose()


def test_a_store_made_by_the_last_version_before_alembic_upgrades(store_url):
    """What the last version's migrate() made of an empty store: create_all of its tables, schema_version 2."""
    engine = make_engine(store_url)
    metadata.create_all(engine)
    OLD.tables["schema_version"].create(engine)
    with engine.begin() as conn:
        conn.execute(OLD.tables["schema_version"].insert().values(version=2))
        conn.execute(jobs.insert().values(**JOB))
        conn.execute(job_tables.insert().values(job_id="j1", name="prices", csv="", parquet=b"PAR1"))
    key = create_key(engine, "alice")
    migrate(engine)
    assert_at_head_with_the_job(engine, key)
    engine.dispose()


def test_the_first_revision_is_the_first_versions_schema_and_upgrades_keeping_jobs(store_url):
    engine = make_engine(store_url)
    assert upgrade(engine, "0001") == "0001"
    assert schema_diff(engine, OLD) == []  # revision 0001 creates what the first version created
    key = add_first_version_job(engine)
    migrate(engine)
    assert_at_head_with_the_job(engine, key)
    assert downgrade(engine, "0001") == "0001"  # and back: every revision can be undone, keeping the jobs
    assert schema_diff(engine, OLD) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM jobs WHERE id = 'j1'")).scalar() == JobState.COMPLETED
    migrate(engine)
    assert_at_head_with_the_job(engine, key)
    engine.dispose()


def test_processes_opening_a_new_store_at_once_create_it_once(store_url):
    """Servers, HTTP processes and replicas all migrate at start: the first does it, the others find it done."""
    n = 4
    gate, results = threading.Barrier(n), []

    def opener() -> None:
        engine = make_engine(store_url)
        gate.wait()
        results.append(migrate(engine))
        engine.dispose()

    threads = [threading.Thread(target=opener) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [head()] * n
    engine = make_engine(store_url)
    assert schema_diff(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
