"""The dashboard's read model: what union officials look at, projected from every public topic.

Each fact keeps the year it happened in (its own date where the event has one, else the day
it occurred), so every view filters by year with an index; a worker's region is its
enterprise's, joined at query time (the two facts travel on different keys and may arrive in
either order).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

regions = Table(
    "dash_regions",
    metadata,
    Column("region_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", String(128), nullable=True),
)

enterprises = Table(
    "dash_enterprises",
    metadata,
    Column("enterprise_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region_id", String(128), nullable=False, index=True),
    Column("industry", String(200), nullable=False),
)

workers = Table(
    "dash_workers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("trade", String(200), nullable=False),
    Column("skill_level", String(32), nullable=False),
    Column("tier", String(16), nullable=False, default="none"),  # TierRank held now
    Column("tier_year", Integer, nullable=True),  # the year the held tier was reached
    Column("registered_year", Integer, nullable=False),
    Column("erased", Boolean, nullable=False, default=False),
    Column("has_left", Boolean, nullable=False, default=False),
    # Covering the pyramid and the counts: per tier (the whole city), or per enterprise (a region).
    Index("ix_dash_workers_tier", "tier", "has_left", "tier_year"),
    Index("ix_dash_workers_enterprise", "enterprise_id", "tier", "has_left", "tier_year", "registered_year"),
)

titles = Table(
    "dash_titles",
    metadata,
    Column("title_id", String(128), primary_key=True),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("enterprise_id", String(128), nullable=False, index=True),
    Column("level", String(32), nullable=False),
    Column("title_name", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

contests = Table(
    "dash_contests",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("trade", String(200), nullable=False),
    Column("level", String(16), nullable=False),
    Column("region_id", String(128), nullable=False),
    Column("year", Integer, nullable=False, index=True),
    Column("concluded", Boolean, nullable=False, default=False),
)

results = Table(
    "dash_results",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("level", String(16), nullable=False),
    Column("standardised_score", Numeric(8, 2), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("medal", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Index("ix_dash_results_contest_rank", "contest_id", "rank"),
)

points = Table(  # a ledger: awards positive, expiries negative, adjustments either way
    "dash_points",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("worker_id", String(128), nullable=False),
    Column("category", String(64), nullable=False),
    Column("points", Numeric(10, 2), nullable=False),
    Column("year", Integer, nullable=False),
    Index("ix_dash_points_year_worker", "year", "worker_id"),
    Index("ix_dash_points_worker", "worker_id"),
)

programmes = Table(
    "dash_programmes",
    metadata,
    Column("programme_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sponsor_id", String(128), nullable=False),
    Column("budget", Numeric(14, 2), nullable=False),
    Column("grant_amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("year", Integer, nullable=False),
)

grants = Table(
    "dash_grants",
    metadata,
    Column("grant_id", String(128), primary_key=True),
    Column("programme_id", String(128), nullable=False, index=True),
    Column("worker_id", String(128), nullable=False),
    Column("enterprise_id", String(128), nullable=False, index=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("year", Integer, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

timeline = Table(  # every fact about a worker, for the profile's timeline
    "dash_timeline",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("worker_id", String(128), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("summary", String(400), nullable=False),
    Index("ix_dash_timeline_worker_day", "worker_id", "occurred_on"),
)
