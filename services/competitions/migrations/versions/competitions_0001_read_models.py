"""Competitions read models: known workers, contests and their results.

Revision ID: competitions_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competitions_0001"
down_revision = None
branch_labels = ("competitions",)
depends_on = "chassis_0001"


def upgrade() -> None:
    op.create_table(
        "competitions_known_workers",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
    )
    op.create_table(
        "competitions_contests",
        sa.Column("contest_id", sa.String(128), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("trade", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("region_id", sa.String(128), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("concluded_on", sa.Date, nullable=True),
    )
    op.create_table(
        "competitions_results",
        sa.Column("contest_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False),
        sa.Column("raw_score", sa.Float, nullable=False),
        sa.Column("standardised_score", sa.Integer, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("medal", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
    )


def downgrade() -> None:
    for table in ("competitions_results", "competitions_contests", "competitions_known_workers"):
        op.drop_table(table)
