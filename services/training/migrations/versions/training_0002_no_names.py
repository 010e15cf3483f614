"""Known workers hold no names (personal data stays sealed in the registry), only whether
the person was forgotten.

Revision ID: training_0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "training_0002"
down_revision = "training_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_known_workers") as table:
        table.drop_column("full_name")
        table.add_column(sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("training_known_workers") as table:
        table.drop_column("erased")
        table.add_column(sa.Column("full_name", sa.String(200), nullable=False, server_default=""))
