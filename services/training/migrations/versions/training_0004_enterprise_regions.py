"""The region of each enterprise (from the registry's EnterpriseRegistered), so a county union
reaches its own region's workers.

Revision ID: training_0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "training_0004"
down_revision = "training_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_enterprises",
        sa.Column("enterprise_id", sa.String(128), primary_key=True),
        sa.Column("region_id", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("training_enterprises")
