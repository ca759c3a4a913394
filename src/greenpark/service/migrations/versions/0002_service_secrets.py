"""service_secrets: values shared by every replica of a store (the page-link secret, later the heartbeat).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenpark.service.migrations import has_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if has_table("service_secrets"):  # a store from before Alembic, left by a version that had it
        return
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_secrets")
