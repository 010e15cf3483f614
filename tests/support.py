"""Builders shared by the tests: envelopes for a stream, a counting read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.inbox import Delivery
from chassis.row_writes import Add, InsertMissing, Write, in_rounds, one_at_a_time
from chassis.sqlutil import upsert_adding
from contracts.envelope import Envelope, StreamRef
from contracts.events.training import TrainingCompleted


def training_event(worker_id: str, n: int) -> TrainingCompleted:
    return TrainingCompleted(
        enrolment_id=f"enr-{worker_id}-{n}",
        worker_id=worker_id,
        course_id="course-robotics",
        course_title="Industrial robot system operation",
        hours=Decimal("8"),
        completed_on=date(2026, 11, 1),
        provider="Weifang model-worker & craftsman academy",
    )


def envelopes_for(
    stream: StreamRef, first_version: int, count: int, *, tenant: str = "ent-1"
) -> list[Envelope]:
    return [
        Envelope.wrap(
            training_event(stream.id, version),
            producer="training",
            stream=stream,
            stream_version=version,
            tenant=tenant,
        )
        for version in range(first_version, first_version + count)
    ]


# A deliberately non-idempotent read model: a redelivery that got through would show
# as a count above the number of distinct events.
projection_metadata = MetaData()
worker_counts = Table(
    "test_worker_counts",
    projection_metadata,
    Column("worker_id", String(64), primary_key=True),
    Column("events", Integer, nullable=False),
)


async def create_projection_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(projection_metadata.create_all)


def count_writes(envelope: Envelope, _event: object) -> list[Write]:
    """The counting read model as row writes: insert the worker's row if missing, add one."""
    worker = {"worker_id": envelope.key}
    return [InsertMissing(worker_counts, {**worker, "events": 0}), Add(worker_counts, worker, "events", 1)]


# Two statements per event, each a round trip.
count_event = one_at_a_time(count_writes)
# The same writes a batch at a time, in rounds (a few executemany statements per batch).
COUNT_IN_ROUNDS = in_rounds({TrainingCompleted: count_writes})


async def count_events_in_bulk(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
    """The same read model as count_event, one statement per batch (a BatchHandler)."""
    per_worker = Counter(delivery.envelope.key for delivery in deliveries)
    statement = upsert_adding(session, worker_counts, key="worker_id", column="events")
    await session.execute(statement, [{"worker_id": w, "events": n} for w, n in per_worker.items()])


async def read_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(worker_counts))
        return {row.worker_id: row.events for row in rows}


async def read_counts_total(engine: AsyncEngine) -> int:
    return sum((await read_counts(engine)).values())
