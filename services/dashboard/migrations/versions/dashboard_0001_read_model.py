"""Dashboard read model: regions, enterprises, workers, titles, contests, results, points,
programmes, grants and the workers' timelines.

Revision ID: dashboard_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dashboard_0001"
down_revision = None
branch_labels = ("dashboard",)
depends_on = "chassis_0001"


def upgrade() -> None:
    op.create_table(
        "dash_regions",
        sa.Column("region_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(128), nullable=True),
    )
    op.create_table(
        "dash_enterprises",
        sa.Column("enterprise_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_id", sa.String(128), nullable=False, index=True),
        sa.Column("industry", sa.String(200), nullable=False),
    )
    op.create_table(
        "dash_workers",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False),
        sa.Column("trade", sa.String(200), nullable=False),
        sa.Column("skill_level", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("tier_year", sa.Integer, nullable=True),
        sa.Column("registered_year", sa.Integer, nullable=False),
        sa.Column("erased", sa.Boolean, nullable=False),
        sa.Column("has_left", sa.Boolean, nullable=False),
        sa.Index("ix_dash_workers_tier", "tier", "has_left", "tier_year"),
        sa.Index(
            "ix_dash_workers_enterprise", "enterprise_id", "tier", "has_left", "tier_year", "registered_year"
        ),
    )
    op.create_table(
        "dash_titles",
        sa.Column("title_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False, index=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("title_name", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "dash_contests",
        sa.Column("contest_id", sa.String(128), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("trade", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("region_id", sa.String(128), nullable=False),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("concluded", sa.Boolean, nullable=False),
    )
    op.create_table(
        "dash_results",
        sa.Column("contest_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", sa.String(128), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("standardised_score", sa.Numeric(8, 2), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("medal", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Index("ix_dash_results_contest_rank", "contest_id", "rank"),
    )
    op.create_table(
        "dash_points",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("points", sa.Numeric(10, 2), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Index("ix_dash_points_year_worker", "year", "worker_id"),
        sa.Index("ix_dash_points_worker", "worker_id"),
    )
    op.create_table(
        "dash_programmes",
        sa.Column("programme_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sponsor_id", sa.String(128), nullable=False),
        sa.Column("budget", sa.Numeric(14, 2), nullable=False),
        sa.Column("grant_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
    )
    op.create_table(
        "dash_grants",
        sa.Column("grant_id", sa.String(128), primary_key=True),
        sa.Column("programme_id", sa.String(128), nullable=False, index=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("enterprise_id", sa.String(128), nullable=False, index=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "dash_timeline",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("summary", sa.String(400), nullable=False),
        sa.Index("ix_dash_timeline_worker_day", "worker_id", "occurred_on"),
    )


def downgrade() -> None:
    for table in (
        "dash_timeline",
        "dash_grants",
        "dash_programmes",
        "dash_points",
        "dash_results",
        "dash_contests",
        "dash_titles",
        "dash_workers",
        "dash_enterprises",
        "dash_regions",
    ):
        op.drop_table(table)
