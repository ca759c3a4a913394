"""Schema migrations of the job store (Alembic; the revisions ship in ``versions/`` inside the package).

Every process that opens a store calls :func:`upgrade` (through :func:`greenpark.service.db.migrate`): a store
at the newest revision is left alone after one read of ``alembic_version``; otherwise, with the store locked
against other processes doing the same (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``), the
revisions it lacks run in one transaction.

A store written before the service used Alembic has no ``alembic_version``: it is stamped ``0001`` (what the
first version created) and the later revisions run, each adding only what the store lacks (a version before
Alembic added what it missed at start, so a store may hold any of them already). Its jobs stay.

The history (``git log -- src/greenpark/service/db.py``): 0001 the first service (api_keys, jobs, job_tables
with CSV text, parks, schema_version); 0002 service_secrets (signed page links, the execution's heartbeat);
0003 jobs.cancel_requested_at; 0004 job_tables.parquet (typed result tables); 0005 Alembic keeps the version:
schema_version dropped.

A new revision, generated from the difference between :data:`greenpark.service.db.metadata` and a store at
head, is written into ``versions/`` by ``python -c "from greenpark.service.migrations import new_revision;
new_revision('what changed')"`` (read it, then name it ``NNNN_…`` like the others).
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

HERE = Path(__file__).parent
_PG_LOCK = 0x67726E7061726B  # pg_advisory_xact_lock key of "a migration of this store is running"


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration for the revisions in this package, on ``connection`` (or a store at ``url``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head() -> str:
    """The newest revision."""
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: Connection) -> str | None:
    """The revision the store is stamped with (None: a new store, or one from before Alembic)."""
    return MigrationContext.configure(connection).get_current_revision()


def legacy_revision(connection: Connection) -> str | None:
    """The revision to stamp a store without ``alembic_version`` with: ``0001`` if it has jobs, else None.

    Before Alembic, each version created the tables it missed and added the columns it missed at start, so
    a store holds everything of the version that last opened it. Revisions 0002–0005 (that history) add only
    what a store lacks, so every such store, whichever version left it, is brought to head from 0001.
    """
    return "0001" if inspect(connection).has_table("jobs") else None


def has_table(name: str) -> bool:
    """Whether the store being migrated has table ``name`` (for the revisions of the pre-Alembic history)."""
    from alembic import op

    return inspect(op.get_bind()).has_table(name)


def has_column(table: str, column: str) -> bool:
    """Whether table ``table`` of the store being migrated has ``column``."""
    from alembic import op

    return column in {c["name"] for c in inspect(op.get_bind()).get_columns(table)}


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the store of ``engine`` to ``revision`` (a store from before Alembic is stamped first); returns
    the revision it is at."""
    if revision == "head":
        with engine.connect() as conn:
            if current(conn) == head():
                return head()
    with _locked(engine) as conn:
        if current(conn) is None and (legacy := legacy_revision(conn)) is not None:
            command.stamp(config(conn), legacy)
        command.upgrade(config(conn), revision)
        return current(conn)


def downgrade(engine: Engine, revision: str) -> str | None:
    """Take the store of ``engine`` back to ``revision`` (what an older version of the service expects)."""
    with _locked(engine) as conn:
        command.downgrade(config(conn), revision)
        return current(conn)


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that no other process migrating the same store runs beside."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # a connection of its own that starts with BEGIN IMMEDIATE: it holds the write lock before reading the
        # version (a second process waits, then finds the store at head), and its DDL is inside the transaction
        own = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})

        @event.listens_for(own, "connect")
        def _manual(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None
            # a table rebuilt in batch mode is dropped and renamed: no cascade may delete what refers to it
            dbapi_conn.execute("PRAGMA foreign_keys=OFF")

        @event.listens_for(own, "begin")
        def _immediate(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        try:
            with own.begin() as conn:
                yield conn
        finally:
            own.dispose()
        return
    with engine.begin() as conn:  # PostgreSQL: transactional DDL; an in-memory SQLite store has one user
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        yield conn


def new_revision(message: str) -> None:
    """Write a revision of what :data:`greenpark.service.db.metadata` adds to a store at head (autogenerate)."""
    from greenpark.service.db import make_engine

    with tempfile.TemporaryDirectory(prefix="greenpark-revision-") as tmp:
        url = f"sqlite:///{tmp}/head.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        command.revision(config(url=url), message, autogenerate=True)
