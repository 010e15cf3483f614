"""Batch handlers: a batch's fresh events of one type applied with one statement, with the
same exactly-once outcome as per-event handlers (SQLite and Postgres, no broker)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import InboxConsumer
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import WorkerRegistered
from contracts.events.training import TrainingCompleted
from tests.service_support import FakeSender, record_of, registered
from tests.support import count_events_in_bulk, create_projection_tables, envelopes_for, read_counts

pytestmark = pytest.mark.postgres


async def refuse_registration(session: AsyncSession, envelope: Envelope, event: object) -> None:
    raise RuntimeError("this consumer cannot take registrations")


def consumer(engine: AsyncEngine, sender: FakeSender) -> InboxConsumer:
    return InboxConsumer(
        name="bulk-counter",
        sessions=session_factory(engine),
        handlers={WorkerRegistered: refuse_registration},
        batch_handlers={TrainingCompleted: count_events_in_bulk},
        dead_letters=DeadLetterPublisher(sender, consumer="bulk-counter"),
        max_attempts=1,
        retry_backoff_seconds=0,
    )


async def test_bulk_counting_is_exactly_once_across_redeliveries(engine: AsyncEngine) -> None:
    await create_projection_tables(engine)
    sender = FakeSender()
    counter = consumer(engine, sender)
    envelopes = [
        *envelopes_for(StreamRef(type="Worker", id="w-1"), 1, 30),
        *envelopes_for(StreamRef(type="Worker", id="w-2"), 1, 20),
    ]
    records = [record_of(envelope, offset) for offset, envelope in enumerate(envelopes)]

    first = await counter.process([*records[:25], records[3]])  # a twin inside the batch
    again = await counter.process(records)  # everything again, the first half redelivered
    assert (first.applied, first.duplicates) == (25, 1)
    assert (again.applied, again.duplicates) == (25, 25)
    assert await read_counts(engine) == {"w-1": 30, "w-2": 20}


async def test_a_failing_handler_in_the_batch_leaves_the_bulk_events_applied_once(
    engine: AsyncEngine,
) -> None:
    await create_projection_tables(engine)
    sender = FakeSender()
    counter = consumer(engine, sender)
    trained = envelopes_for(StreamRef(type="Worker", id="w-3"), 1, 10)
    poison = registered("w-3")
    records = [
        record_of(envelope, offset) for offset, envelope in enumerate([*trained[:5], poison, *trained[5:]])
    ]

    outcome = await counter.process(records)  # the batch fails whole, then goes one by one
    assert outcome.applied == 10 and len(outcome.dead_letters) == 1
    assert outcome.dead_letters[0].reason == "handler_failed"
    assert await read_counts(engine) == {"w-3": 10}
