"""Composite types of the rows the Postgres append and the inbox claim send (Postgres only).

Both statements took their rows as parallel arrays, one per column. asyncpg checks every
element of an array for being a nested array, with `isinstance` against abstract base
classes: about 29 such checks per event for the append's seventeen arrays, half of a
1,000-event append's Python time, and six per event for the claim's four. An array of
rows is one array (two checks per row); Postgres reads each row in binary, as it read the
arrays. The attributes follow `chassis.eventstore.pg_append.INPUT_COLUMNS` and
`chassis.inbox.CLAIM_COLUMNS`, in their order.

Revision ID: chassis_0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "chassis_0005"
down_revision = "chassis_0004"
branch_labels = None
depends_on = None

TYPES = {
    "event_append_row": (
        "event_id text, stream_type text, stream_id text, stream_version int, expected int, "
        "event_type text, schema_version int, occurred_at timestamptz, producer text, tenant text, "
        "correlation_id text, causation_id text, partition_key text, topic text, payload text, "
        "headers text, body bytea"
    ),
    "inbox_claim_row": "event_id text, topic text, partition int, position bigint",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, attributes in TYPES.items():
            op.execute(f"CREATE TYPE {name} AS ({attributes})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TYPES:
            op.execute(f"DROP TYPE {name}")
