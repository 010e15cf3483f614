"""Commands the training service accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from chassis.http import Command
from contracts.events.training import AchievementKind, AssessmentScore, SchoolKind, Year
from contracts.primitives import Count, Hours, Identifier, Money, Name, Text
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, SkillService


class RecordCompletion(Command):
    enrolment_id: Identifier
    worker_id: Identifier
    course_id: Identifier
    course_title: Name
    hours: Hours
    completed_on: date
    provider: Name


class AwardCertificate(Command):
    certificate_id: Identifier
    worker_id: Identifier
    occupation: Name
    skill_level: SkillLevel
    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    issued_on: date


class RevokeCertificate(Command):
    certificate_id: Identifier
    revoked_on: date
    reason: Text
    revoked_by: Identifier


class RegisterSchool(Command):
    """The academy, a training base (both with their region), or an enterprise's school."""

    school_id: Identifier
    name: Name
    kind: SchoolKind
    region_id: Identifier
    enterprise_id: Identifier | None = None
    majors: list[Name] = Field(min_length=1, max_length=100)
    registered_on: date


class QualifyIssuer(Command):
    """A school or enterprise becomes qualified to self-evaluate skill levels."""

    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    qualified_on: date


class OpenCourse(Command):
    course_id: Identifier
    school_id: Identifier
    title: Name
    major: Name
    hours: Hours
    target_level: SkillLevel
    capacity: int = Field(ge=1, le=10_000)
    opened_on: date


class ScheduleClass(Command):
    class_id: Identifier
    course_id: Identifier
    starts_on: date
    session_count: int = Field(ge=1, le=1_000)


class EnrolWorker(Command):
    enrolment_id: Identifier
    class_id: Identifier
    worker_id: Identifier
    enrolled_on: date


class RecordAttendance(Command):
    class_id: Identifier
    enrolment_id: Identifier
    session_no: int = Field(ge=1, le=1_000)
    attended_on: date


class AssessCompletion(Command):
    """The end of a class for one enrolment: the assessment's result and score."""

    class_id: Identifier
    enrolment_id: Identifier
    result: Literal["pass", "fail"]
    score: AssessmentScore
    assessed_on: date


class ProposeMentorship(Command):
    mentorship_id: Identifier
    master_id: Identifier
    apprentice_id: Identifier
    proposed_on: date


class PairMentorship(ProposeMentorship):
    """A pairing proposed and, when it names the day, started on it (a batch's item)."""

    started_on: date | None = None


class MentorshipStep(Command):
    """Start, complete: a step of a pairing on a day."""

    mentorship_id: Identifier
    on: date


class AssessMentorship(MentorshipStep):
    passed: bool
    comment: Text | None = None


class RecordApprenticeAdvance(MentorshipStep):
    """Exactly one of a new skill level or an honour."""

    skill_level: SkillLevel | None = None
    honour: Name | None = None


class TerminateMentorship(MentorshipStep):
    reason: Text


class ApplyForStudio(Command):
    studio_id: Identifier
    worker_id: Identifier = Field(description="The craftsman who would lead it and give it a name")
    region_id: Identifier
    name: Name
    applied_on: date


class NameStudio(Command):
    studio_id: Identifier
    named_on: date


class FundStudio(Command):
    studio_id: Identifier
    amount: Money
    funded_by: Identifier
    funded_on: date


class ReviewStudio(Command):
    studio_id: Identifier
    year: Year
    reconfirmed: bool
    reviewed_by: Identifier
    reviewed_on: date
    comment: Text | None = None


class RevokeStudio(Command):
    studio_id: Identifier
    revoked_on: date
    reason: Text
    revoked_by: Identifier


class RecordAchievement(Command):
    achievement_id: Identifier
    worker_id: Identifier
    region_id: Identifier
    kind: AchievementKind
    title: Name
    year: Year
    recorded_on: date
    economic_benefit: Money | None = None
    studio_id: Identifier | None = None


class RecordVisit(Command):
    """A craftsman team's visit to an enterprise (送技入企)."""

    visit_id: Identifier
    worker_id: Identifier = Field(description="The craftsman leading the team")
    team_ids: list[Identifier] = Field(default_factory=list, max_length=100)
    host_enterprise_id: Identifier
    services: list[SkillService] = Field(min_length=1, max_length=4)
    delivered_on: date
    workers_reached: Count = Field(le=1_000_000)  # bounded so the statistics' integers hold them
    problems_solved: Count = Field(le=1_000_000)
    summary: Text | None = None
