"""Programme terms, revocations, allowances, the leaderboards' scopes, enterprises' categories.

Revision ID: rewards_0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rewards_0003"
down_revision = "rewards_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rewards_programmes") as table:
        table.add_column(sa.Column("closes_on", sa.Date, nullable=True))
        table.add_column(sa.Column("recurring", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("credit_support", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("amounts_by_place", sa.JSON, nullable=True))
        table.add_column(sa.Column("eligible_enterprises", sa.JSON, nullable=True))
        table.add_column(sa.Column("exhausted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("rewards_grants") as table:
        table.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("revoke_reason", sa.String(2000), nullable=True))
    op.create_table(
        "rewards_allowances",
        sa.Column("programme_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("held", sa.String(64), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("stopped_on", sa.Date, nullable=True),
        sa.Column("stop_reason", sa.String(2000), nullable=True),
    )
    op.create_table(
        "rewards_workers",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
    )
    op.create_table(
        "rewards_enterprises",
        sa.Column("enterprise_id", sa.String(128), primary_key=True),
        sa.Column("region_id", sa.String(128), nullable=False, index=True),
    )
    op.create_table(
        "rewards_categories",
        sa.Column("enterprise_id", sa.String(128), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("cap", sa.Numeric(10, 2), nullable=True),
    )


def downgrade() -> None:
    for name in ("rewards_categories", "rewards_enterprises", "rewards_workers", "rewards_allowances"):
        op.drop_table(name)
    with op.batch_alter_table("rewards_grants") as table:
        table.drop_column("revoke_reason")
        table.drop_column("revoked_at")
    with op.batch_alter_table("rewards_programmes") as table:
        for column in (
            "exhausted_at",
            "eligible_enterprises",
            "amounts_by_place",
            "credit_support",
            "recurring",
            "closes_on",
        ):
            table.drop_column(column)
