"""The job store: SQLAlchemy tables for API keys, jobs, their result tables and stored parks.

SQLite (a file, WAL journal, ``synchronous=NORMAL``: durable against process crashes) is the
embedded default; a PostgreSQL URL works the same.
Schema changes are applied by :func:`migrate`, which records the schema version in
``schema_version`` and only ever adds, so an upgrade keeps every stored job.

Result tables (``job_tables``): since schema 2 each table is stored typed, as Parquet bytes in
``parquet`` (``csv`` is then empty); rows of jobs stored before hold CSV text in ``csv`` and no
``parquet``, and are still read (:func:`greenpark.service.jobs.stored_tables`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine

SCHEMA_VERSION = 2
metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("client", String(200), nullable=False, index=True),
    Column("park", String(200), nullable=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

jobs = Table(
    "jobs",
    metadata,
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
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("worker", String(100), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("cancel_requested_at", DateTime(timezone=True), nullable=True),
    Column("summary", JSON, nullable=True),
)

job_tables = Table(
    "job_tables",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(50), primary_key=True),
    Column("csv", Text, nullable=False),  # CSV text of jobs stored before schema 2 ("" in newer rows)
    Column("parquet", LargeBinary, nullable=True),  # the table as Parquet (schema 2 on)
)

parks = Table(
    "parks",
    metadata,
    Column("client", String(200), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("document", JSON, nullable=False),
    Column("datasets", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True))

service_secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
)


def secret(engine: Engine, name: str = "page_links") -> str:
    """A random secret shared by every replica of the store (created on first use)."""
    import secrets as _secrets

    with engine.begin() as conn:
        value = conn.execute(select(service_secrets.c.value).where(service_secrets.c.name == name)).scalar()
        if value is None:
            value = _secrets.token_hex(32)
            conn.execute(service_secrets.insert().values(name=name, value=value))
    return value


def now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        pool = {} if in_memory else {"pool_size": 20, "max_overflow": 40}
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed job survives any process crash (kill -9); only a power loss
            # may lose the last commits. Commits then need no fsync, so writers rarely wait.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=40)


def migrate(engine: Engine) -> int:
    """Create what is missing and record the schema version; never drops anything."""
    metadata.create_all(engine)
    existing = {t.name: {c["name"] for c in inspect(engine).get_columns(t.name)} for t in (jobs, job_tables)}
    with engine.begin() as conn:
        for table in (jobs, job_tables):  # additive migrations: columns added in later versions
            for col in table.columns:
                if col.name not in existing[table.name]:
                    sql_type = col.type.compile(engine.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {col.name} {sql_type}"))
        current = conn.execute(schema_version.select()).scalar()
        if current is None:
            conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
        elif current < SCHEMA_VERSION:
            conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
    return SCHEMA_VERSION


def write_heartbeat(engine: Engine, alive: int) -> None:
    """The execution's pulse (time, live workers), read by HTTP processes that run no workers."""
    import json as _json
    import time as _time

    value = _json.dumps({"time": _time.time(), "alive": alive})
    with engine.begin() as conn:
        if conn.execute(select(service_secrets.c.name).where(service_secrets.c.name == "heartbeat")).first():
            conn.execute(service_secrets.update().where(service_secrets.c.name == "heartbeat").values(value=value))
        else:
            conn.execute(service_secrets.insert().values(name="heartbeat", value=value))


def heartbeat(engine: Engine) -> dict | None:
    import json as _json

    with engine.connect() as conn:
        value = conn.execute(select(service_secrets.c.value).where(service_secrets.c.name == "heartbeat")).scalar()
    return _json.loads(value) if value else None
