"""job_tables.parquet: result tables stored typed (rows stored before keep their CSV text and are still read).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenpark.service.migrations import has_column

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if has_column("job_tables", "parquet"):  # a store from before Alembic, left by a version that had it
        return
    op.add_column("job_tables", sa.Column("parquet", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_tables") as batch:
        batch.drop_column("parquet")
