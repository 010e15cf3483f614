"""The competitions read models: the workers it knows, contests, and their leaderboards."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, MetaData, String, Table

metadata = MetaData()

# Projected from the registry's WorkerRegistered: who may be scored, and for which enterprise.
known_workers = Table(
    "competitions_known_workers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("erased", Boolean, nullable=False, default=False),  # WorkerForgotten: no person to show
    Column("trade", String(200), nullable=True),  # entrants must work in the contest's occupation
)

# Projected from the registry's EnterpriseRegistered: the region of a worker's enterprise, so a
# county union reaches its own region's workers (chassis.tenancy).
enterprises = Table(
    "competitions_enterprises",
    metadata,
    Column("enterprise_id", String(128), primary_key=True),
    Column("region_id", String(128), nullable=False),
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
    Column("organiser_id", String(128), nullable=True),
    Column("organiser_kind", String(16), nullable=False, default="region"),
    Column("team_entry", Boolean, nullable=False, default=False),
    Column("theory_weight", Float, nullable=False, default=0.0),
    Column("phase", String(32), nullable=False, default="draft"),
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
    Column("prize", String(16), nullable=True),
    Column("prize_money", String(32), nullable=True),  # yuan as the event spells it ("5000.00")
)

# The locked marking scheme, one row per aspect: what the provisional leaderboard totals over.
aspects = Table(
    "competitions_aspects",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("aspect_id", String(128), primary_key=True),
    Column("definition", JSON, nullable=False),  # the Aspect as the event carries it
)

entrants = Table(
    "competitions_entrants",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("entrant_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("worker_ids", JSON, nullable=False),
    Column("withdrawn", Boolean, nullable=False, default=False),
)

judges = Table(
    "competitions_judges",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("judge_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=True),
    Column("aspect_ids", JSON, nullable=False),
)

# Every judge's score (the live board and judges' workloads); a resolution overwrites scores.
marks = Table(
    "competitions_marks",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("entrant_id", String(128), primary_key=True),
    Column("aspect_id", String(128), primary_key=True),
    Column("judge_id", String(128), primary_key=True),
    Column("score", Float, nullable=False),
)

discrepancies = Table(
    "competitions_discrepancies",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("entrant_id", String(128), primary_key=True),
    Column("aspect_id", String(128), primary_key=True),
    Column("scores", JSON, nullable=False),
    Column("open", Boolean, nullable=False),
)

entitlements = Table(
    "competitions_entitlements",
    metadata,
    Column("contest_id", String(128), primary_key=True),
    Column("worker_id", String(128), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("levels_up", Integer, nullable=False),
    Column("cap", String(32), nullable=True),
)
