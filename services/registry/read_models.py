"""The registry's read models: worker profiles with their story, and the policy's progress."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
)

metadata = MetaData()

worker_profiles = Table(
    "registry_worker_profiles",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=True, index=True),
    Column("trade", String(200), nullable=True),
    Column("skill_level", String(32), nullable=True),
    Column("tier", String(16), nullable=False, default="none"),
    Column("tier_label", String(200), nullable=True),
    Column("nominations", Integer, nullable=False, default=0),
    Column("trainings", Integer, nullable=False, default=0),
    Column("training_hours", Float, nullable=False, default=0.0),
    Column("best_raw_score", Float, nullable=True),
    Column("best_standardised_score", Integer, nullable=True),
    Column("grants", Integer, nullable=False, default=0),
    Column("rewards_total", Numeric(14, 2), nullable=False, default=0),
    Column("points", Numeric(10, 2), nullable=False, default=0, server_default="0"),  # the 4+X total
    Column("forgotten_on", Date, nullable=True),
    Column("left_on", Date, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=True),
)

# One row per fact in a worker's story, keyed by the event id (a replay rewrites, never adds).
profile_story = Table(
    "registry_profile_story",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("event_type", String(128), nullable=False),
    Column("producer", String(64), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("facts", JSON, nullable=False),
    Index("ix_registry_profile_story_worker_type", "worker_id", "event_type"),
)

enterprises = Table(
    "registry_enterprises",
    metadata,
    Column("enterprise_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region_id", String(128), nullable=False),
    Column("industry", String(200), nullable=False),
)

# The 4+X total the ladder's floors look at, kept by the ladder policy's own consumer so
# that it reads what it wrote in the same transaction.
worker_points = Table(
    "registry_worker_points",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("points", Numeric(10, 2), nullable=False),
)

# Who held which tier or title from when until when: as-of queries and the talent pyramid
# both read it. A row opens with a promotion or conferral and closes with the next
# promotion, an expiry or a revocation; its key derives from the event that opened it.
tenures = Table(
    "registry_tenures",
    metadata,
    Column("tenure_id", String(160), primary_key=True),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("enterprise_id", String(128), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # "tier" or "title"
    Column("level", String(32), nullable=False),
    Column("since", Date, nullable=False),
    Column("until", Date, nullable=True),
)

regions = Table(
    "registry_regions",
    metadata,
    Column("region_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", String(128), nullable=True, index=True),
)

# Personal data, out of the events: sealed with a key per worker. Forgetting a worker
# deletes the key (crypto-shredding); the sealed bytes stay and can no longer be read.
personal_keys = Table(
    "registry_personal_keys",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("key", LargeBinary, nullable=False),
)

personal_data = Table(
    "registry_personal_data",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("forgotten_on", Date, nullable=True),
)

PROFILE_TABLES = (worker_profiles, profile_story, enterprises)
