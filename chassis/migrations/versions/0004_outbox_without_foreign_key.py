"""The outbox row no longer references its event by a foreign key.

Only the append writes outbox rows, in the statement (or transaction) that writes their
events, and no event is ever deleted, so the key checked nothing that could go wrong; but
on Postgres it cost a trigger per row that looks the event up and locks it (about a fifth
of a 1,000-event append's time).

Revision ID: chassis_0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "chassis_0004"
down_revision = "chassis_0003"
branch_labels = None
depends_on = None

# SQLite's key has no name of its own: batch mode names the reflected one by this convention.
_NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("outbox_position_fkey", "outbox", type_="foreignkey")
        return
    with op.batch_alter_table("outbox", naming_convention=_NAMING, recreate="always") as batch:
        batch.drop_constraint("fk_outbox_position_events", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.create_foreign_key(
            "outbox_position_fkey", "events", ["position"], ["position"], ondelete="CASCADE"
        )
