"""The rewards read models: programmes, the grant ledger, and workers' tiers as registry tells them."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, MetaData, Numeric, String, Table

metadata = MetaData()

programmes = Table(
    "rewards_programmes",
    metadata,
    Column("programme_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sponsor_id", String(128), nullable=False, index=True),
    Column("trigger", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("budget", Numeric(14, 2), nullable=False),
    Column("grant_amount", Numeric(14, 2), nullable=False),
    Column("opened_on", Date, nullable=False),
)

# One row per grant, keyed by the grant id (a replay rewrites, never adds). Totals per
# programme are summed from here, so a grant consumed before its programme's opening
# (they travel on different partitions) still counts.
grants = Table(
    "rewards_grants",
    metadata,
    Column("grant_id", String(128), primary_key=True),
    Column("programme_id", String(128), nullable=False, index=True),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("enterprise_id", String(128), nullable=False, index=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", String(2000), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

worker_tiers = Table(
    "rewards_worker_tiers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False, index=True),
    Column("tier", String(16), nullable=False),
    Column("tier_label", String(200), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("promoted_at", DateTime(timezone=True), nullable=False),
)

# A worker's points statement: one row per fact that earned points, closed when they expire.
points_entries = Table(
    "rewards_points_entries",
    metadata,
    Column("source_event_id", String(36), primary_key=True),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("category", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("points", Numeric(10, 2), nullable=False),
    Column("earned_on", Date, nullable=False),
    Column("expired_on", Date, nullable=True),
)
