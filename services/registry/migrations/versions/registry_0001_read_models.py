"""Registry read models: worker profiles, their story, enterprises, seed progress.

Revision ID: registry_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = "chassis_0001"


def upgrade() -> None:
    op.create_table(
        "registry_worker_profiles",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=True, index=True),
        sa.Column("full_name", sa.String(200), nullable=True),
        sa.Column("trade", sa.String(200), nullable=True),
        sa.Column("skill_level", sa.String(32), nullable=True),
        sa.Column("tier", sa.String(16), nullable=False, server_default="none"),
        sa.Column("tier_label", sa.String(200), nullable=True),
        sa.Column("nominations", sa.Integer, nullable=False, server_default="0"),
        sa.Column("trainings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("training_hours", sa.Float, nullable=False, server_default="0"),
        sa.Column("best_raw_score", sa.Float, nullable=True),
        sa.Column("best_standardised_score", sa.Integer, nullable=True),
        sa.Column("grants", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rewards_total", sa.Numeric(14, 2), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "registry_profile_story",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
    )
    op.create_table(
        "registry_enterprises",
        sa.Column("enterprise_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_id", sa.String(128), nullable=False),
        sa.Column("industry", sa.String(200), nullable=False),
    )
    op.create_table(
        "registry_seed_progress",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("nominated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("trained", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("scored", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for table in (
        "registry_seed_progress",
        "registry_enterprises",
        "registry_profile_story",
        "registry_worker_profiles",
    ):
        op.drop_table(table)
