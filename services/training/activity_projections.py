"""Training's own events into its read models: rosters, attempts, certificates, mentoring,
innovation and visits. Each handler runs inside the inbox consumer's transaction (which records
the event id, so an increment is applied once); none commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.sqlutil import insert_ignoring_duplicates
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

Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]


def inserting(table: Table, row: Callable[[Envelope, Any], dict[str, Any]]) -> Handler:
    """A handler that inserts one row per event (a redelivery changes nothing)."""

    async def insert_row(session: AsyncSession, envelope: Envelope, event: Any) -> None:
        await session.execute(insert_ignoring_duplicates(session, table).values(row(envelope, event)))

    return insert_row


def updating(table: Table, key: str, change: Callable[[Any], dict[str, Any]]) -> Handler:
    """A handler that changes the row named by the event's `key` field."""

    async def update_row(session: AsyncSession, envelope: Envelope, event: Any) -> None:
        await session.execute(update(table).where(table.c[key] == getattr(event, key)).values(change(event)))

    return update_row


def _facts(event: Event, *names: str) -> dict[str, Any]:
    return {name: getattr(event, name) for name in names}


HANDLERS: dict[type[Event], Handler] = {
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
