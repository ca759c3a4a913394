"""The job store's schema: SQLAlchemy tables for API keys, jobs, their result tables, stored parks and the
service's own values (secrets, the execution's heartbeat), and the engine that reaches them.

SQLite (a file, WAL journal, ``synchronous=NORMAL``: durable against process crashes) is the embedded default;
a PostgreSQL URL works the same. Queries live in :mod:`greenpark.service.store`. The schema of a store is
brought to these tables by :func:`migrate` (Alembic revisions in :mod:`greenpark.service.migrations`), which
every process that opens a store runs first.

Result tables (``job_tables``): since revision 0004 each table is stored typed, as Parquet bytes in ``parquet``
(``csv`` is then empty); rows of jobs stored before hold CSV text in ``csv`` and no ``parquet``, and are still
read (:func:`greenpark.service.jobs.stored_tables`).
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
)
from sqlalchemy.engine import Engine

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
    Column("status", String(20), nullable=False, index=True),  # a JobState
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
    Column("csv", Text, nullable=False),  # CSV text of jobs stored before revision 0004 ("" in newer rows)
    Column("parquet", LargeBinary, nullable=True),  # the table as Parquet (revision 0004 on)
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

service_secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
)


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
            _wal(cur)
            # WAL + NORMAL: a committed job survives any process crash (kill -9); only a power loss
            # may lose the last commits. Commits then need no fsync, so writers rarely wait.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=40)


def _wal(cur) -> None:
    """Switch a SQLite store to WAL (kept in the file: once done, every later connection only reads it).

    Switching needs the store to itself, and SQLite does not wait for a lock there: while another process
    writes (a first migration), wait for its write lock through SQLite's busy handler, then try again.
    """
    import sqlite3

    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    for _ in range(50):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            cur.execute("BEGIN IMMEDIATE")  # returns once the other writer has committed (busy timeout 30 s)
            cur.execute("ROLLBACK")
    cur.execute("PRAGMA journal_mode=WAL")


def migrate(engine: Engine) -> str:
    """Bring the store to the newest schema and return its revision (see :mod:`greenpark.service.migrations`)."""
    from greenpark.service.migrations import upgrade

    return upgrade(engine)
