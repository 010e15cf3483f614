"""Tenures (who held which tier or title when) and the region tree.

Revision ID: registry_0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "registry_0003"
down_revision = "registry_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_tenures",
        sa.Column("tenure_id", sa.String(160), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("until", sa.Date, nullable=True),
    )
    op.create_table(
        "registry_regions",
        sa.Column("region_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(128), nullable=True, index=True),
    )


def downgrade() -> None:
    op.drop_table("registry_regions")
    op.drop_table("registry_tenures")
