"""The classes' registers into training's read models a batch at a time: enrolments (the roster
rows), attendances (with each roster's count), completions (the learning record) and failures.

A class's register is most of training's events (a province's year: 128,000 enrolments, 950,000
attendances), and one or two statements per event made the learning-records consumer the one
that fell furthest behind. Each kind of row is one statement per batch instead.

Order: an enrolment's facts are published in the order they happened (its enrolment, its
sessions, its assessment; one worker's facts share a partition), so inserting the batch's roster
rows first, then its attendances, then its outcomes keeps every enrolment's order. Outcomes
(a pass, a failure) set the roster's status in one executemany, in the batch's order. Runs in
the inbox consumer's transaction, which applies each event once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery
from chassis.sqlutil import insert_ignoring_duplicates
from contracts.events.base import Event
from contracts.events.training import SessionAttended, TrainingCompleted, TrainingEnrolled, TrainingFailed
from services.training.read_models import attendances, failures, learning_records, rosters

Row = dict[str, Any]

_COUNT_ATTENDED = (
    update(rosters)
    .where(rosters.c.enrolment_id == bindparam("enrolment"))
    .values(sessions_attended=rosters.c.sessions_attended + bindparam("attended"))
)
_OUTCOME = (
    update(rosters)
    .where(rosters.c.enrolment_id == bindparam("enrolment"))
    .values(status=bindparam("outcome"), score=bindparam("outcome_score"))
)


def _facts(event: Event, *names: str) -> Row:
    return {name: getattr(event, name) for name in names}


def roster_row(event_id: str, event: TrainingEnrolled) -> Row:
    return {
        **_facts(event, "enrolment_id", "class_id", "course_id", "worker_id", "enrolled_on"),
        "sessions_attended": 0,
        "status": "enrolled",
        "event_id": event_id,
    }


def attendance_row(event_id: str, event: SessionAttended) -> Row:
    return {
        "event_id": event_id,
        **_facts(event, "enrolment_id", "class_id", "worker_id", "session_no", "attended_on"),
    }


def completion_row(event_id: str, event: TrainingCompleted) -> Row:
    names = ("enrolment_id", "worker_id", "course_id", "course_title", "hours", "completed_on", "provider")
    return {"event_id": event_id, **_facts(event, *names, "class_id", "score")}


def failure_row(event_id: str, event: TrainingFailed) -> Row:
    names = ("enrolment_id", "worker_id", "course_id", "class_id", "assessed_on", "score")
    return {"event_id": event_id, **_facts(event, *names)}


async def apply_registers(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
    """The batch's enrolments, attendances, completions and failures, a statement per kind."""
    rows: dict[type[Event], list[Row]] = {kind: [] for kind in REGISTER}
    counted: Counter[str] = Counter()
    outcomes: list[Row] = []
    for delivery in deliveries:
        event, event_id = delivery.event, str(delivery.envelope.event_id)
        match event:
            case TrainingEnrolled():
                rows[TrainingEnrolled].append(roster_row(event_id, event))
            case SessionAttended():
                rows[SessionAttended].append(attendance_row(event_id, event))
                counted[event.enrolment_id] += 1
            case TrainingCompleted():
                rows[TrainingCompleted].append(completion_row(event_id, event))
                if event.class_id is not None:  # a provider's completion has no roster
                    outcomes.append(_outcome(event.enrolment_id, "completed", event.score))
            case TrainingFailed():
                rows[TrainingFailed].append(failure_row(event_id, event))
                outcomes.append(_outcome(event.enrolment_id, "failed", event.score))
    await _insert(session, rosters, rows[TrainingEnrolled])
    await _insert(session, attendances, rows[SessionAttended])
    if counted:
        await session.execute(
            _COUNT_ATTENDED, [{"enrolment": enrolment, "attended": n} for enrolment, n in counted.items()]
        )
    await _insert(session, learning_records, rows[TrainingCompleted])
    await _insert(session, failures, rows[TrainingFailed])
    if outcomes:
        await session.execute(_OUTCOME, outcomes)


async def _insert(session: AsyncSession, table: Table, rows: list[Row]) -> None:
    if rows:  # a redelivered row (its event id is there) is left as it is
        await session.execute(insert_ignoring_duplicates(session, table), rows)


def _outcome(enrolment_id: str, status: str, score: float | None) -> Row:
    return {"enrolment": enrolment_id, "outcome": status, "outcome_score": score}


REGISTER: tuple[type[Event], ...] = (TrainingEnrolled, SessionAttended, TrainingCompleted, TrainingFailed)
BATCH_HANDLERS: dict[type[Event], BatchHandler] = dict.fromkeys(REGISTER, apply_registers)
