"""Leaderboard rows from the mark on: standardised score, rank and medal wait for the conclusion.

Revision ID: competitions_0002
Revises: competitions_0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competitions_0002"
down_revision = "competitions_0001"
branch_labels = None
depends_on = None

PUBLISHED_LATER = (
    ("standardised_score", sa.Integer()),
    ("rank", sa.Integer()),
    ("medal", sa.String(16)),
)


def upgrade() -> None:
    with op.batch_alter_table("competitions_results") as table:
        for name, kind in PUBLISHED_LATER:
            table.alter_column(name, existing_type=kind, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM competitions_results WHERE standardised_score IS NULL")
    with op.batch_alter_table("competitions_results") as table:
        for name, kind in PUBLISHED_LATER:
            table.alter_column(name, existing_type=kind, nullable=False)
