"""Points statement entries.

Revision ID: rewards_0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rewards_0002"
down_revision = "rewards_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rewards_points_entries",
        sa.Column("source_event_id", sa.String(36), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("points", sa.Numeric(10, 2), nullable=False),
        sa.Column("earned_on", sa.Date, nullable=False),
        sa.Column("expired_on", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rewards_points_entries")
