"""Alembic keeps the store's version (alembic_version): the service's own schema_version is dropped.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenpark.service.migrations import has_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if has_table("schema_version"):
        op.drop_table("schema_version")


def downgrade() -> None:
    op.create_table("schema_version", sa.Column("version", sa.Integer, primary_key=True))
    op.execute("INSERT INTO schema_version (version) VALUES (2)")
