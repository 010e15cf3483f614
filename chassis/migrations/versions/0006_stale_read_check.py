"""The function the Postgres append calls when a stream a command read has moved on (Postgres only).

A command may decide on an aggregate its process kept from an earlier command (the aggregate
cache) without reading the stream again: the append then checks, in its own statement, that
no event followed the version the command decided on (chassis.eventstore.pg_append). Where
one did, this raises serialization_failure (40001) with the stream in its detail, so the
statement writes nothing and the caller knows which stream to read again.

Revision ID: chassis_0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "chassis_0006"
down_revision = "chassis_0005"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE FUNCTION craftsman_stale_read(stream_type text, stream_id text, version int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stream %/% was read at version % and has moved on', stream_type, stream_id, version
        USING ERRCODE = 'serialization_failure',
              DETAIL = format('Read (stream_type, stream_id, version)=(%s, %s, %s)', stream_type, stream_id, version);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION craftsman_stale_read(text, text, int)")
