"""Snapshots record the shape (snapshot version) of their state.

Revision ID: chassis_0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "chassis_0002"
down_revision = "chassis_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as table:
        table.add_column(sa.Column("snapshot_version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as table:
        table.drop_column("snapshot_version")
