"""Event store, outbox, snapshots and inbox.

Revision ID: chassis_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "chassis_0001"
down_revision = None
branch_labels = ("chassis",)
depends_on = None

position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
document = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", position, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("stream_type", sa.String(64), nullable=False),
        sa.Column("stream_id", sa.String(128), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("correlation_id", sa.String(36), nullable=False),
        sa.Column("causation_id", sa.String(36), nullable=True),
        sa.Column("partition_key", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("payload", document, nullable=False),
        sa.UniqueConstraint("stream_type", "stream_id", "stream_version", name="uq_events_stream_version"),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "position",
            position,
            sa.ForeignKey("events.position", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition_key", sa.String(128), nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The outbox is a queue: rows live milliseconds. Vacuum it early so the relay's
        # scan from the lowest position does not wade through dead rows.
        op.execute(
            "ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, "
            "autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0)"
        )
    op.create_table(
        "snapshots",
        sa.Column("stream_type", sa.String(64), primary_key=True),
        sa.Column("stream_id", sa.String(128), primary_key=True),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("state", document, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("inbox", "snapshots", "outbox", "events"):
        op.drop_table(table)
