"""The store of the first service version (d0185d5): API keys, jobs, result tables as CSV text, stored parks,
and the version number the service kept itself.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("park", sa.String(200), nullable=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
    )
    op.create_index(op.f("ix_api_keys_client"), "api_keys", ["client"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("error", sa.String(40), nullable=True),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("park_name", sa.String(200), nullable=True),
        sa.Column("time_limit_s", sa.Float, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("started_at", _TZ, nullable=True),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.Column("lease_until", _TZ, nullable=True),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("summary", sa.JSON, nullable=True),
    )
    for column in ("client", "status", "idempotency_key", "created_at"):
        op.create_index(op.f(f"ix_jobs_{column}"), "jobs", [column])
    op.create_table(
        "job_tables",
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("csv", sa.Text, nullable=False),
    )
    op.create_table(
        "parks",
        sa.Column("client", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("datasets", sa.JSON, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table("schema_version", sa.Column("version", sa.Integer, primary_key=True))


def downgrade() -> None:
    for table in ("schema_version", "parks", "job_tables", "jobs", "api_keys"):
        op.drop_table(table)
