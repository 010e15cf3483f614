"""The training service's read models: the workers it knows (with what the rules need of them),
learning records, rosters, certificates, mentoring, innovation counters and visits."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

# Projected from the registry's WorkerRegistered: who may complete a course here.
known_workers = Table(
    "training_known_workers",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("enterprise_id", String(128), nullable=False),
    Column("erased", Boolean, nullable=False, default=False),  # WorkerForgotten: no person to show
    Column("skill_level", String(32), nullable=False),
    # From SkillLevelCertified: since when the worker holds `skill_level` (None: not known).
    Column("level_since", Date, nullable=True),
    # From TierPromoted / TierExpired / TierRevoked: a master needs at least the craftsman tier.
    Column("tier", String(16), nullable=False, default="none"),
    # From TitleConferred / TitleRevoked / TitleExpired: city-level titles held (names a studio).
    Column("city_titles", Integer, nullable=False, default=0),
)

# Projected from the registry's EnterpriseRegistered: the region of a worker's enterprise, so a
# county union reaches its own region's workers (chassis.tenancy).
enterprises = Table(
    "training_enterprises",
    metadata,
    Column("enterprise_id", String(128), primary_key=True),
    Column("region_id", String(128), nullable=False),
)

# One row per completed enrolment, projected from training's own TrainingCompleted.
learning_records = Table(
    "training_learning_records",
    metadata,
    Column("enrolment_id", String(128), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("course_id", String(128), nullable=False),
    Column("course_title", String(200), nullable=False),
    Column("hours", Float, nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("provider", String(200), nullable=False),
    Column("class_id", String(128), nullable=True),
    Column("score", Float, nullable=True),
)

# Schools and courses, for rosters and fill rates per school and major.
schools = Table(
    "training_schools",
    metadata,
    Column("school_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("region_id", String(128), nullable=False),
    Column("enterprise_id", String(128), nullable=True),
)

courses = Table(
    "training_courses",
    metadata,
    Column("course_id", String(128), primary_key=True),
    Column("school_id", String(128), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("major", String(200), nullable=False),
    Column("target_level", String(32), nullable=False),
    Column("capacity", Integer, nullable=False),
)

classes = Table(
    "training_classes",
    metadata,
    Column("class_id", String(128), primary_key=True),
    Column("course_id", String(128), nullable=False, index=True),
    Column("school_id", String(128), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("session_count", Integer, nullable=False),
)

# One row per enrolment: the roster of a class, and the attempts in a worker's record.
rosters = Table(
    "training_rosters",
    metadata,
    Column("enrolment_id", String(128), primary_key=True),
    Column("class_id", String(128), nullable=False, index=True),
    Column("course_id", String(128), nullable=False),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("enrolled_on", Date, nullable=False),
    Column("sessions_attended", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # enrolled, completed, failed
    Column("score", Float, nullable=True),
    Column("event_id", String(36), nullable=False),  # the TrainingEnrolled, for xAPI ids
)

attendances = Table(
    "training_attendances",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("enrolment_id", String(128), nullable=False),
    Column("class_id", String(128), nullable=False),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("session_no", Integer, nullable=False),
    Column("attended_on", Date, nullable=False),
)

failures = Table(
    "training_failures",
    metadata,
    Column("enrolment_id", String(128), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("course_id", String(128), nullable=False),
    Column("class_id", String(128), nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("score", Float, nullable=False),
)

certificates = Table(
    "training_certificates",
    metadata,
    Column("certificate_id", String(128), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("worker_id", String(128), nullable=False, index=True),
    Column("occupation", String(200), nullable=False),
    Column("skill_level", String(32), nullable=False),
    Column("issuer_id", String(128), nullable=False),
    Column("issuer_kind", String(32), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("revoked_on", Date, nullable=True),
    Column("revocation_reason", String(2000), nullable=True),
)

mentorships = Table(
    "training_mentorships",
    metadata,
    Column("mentorship_id", String(128), primary_key=True),
    Column("master_id", String(128), nullable=False, index=True),
    Column("apprentice_id", String(128), nullable=False),
    Column("enterprise_id", String(128), nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_on", Date, nullable=True),
    Column("ended_on", Date, nullable=True),
)

apprentice_outcomes = Table(
    "training_apprentice_outcomes",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("mentorship_id", String(128), nullable=False),
    Column("master_id", String(128), nullable=False, index=True),
    Column("apprentice_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("skill_level", String(32), nullable=True),
    Column("honour", String(200), nullable=True),
    Column("advanced_on", Date, nullable=False),
)

# One row per achievement; counters by year, region and kind are sums over it.
achievements = Table(
    "training_achievements",
    metadata,
    Column("achievement_id", String(128), primary_key=True),
    Column("worker_id", String(128), nullable=False),
    Column("region_id", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("economic_benefit", Numeric(16, 2), nullable=True),
)

visits = Table(
    "training_visits",
    metadata,
    Column("visit_id", String(128), primary_key=True),
    Column("worker_id", String(128), nullable=False),
    Column("host_enterprise_id", String(128), nullable=False, index=True),
    Column("delivered_on", Date, nullable=False),
    Column("services", String(200), nullable=False),  # comma-separated
    Column("workers_reached", Integer, nullable=False),
    Column("problems_solved", Integer, nullable=False),
)

ACTIVITY_TABLES = (
    learning_records,
    schools,
    courses,
    classes,
    rosters,
    attendances,
    failures,
    certificates,
    mentorships,
    apprentice_outcomes,
    achievements,
    visits,
)
"""What the projection of training's own events writes (one read model, rebuilt as one)."""
