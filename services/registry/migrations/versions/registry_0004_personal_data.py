"""Personal data sealed with a key per worker (crypto-shredding).

Revision ID: registry_0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "registry_0004"
down_revision = "registry_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_personal_keys",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("key", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "registry_personal_data",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("forgotten_on", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("registry_personal_data")
    op.drop_table("registry_personal_keys")
