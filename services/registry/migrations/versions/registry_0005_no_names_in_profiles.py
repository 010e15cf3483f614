"""Profiles hold no names: the name is read from the sealed personal data (the vault).

Revision ID: registry_0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "registry_0005"
down_revision = "registry_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_worker_profiles") as table:
        table.drop_column("full_name")


def downgrade() -> None:
    with op.batch_alter_table("registry_worker_profiles") as table:
        table.add_column(sa.Column("full_name", sa.String(200), nullable=True))
