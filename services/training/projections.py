"""Consumers of the training service: the workers it knows and the learning records.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.keyed_rows import update_from, upsert_from
from chassis.service import Runtime, Subscription
from chassis.sqlutil import insert_ignoring_duplicates
from contracts.envelope import Envelope
from contracts.events.registry import WorkerForgotten, WorkerRegistered
from contracts.events.training import TrainingCompleted
from contracts.topics import REGISTRY_EVENTS, TRAINING_EVENTS
from services.training.read_models import known_workers, learning_records


def worker_facts(event: WorkerRegistered) -> dict[str, str]:
    return {
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "skill_level": event.skill_level.value,
    }


on_worker_registered = upsert_from(known_workers, worker_facts)


def erased(event: WorkerForgotten) -> dict[str, object]:
    return {"worker_id": event.worker_id, "erased": True}


on_worker_forgotten = update_from(known_workers, erased)


async def on_training_completed(session: AsyncSession, envelope: Envelope, event: TrainingCompleted) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, learning_records).values(
            enrolment_id=event.enrolment_id,
            event_id=str(envelope.event_id),
            worker_id=event.worker_id,
            course_id=event.course_id,
            course_title=event.course_title,
            hours=event.hours,
            completed_on=event.completed_on,
            provider=event.provider,
        )
    )


def subscriptions(_: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="workers",
            topics=(REGISTRY_EVENTS,),
            handlers={WorkerRegistered: on_worker_registered, WorkerForgotten: on_worker_forgotten},
            tables=(known_workers,),
        ),
        Subscription(
            name="learning-records",
            topics=(TRAINING_EVENTS,),
            handlers={TrainingCompleted: on_training_completed},
            tables=(learning_records,),
        ),
    ]
