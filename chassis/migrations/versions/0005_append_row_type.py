"""The composite type of one event's input row to the Postgres append (Postgres only).

The append sent its rows as seventeen parallel arrays. asyncpg checks every element of an
array for being a nested array, with `isinstance` against abstract base classes: about 29
such checks per event, half of a 1,000-event append's Python time. An array of these rows
is one array (two checks per event); Postgres reads each row in binary, as it read the
arrays. The attributes follow `chassis.eventstore.pg_append._COLUMNS`, in its order.

Revision ID: chassis_0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "chassis_0005"
down_revision = "chassis_0004"
branch_labels = None
depends_on = None

ATTRIBUTES = (
    "event_id text, stream_type text, stream_id text, stream_version int, expected int, "
    "event_type text, schema_version int, occurred_at timestamptz, producer text, tenant text, "
    "correlation_id text, causation_id text, partition_key text, topic text, payload text, "
    "headers text, body bytea"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE TYPE event_append_row AS ({ATTRIBUTES})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE event_append_row")
