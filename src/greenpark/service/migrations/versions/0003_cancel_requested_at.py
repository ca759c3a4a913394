"""jobs.cancel_requested_at: when a cancel was asked (the worker gets a grace period to stop HiGHS).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenpark.service.migrations import has_column

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if has_column("jobs", "cancel_requested_at"):  # a store from before Alembic, left by a version that had it
        return
    op.add_column("jobs", sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("cancel_requested_at")
