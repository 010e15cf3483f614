"""The competitions read models: the workers it knows, contests, and their leaderboards."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Integer, MetaData, String, Table

metadata = MetaData()

# Projected from the registry's WorkerRegistered: who may be scored, and for which enterprise.
known_workers = Table(
    "competitions_known_workers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("erased", Boolean, nullable=False, default=False),  # WorkerForgotten: no person to show
)

contests = Table(
    "competitions_contests",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("trade", String(200), nullable=False),
    Column("level", String(16), nullable=False),
    Column("region_id", String(128), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("concluded_on", Date, nullable=True),
)

# One row per marked entrant: the leaderboard of each contest. The raw score shows as soon as
# the mark is recorded; the standardised score, rank and medal once the contest concludes.
results = Table(
    "competitions_results",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("raw_score", Float, nullable=False),
    Column("standardised_score", Integer, nullable=True),
    Column("rank", Integer, nullable=True),
    Column("medal", String(16), nullable=True),
    Column("event_id", String(36), nullable=False),
)
