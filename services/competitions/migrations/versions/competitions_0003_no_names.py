"""Known workers hold no names (personal data stays sealed in the registry), only whether
the person was forgotten.

Revision ID: competitions_0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competitions_0003"
down_revision = "competitions_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("competitions_known_workers") as table:
        table.drop_column("full_name")
        table.add_column(sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("competitions_known_workers") as table:
        table.drop_column("erased")
        table.add_column(sa.Column("full_name", sa.String(200), nullable=False, server_default=""))
