"""Events of the training service: courses, certificates, mentoring, skill services."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.events.base import Event
from contracts.primitives import Count, Hours, Identifier, Name, Text
from contracts.vocabulary import CertificateIssuerKind, MentorshipOutcome, SkillLevel, SkillService

PRODUCER = "training"


class TrainingCompleted(Event):
    """A worker finished a course at the academy or an enterprise craftsman school."""

    enrolment_id: Identifier
    worker_id: Identifier
    course_id: Identifier
    course_title: Name
    hours: Hours
    completed_on: date
    provider: Name = Field(description="The academy, school or base that ran the course")


class CertificateAwarded(Event):
    """A worker was certified at a skill level in an occupation."""

    certificate_id: Identifier
    worker_id: Identifier
    occupation: Name
    skill_level: SkillLevel
    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    issued_on: date


class MentorshipConcluded(Event):
    """A master-and-apprentice pairing (帮带) ended; `worker_id` is the mentor."""

    mentorship_id: Identifier
    worker_id: Identifier = Field(description="The mentor")
    apprentice_id: Identifier
    enterprise_id: Identifier
    started_on: date
    ended_on: date
    outcome: MentorshipOutcome


class SkillServiceDelivered(Event):
    """A craftsman visited an enterprise for one of the four skill services (送技入企)."""

    visit_id: Identifier
    worker_id: Identifier = Field(description="The visiting craftsman")
    host_enterprise_id: Identifier
    service: SkillService
    delivered_on: date
    workers_reached: Count
    problems_solved: Count
    summary: Text | None = None


EVENTS: tuple[type[Event], ...] = (
    TrainingCompleted,
    CertificateAwarded,
    MentorshipConcluded,
    SkillServiceDelivered,
)
