"""The ladder replaces the walking-skeleton seed rule: points per worker instead of seed progress.

Revision ID: registry_0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("registry_seed_progress")
    op.create_table(
        "registry_worker_points",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("points", sa.Numeric(10, 2), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registry_worker_points")
    op.create_table(
        "registry_seed_progress",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("nominated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("trained", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("scored", sa.Boolean, nullable=False, server_default=sa.false()),
    )
