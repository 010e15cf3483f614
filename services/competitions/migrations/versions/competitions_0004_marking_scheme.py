"""The real marking scheme: contests' organiser, team flag and phase; workers' trade; the
scheme's aspects, entrants, judges, per-aspect marks, discrepancies, prizes and entitlements.

Revision ID: competitions_0004
Revises: competitions_0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competitions_0004"
down_revision = "competitions_0003"
branch_labels = None
depends_on = None

KEY = sa.String(128)


def upgrade() -> None:
    with op.batch_alter_table("competitions_known_workers") as table:
        table.add_column(sa.Column("trade", sa.String(200), nullable=True))
    with op.batch_alter_table("competitions_contests") as table:
        table.add_column(sa.Column("organiser_id", KEY, nullable=True))
        table.add_column(sa.Column("organiser_kind", sa.String(16), nullable=False, server_default="region"))
        table.add_column(sa.Column("team_entry", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("theory_weight", sa.Float, nullable=False, server_default="0"))
        table.add_column(sa.Column("phase", sa.String(32), nullable=False, server_default="draft"))
    with op.batch_alter_table("competitions_results") as table:
        table.add_column(sa.Column("prize", sa.String(16), nullable=True))
        table.add_column(sa.Column("prize_money", sa.String(32), nullable=True))
    op.create_table(
        "competitions_aspects",
        sa.Column("contest_id", KEY, primary_key=True),
        sa.Column("aspect_id", KEY, primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
    )
    op.create_table(
        "competitions_entrants",
        sa.Column("contest_id", KEY, primary_key=True),
        sa.Column("entrant_id", KEY, primary_key=True),
        sa.Column("enterprise_id", KEY, nullable=False),
        sa.Column("worker_ids", sa.JSON, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
    )
    op.create_table(
        "competitions_judges",
        sa.Column("contest_id", KEY, primary_key=True),
        sa.Column("judge_id", KEY, primary_key=True),
        sa.Column("enterprise_id", KEY, nullable=True),
        sa.Column("aspect_ids", sa.JSON, nullable=False),
    )
    op.create_table(
        "competitions_marks",
        sa.Column("contest_id", KEY, primary_key=True),
        sa.Column("entrant_id", KEY, primary_key=True),
        sa.Column("aspect_id", KEY, primary_key=True),
        sa.Column("judge_id", KEY, primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_table(
        "competitions_discrepancies",
        sa.Column("contest_id", KEY, primary_key=True),
        sa.Column("entrant_id", KEY, primary_key=True),
        sa.Column("aspect_id", KEY, primary_key=True),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
    )
    op.create_table(
        "competitions_entitlements",
        sa.Column("contest_id", KEY, primary_key=True),
        sa.Column("worker_id", KEY, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("levels_up", sa.Integer, nullable=False),
        sa.Column("cap", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    for name in (
        "competitions_entitlements",
        "competitions_discrepancies",
        "competitions_marks",
        "competitions_judges",
        "competitions_entrants",
        "competitions_aspects",
    ):
        op.drop_table(name)
    with op.batch_alter_table("competitions_results") as table:
        for column in ("prize_money", "prize"):
            table.drop_column(column)
    with op.batch_alter_table("competitions_contests") as table:
        for column in ("phase", "theory_weight", "team_entry", "organiser_kind", "organiser_id"):
            table.drop_column(column)
    with op.batch_alter_table("competitions_known_workers") as table:
        table.drop_column("trade")
