"""A points entry is keyed by its fact and its worker (a team visit credits every member);
contests' places wait here for the ratification that pays their prize money.

Revision ID: rewards_0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rewards_0004"
down_revision = "rewards_0003"
branch_labels = None
depends_on = None

ENTRIES = "rewards_points_entries"
COLUMNS = "source_event_id, worker_id, category, rule, points, earned_on, expired_on"


def _entries(name: str, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("source_event_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("points", sa.Numeric(10, 2), nullable=False),
        sa.Column("earned_on", sa.Date, nullable=False),
        sa.Column("expired_on", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint(*key),
    )


def _rekey(key: tuple[str, ...]) -> None:
    """The table again with another primary key, its rows copied (both dialects alike)."""
    _entries(f"{ENTRIES}_new", key)
    op.execute(f"INSERT INTO {ENTRIES}_new ({COLUMNS}) SELECT {COLUMNS} FROM {ENTRIES}")
    op.drop_index(f"ix_{ENTRIES}_worker_id", table_name=ENTRIES)
    op.drop_table(ENTRIES)
    op.rename_table(f"{ENTRIES}_new", ENTRIES)
    op.create_index(f"ix_{ENTRIES}_worker_id", ENTRIES, ["worker_id"])


def upgrade() -> None:
    _rekey(("source_event_id", "worker_id"))
    op.create_table(
        "rewards_contests",
        sa.Column("contest_id", sa.String(128), primary_key=True),
        sa.Column("concluded_on", sa.Date, nullable=True),
    )
    op.create_table(
        "rewards_contest_places",
        sa.Column("contest_id", sa.String(128), primary_key=True),
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("scored", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rewards_contest_places")
    op.drop_table("rewards_contests")
    _rekey(("source_event_id",))
