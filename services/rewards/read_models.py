"""The rewards read models: programmes, the grant ledger, and workers' tiers as registry tells them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    false,
)

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
    Column("closes_on", Date, nullable=True),
    Column("recurring", Boolean, nullable=False, server_default=false()),
    Column("credit_support", Boolean, nullable=False, server_default=false()),
    Column("amounts_by_place", JSON, nullable=True),
    Column("eligible_enterprises", JSON, nullable=True),
    Column("exhausted_at", DateTime(timezone=True), nullable=True),
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
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoke_reason", String(2000), nullable=True),
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

# Allowances paid yearly while a tier or title is held: open while stopped_on is null.
allowances = Table(
    "rewards_allowances",
    metadata,
    Column("programme_id", String(128), primary_key=True),
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False, index=True),
    Column("held", String(64), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("stopped_on", Date, nullable=True),
    Column("stop_reason", String(2000), nullable=True),
)

# Who works where and where that is, as registry tells it: the leaderboards' scopes.
workers = Table(
    "rewards_workers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False, index=True),
)

enterprises = Table(
    "rewards_enterprises",
    metadata,
    Column("enterprise_id", String(128), primary_key=True),
    Column("region_id", String(128), nullable=False, index=True),
)

# Each enterprise's own X categories.
categories = Table(
    "rewards_categories",
    metadata,
    Column("enterprise_id", String(128), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("cap", Numeric(10, 2), nullable=True),
)

# A worker's points statement: one row per fact that earned points (or per adjustment,
# whose points may be negative), closed when they expire.
points_entries = Table(
    "rewards_points_entries",
    metadata,
    Column("source_event_id", String(36), primary_key=True),
    # Part of the key: one fact may credit several workers (a visiting team, each its line).
    Column("worker_id", String(128), primary_key=True, index=True),
    Column("category", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("points", Numeric(10, 2), nullable=False),
    Column("earned_on", Date, nullable=False),
    Column("expired_on", Date, nullable=True),
)


# The prize policy's own state (never rebuilt: a policy decides): contests ratified, and each
# placement waiting for its contest's ratification (its CompetitionScored, to pay by).
contests = Table(
    "rewards_contests",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("concluded_on", Date, nullable=True),
)
contest_places = Table(
    "rewards_contest_places",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("worker_id", String(128), primary_key=True),
    Column("scored", LargeBinary, nullable=False),
)
