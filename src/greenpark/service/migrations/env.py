"""Alembic's environment: runs the revisions on the connection :func:`greenpark.service.migrations.upgrade`
hands over (or on a store of its own URL, as ``new_revision`` does), with SQLite in batch mode (a column
change rebuilds the table)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from greenpark.service.db import make_engine, metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():  # inside the caller's transaction, if it has one
        context.run_migrations()


def run() -> None:
    cfg = context.config
    if context.is_offline_mode():
        context.configure(url=cfg.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = cfg.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(cfg.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


run()
