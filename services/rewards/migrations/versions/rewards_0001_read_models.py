"""Rewards read models: programmes, the grant ledger, workers' tiers.

Revision ID: rewards_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rewards_0001"
down_revision = None
branch_labels = ("rewards",)
depends_on = "chassis_0001"


def upgrade() -> None:
    op.create_table(
        "rewards_programmes",
        sa.Column("programme_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sponsor_id", sa.String(128), nullable=False, index=True),
        sa.Column("trigger", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("budget", sa.Numeric(14, 2), nullable=False),
        sa.Column("grant_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
    )
    op.create_table(
        "rewards_grants",
        sa.Column("grant_id", sa.String(128), primary_key=True),
        sa.Column("programme_id", sa.String(128), nullable=False, index=True),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rewards_worker_tiers",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("tier_label", sa.String(200), nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("rewards_worker_tiers", "rewards_grants", "rewards_programmes"):
        op.drop_table(table)
