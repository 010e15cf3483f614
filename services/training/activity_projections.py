"""Training's own events into its read models: rosters, attempts, certificates, mentoring,
innovation and visits. Each fact writes rows by their keys (chassis/row_writes.py), so a batch
of them is a few statements, in the inbox consumer's transaction (which records the event id,
so each applies once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table

from chassis.row_writes import Change, InsertMissing, Writer
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.training import (
    AchievementRecorded,
    ApprenticeAdvanced,
    CertificateAwarded,
    CertificateRevoked,
    ClassScheduled,
    CourseOpened,
    MentorshipCompleted,
    MentorshipProposed,
    MentorshipStarted,
    MentorshipTerminated,
    SchoolRegistered,
    SkillServiceDelivered,
)
from services.training.read_models import (
    achievements,
    apprentice_outcomes,
    certificates,
    classes,
    courses,
    mentorships,
    schools,
    visits,
)


def inserting(table: Table, row: Callable[[Envelope, Any], dict[str, Any]]) -> Writer:
    """One row per event, inserted unless it is there (a redelivery changes nothing)."""
    return lambda envelope, event: [InsertMissing(table, row(envelope, event))]


def updating(table: Table, key: str, change: Callable[[Any], dict[str, Any]]) -> Writer:
    """The row named by the event's `key` field (the table's key) changed."""
    return lambda _, event: [Change(table, {key: getattr(event, key), **change(event)})]


def _facts(event: Event, *names: str) -> dict[str, Any]:
    return {name: getattr(event, name) for name in names}


WRITERS: dict[type[Event], Writer] = {
    SchoolRegistered: inserting(
        schools,
        lambda _, e: {**_facts(e, "school_id", "name", "region_id", "enterprise_id"), "kind": e.kind.value},
    ),
    CourseOpened: inserting(
        courses,
        lambda _, e: {
            **_facts(e, "course_id", "school_id", "title", "major", "capacity"),
            "target_level": e.target_level.value,
        },
    ),
    ClassScheduled: inserting(
        classes, lambda _, e: _facts(e, "class_id", "course_id", "school_id", "starts_on", "session_count")
    ),
    CertificateAwarded: inserting(
        certificates,
        lambda envelope, e: {
            **_facts(e, "certificate_id", "worker_id", "occupation", "issuer_id", "issued_on"),
            "skill_level": e.skill_level.value,
            "issuer_kind": e.issuer_kind.value,
            "event_id": str(envelope.event_id),
        },
    ),
    CertificateRevoked: updating(
        certificates, "certificate_id", lambda e: {"revoked_on": e.revoked_on, "revocation_reason": e.reason}
    ),
    MentorshipProposed: inserting(
        mentorships,
        lambda _, e: {
            **_facts(e, "mentorship_id", "apprentice_id", "enterprise_id"),
            "master_id": e.worker_id,
            "state": "proposed",
        },
    ),
    MentorshipStarted: updating(
        mentorships, "mentorship_id", lambda e: {"state": "active", "started_on": e.started_on}
    ),
    MentorshipCompleted: updating(
        mentorships, "mentorship_id", lambda e: {"state": "completed", "ended_on": e.completed_on}
    ),
    MentorshipTerminated: updating(
        mentorships, "mentorship_id", lambda e: {"state": "terminated", "ended_on": e.terminated_on}
    ),
    ApprenticeAdvanced: inserting(
        apprentice_outcomes,
        lambda envelope, e: {
            **_facts(e, "mentorship_id", "apprentice_id", "honour", "advanced_on"),
            "event_id": str(envelope.event_id),
            "master_id": e.worker_id,
            "kind": e.kind.value,
            "skill_level": None if e.skill_level is None else e.skill_level.value,
        },
    ),
    AchievementRecorded: inserting(
        achievements,
        lambda _, e: {
            **_facts(e, "achievement_id", "worker_id", "region_id", "year", "economic_benefit"),
            "kind": e.kind.value,
        },
    ),
    SkillServiceDelivered: inserting(
        visits,
        lambda _, e: {
            **_facts(
                e,
                "visit_id",
                "worker_id",
                "host_enterprise_id",
                "delivered_on",
                "workers_reached",
                "problems_solved",
            ),
            "services": ",".join(service.value for service in e.services),
        },
    ),
}
