"""The region of each enterprise (from the registry's EnterpriseRegistered), so a county union
reaches its own region's workers.

Revision ID: competitions_0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competitions_0005"
down_revision = "competitions_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competitions_enterprises",
        sa.Column("enterprise_id", sa.String(128), primary_key=True),
        sa.Column("region_id", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("competitions_enterprises")
