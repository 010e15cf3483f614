"""Training read models: known workers and learning records.

Revision ID: training_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "training_0001"
down_revision = None
branch_labels = ("training",)
depends_on = "chassis_0001"


def upgrade() -> None:
    op.create_table(
        "training_known_workers",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("skill_level", sa.String(32), nullable=False),
    )
    op.create_table(
        "training_learning_records",
        sa.Column("enrolment_id", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("course_title", sa.String(200), nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("training_learning_records")
    op.drop_table("training_known_workers")
