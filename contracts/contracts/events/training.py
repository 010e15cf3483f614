"""Events of the training service: the academy and schools, courses and classes, certificates,
mentoring (帮带), innovation studios and achievements, skills-into-enterprises visits (送技入企).

The vocabularies only training speaks are declared here, so a reader that copies this module
takes them along.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from contracts.events.base import Event
from contracts.primitives import Count, Hours, Identifier, Money, Name, Text
from contracts.vocabulary import CertificateIssuerKind, MentorshipOutcome, SkillLevel, SkillService

PRODUCER = "training"

AssessmentScore = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
"""An assessment's score out of 100."""

Year = Annotated[int, Field(ge=1949, le=9999)]


class SchoolKind(StrEnum):
    """The "1+X" training bases: one academy with its bases, X enterprise craftsman schools."""

    ACADEMY = "academy"  # 劳模工匠学院
    TRAINING_BASE = "training_base"  # 实训基地 of the academy
    ENTERPRISE_SCHOOL = "enterprise_school"  # 企业工匠学校


class AdvanceKind(StrEnum):
    """What an apprentice gained under a master."""

    SKILL_LEVEL = "skill_level"  # certified one level up
    HONOUR = "honour"  # a title, a medal, a prize


class AchievementKind(StrEnum):
    """The city's innovation counters (市级创新成果)."""

    TECHNICAL_INNOVATION = "technical_innovation"  # 技术创新项目
    INVENTION_PATENT = "invention_patent"  # 发明专利
    OPERATING_METHOD = "operating_method"  # 先进操作法
    ENTREPRENEURSHIP = "entrepreneurship"  # 创业项目
    HARD_PROBLEM_SOLVED = "hard_problem_solved"  # 技术难题攻关


# --- training bases, courses and classes -------------------------------------------------


class SchoolRegistered(Event):
    """The academy, one of its training bases, or an enterprise craftsman school joined."""

    school_id: Identifier
    name: Name
    kind: SchoolKind
    region_id: Identifier
    enterprise_id: Identifier | None = Field(default=None, description="The enterprise of a school")
    majors: list[Name] = Field(default_factory=list, description="The majors (专业) it teaches")
    registered_on: date


class IssuerQualified(Event):
    """A school or enterprise was qualified to self-evaluate skill levels (自主评价)."""

    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    qualified_on: date


class CourseOpened(Event):
    """A school opened a course in one of its majors, aimed at a skill level."""

    course_id: Identifier
    school_id: Identifier
    title: Name
    major: Name
    hours: Hours
    target_level: SkillLevel = Field(description="The level the course trains for")
    capacity: int = Field(ge=1, description="Places in each class")
    opened_on: date


class ClassScheduled(Event):
    """A class of a course was scheduled with its number of sessions."""

    class_id: Identifier
    course_id: Identifier
    school_id: Identifier
    starts_on: date
    session_count: int = Field(ge=1)


class TrainingEnrolled(Event):
    """A worker took a place in a class."""

    enrolment_id: Identifier
    class_id: Identifier
    course_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    enrolled_on: date


class SessionAttended(Event):
    """An enrolled worker attended one session of a class (the first attendance starts the class)."""

    enrolment_id: Identifier
    class_id: Identifier
    worker_id: Identifier
    session_no: int = Field(ge=1)
    attended_on: date


class TrainingCompleted(Event, schema_version=2):
    """A worker finished a course at the academy or an enterprise craftsman school and passed.

    v2 added the class (None for a completion a provider reported without one) and the
    assessment's score (None where the provider gave none)."""

    enrolment_id: Identifier
    worker_id: Identifier
    course_id: Identifier
    course_title: Name
    hours: Hours
    completed_on: date
    provider: Name = Field(description="The academy, school or base that ran the course")
    class_id: Identifier | None = None
    score: AssessmentScore | None = None


class TrainingFailed(Event):
    """A worker's assessment at the end of a class did not pass."""

    enrolment_id: Identifier
    worker_id: Identifier
    course_id: Identifier
    class_id: Identifier
    assessed_on: date
    score: AssessmentScore


# --- certificates -------------------------------------------------------------------------


class CertificateAwarded(Event):
    """A worker was certified at a skill level in an occupation."""

    certificate_id: Identifier
    worker_id: Identifier
    occupation: Name
    skill_level: SkillLevel
    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    issued_on: date


class CertificateRevoked(Event):
    """A certificate was withdrawn; its Open Badges credential shows it revoked."""

    certificate_id: Identifier
    worker_id: Identifier
    revoked_on: date
    reason: Text
    revoked_by: Identifier


# --- mentoring (帮带): proposed → active → assessed → completed or terminated ---------------


class MentorshipProposed(Event):
    """A master and an apprentice were proposed as a pair; `worker_id` is the master."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The master")
    apprentice_id: Identifier
    enterprise_id: Identifier
    proposed_on: date


class MentorshipStarted(Event):
    """A proposed pairing became active."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The master")
    apprentice_id: Identifier
    enterprise_id: Identifier
    started_on: date


class MentorshipAssessed(Event):
    """An active pairing was assessed; a passed assessment lets it complete."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The master")
    apprentice_id: Identifier
    assessed_on: date
    passed: bool
    comment: Text | None = None


class ApprenticeAdvanced(Event):
    """An outcome of a pairing: the apprentice rose a skill level, or won an honour."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The master")
    apprentice_id: Identifier
    kind: AdvanceKind
    skill_level: SkillLevel | None = Field(default=None, description="The new level (kind skill_level)")
    honour: Name | None = Field(default=None, description="The honour won (kind honour)")
    advanced_on: date


class MentorshipCompleted(Event):
    """An assessed pairing ended as completed."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The master")
    apprentice_id: Identifier
    enterprise_id: Identifier
    started_on: date
    completed_on: date


class MentorshipTerminated(Event):
    """A pairing ended early, before or after its assessment."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The master")
    apprentice_id: Identifier
    enterprise_id: Identifier
    terminated_on: date
    reason: Text


class MentorshipConcluded(Event):
    """A master-and-apprentice pairing (帮带) ended; `worker_id` is the mentor.

    Superseded by MentorshipCompleted and MentorshipTerminated, no longer published; kept so
    that the records already on the topic still decode."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The mentor")
    apprentice_id: Identifier
    enterprise_id: Identifier
    started_on: date
    ended_on: date
    outcome: MentorshipOutcome


# --- innovation studios: applied → named → funded → reviewed yearly → reconfirmed or revoked


class StudioApplied(Event):
    """An enterprise applied for a craftsman innovation studio (工匠创新工作室) led by a worker."""

    studio_id: Identifier
    worker_id: Identifier = Field(description="The craftsman who would lead it")
    enterprise_id: Identifier
    region_id: Identifier
    name: Name
    applied_on: date


class StudioNamed(Event):
    """The studio was named after its city-level craftsman."""

    studio_id: Identifier
    worker_id: Identifier = Field(description="The city-level craftsman it is named after")
    enterprise_id: Identifier
    name: Name
    named_on: date


class StudioFunded(Event):
    """The studio received funding."""

    studio_id: Identifier
    worker_id: Identifier = Field(description="The craftsman leading it")
    amount: Money
    funded_by: Identifier
    funded_on: date


class StudioReviewed(Event):
    """The studio's yearly review: reconfirmed, or not (a StudioRevoked follows)."""

    studio_id: Identifier
    worker_id: Identifier = Field(description="The craftsman leading it")
    year: Year
    reconfirmed: bool
    reviewed_by: Identifier
    reviewed_on: date
    comment: Text | None = None


class StudioRevoked(Event):
    """The studio lost its name."""

    studio_id: Identifier
    worker_id: Identifier = Field(description="The craftsman leading it")
    revoked_on: date
    reason: Text
    revoked_by: Identifier


# --- achievements and visits --------------------------------------------------------------


class AchievementRecorded(Event):
    """An innovation achievement of a worker, counted by year and region."""

    achievement_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    region_id: Identifier
    kind: AchievementKind
    title: Name
    year: Year
    recorded_on: date
    economic_benefit: Money | None = Field(default=None, description="Yuan, where it was assessed")
    studio_id: Identifier | None = None


class SkillServiceDelivered(Event, schema_version=2):
    """A craftsman team visited an enterprise and delivered skill services (送技入企).

    v2: a visit delivers any of the four services (`services` replaced `service`) and is
    made by a team (`team_ids`, besides the leading craftsman `worker_id`)."""

    visit_id: Identifier
    worker_id: Identifier = Field(description="The craftsman leading the team")
    team_ids: list[Identifier] = Field(default_factory=list, description="The other craftsmen of the team")
    host_enterprise_id: Identifier
    services: list[SkillService] = Field(min_length=1)
    delivered_on: date
    workers_reached: Count
    problems_solved: Count
    summary: Text | None = None


EVENTS: tuple[type[Event], ...] = (
    SchoolRegistered,
    IssuerQualified,
    CourseOpened,
    ClassScheduled,
    TrainingEnrolled,
    SessionAttended,
    TrainingCompleted,
    TrainingFailed,
    CertificateAwarded,
    CertificateRevoked,
    MentorshipProposed,
    MentorshipStarted,
    MentorshipAssessed,
    ApprenticeAdvanced,
    MentorshipCompleted,
    MentorshipTerminated,
    MentorshipConcluded,
    StudioApplied,
    StudioNamed,
    StudioFunded,
    StudioReviewed,
    StudioRevoked,
    AchievementRecorded,
    SkillServiceDelivered,
)
