"""Tables of the chassis: the event log, its outbox, snapshots and the consumers' inbox.

Every service database has these tables (Alembic migrations in chassis/migrations).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# BIGINT on Postgres, INTEGER on SQLite so that it is the rowid alias and autoincrements.
Position = BigInteger().with_variant(Integer(), "sqlite")
Document = JSON().with_variant(JSONB(), "postgresql")

# Names of the keys whose violation means something: a command applied before, a racing
# writer. EVENT_ID_KEY is the name Postgres gives the column's UNIQUE (see chassis.dberrors).
EVENT_ID_KEY = "events_event_id_key"
STREAM_VERSION_KEY = "uq_events_stream_version"

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_type", String(64), nullable=False),
    Column("stream_id", String(128), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("producer", String(64), nullable=False),
    Column("tenant", String(128), nullable=False),
    Column("correlation_id", String(36), nullable=False),
    Column("causation_id", String(36), nullable=True),
    Column("partition_key", String(128), nullable=False),
    Column("topic", String(255), nullable=False),
    Column("payload", Document, nullable=False),
    UniqueConstraint("stream_type", "stream_id", "stream_version", name=STREAM_VERSION_KEY),
)

# The transactional outbox: a row per stored event that is not yet on Kafka, holding the
# record exactly as it will be sent. It is written in the appending transaction and
# deleted by the relay after the broker acknowledged; a transaction that commits late
# simply shows up here late.
outbox = Table(
    "outbox",
    metadata,
    # No foreign key to events: only the append writes here, with the events (migration 0004).
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("topic", String(255), nullable=False),
    Column("partition_key", String(128), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("stream_type", String(64), primary_key=True),
    Column("stream_id", String(128), primary_key=True),
    Column("stream_version", Integer, nullable=False),
    Column("snapshot_version", Integer, nullable=False, server_default="1"),
    Column("state", Document, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(128), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("topic", String(255), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

# The answer of every command that came with an Idempotency-Key, written in the command's
# own transaction: a repeat replays it, whatever the number of events, and a key reused for
# another request (another fingerprint) is refused (chassis/idempotency.py).
idempotency = Table(
    "idempotency",
    metadata,
    Column("key", String(36), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
