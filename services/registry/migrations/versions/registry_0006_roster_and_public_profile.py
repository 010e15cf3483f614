"""The roster shows points; the public profile leaves out forgotten workers and leavers.

Revision ID: registry_0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "registry_0006"
down_revision = "registry_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_worker_profiles") as table:
        table.add_column(sa.Column("points", sa.Numeric(10, 2), nullable=False, server_default="0"))
        table.add_column(sa.Column("forgotten_on", sa.Date, nullable=True))
        table.add_column(sa.Column("left_on", sa.Date, nullable=True))
    op.create_index(
        "ix_registry_profile_story_worker_type", "registry_profile_story", ["worker_id", "event_type"]
    )


def downgrade() -> None:
    op.drop_index("ix_registry_profile_story_worker_type", "registry_profile_story")
    with op.batch_alter_table("registry_worker_profiles") as table:
        table.drop_column("left_on")
        table.drop_column("forgotten_on")
        table.drop_column("points")
