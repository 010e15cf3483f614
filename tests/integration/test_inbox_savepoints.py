"""A failing handler costs its own event, not the batch's transaction: the batch is applied again
in ONE transaction with the failing deliveries each in a savepoint (SQLite and Postgres, no broker)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import inbox
from chassis.inbox import BatchHandler, InboxConsumer
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import WorkerRegistered
from contracts.events.training import TrainingCompleted
from tests.service_support import FakeSender, record_of, registered
from tests.support import (
    COUNT_IN_ROUNDS,
    count_event,
    count_events_in_bulk,
    create_projection_tables,
    envelopes_for,
    read_counts,
)

pytestmark = pytest.mark.postgres


async def refuse_registration(session: AsyncSession, envelope: Envelope, event: object) -> None:
    raise RuntimeError("this consumer cannot take registrations")


# How the consumer counts: per event, with a batch handler, or the per-event writes in rounds.
BATCH_HANDLERS: dict[str, Mapping[type[Event], BatchHandler]] = {
    "per-event": {},
    "batch-handler": {TrainingCompleted: count_events_in_bulk},
    "rounds": COUNT_IN_ROUNDS,
}


def consumer(engine: AsyncEngine, sender: FakeSender, *, how: str, max_attempts: int = 2) -> InboxConsumer:
    return InboxConsumer(
        name="savepoint-counter",
        sessions=session_factory(engine),
        handlers={
            WorkerRegistered: refuse_registration,
            **({TrainingCompleted: count_event} if how == "per-event" else {}),
        },
        batch_handlers=BATCH_HANDLERS[how],
        dead_letters=DeadLetterPublisher(sender, consumer="savepoint-counter"),
        max_attempts=max_attempts,
        retry_backoff_seconds=0,
    )


@contextmanager
def commits_counted(engine: AsyncEngine) -> Iterator[list[int]]:
    """How many transactions committed on the engine while inside."""
    count = [0]

    def committed(_connection: Any) -> None:
        count[0] += 1

    event.listen(engine.sync_engine, "commit", committed)
    try:
        yield count
    finally:
        event.remove(engine.sync_engine, "commit", committed)


async def inbox_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(inbox)) or 0)


@pytest.mark.parametrize("how", list(BATCH_HANDLERS))
async def test_one_poison_event_is_a_dead_letter_and_the_batch_commits_once(
    engine: AsyncEngine, how: str
) -> None:
    await create_projection_tables(engine)
    sender = FakeSender()
    counter = consumer(engine, sender, how=how)
    trained = envelopes_for(StreamRef(type="Worker", id="w-7"), 1, 12)
    poison = registered("w-7")
    records = [
        record_of(envelope, offset) for offset, envelope in enumerate([*trained[:4], poison, *trained[4:]])
    ]

    with commits_counted(engine) as commits:
        outcome = await counter.process(records)

    assert (outcome.applied, outcome.duplicates) == (12, 0)
    assert [(letter.reason, letter.record.offset) for letter in outcome.dead_letters] == [
        ("handler_failed", 4)
    ]
    assert "after 2 attempts" in outcome.dead_letters[0].detail
    assert commits[0] == 1, "the batch and its isolated poison event in one transaction"
    assert await read_counts(engine) == {"w-7": 12}
    assert await inbox_rows(engine) == 12, "the dead letter left no inbox row"
    assert len(sender.sent) == 1

    again = await counter.process(records)  # redelivered: nothing twice, the poison again a letter
    assert (again.applied, again.duplicates, len(again.dead_letters)) == (0, 12, 1)
    assert await read_counts(engine) == {"w-7": 12}


async def test_many_poison_events_cost_a_few_passes_and_one_commit(engine: AsyncEngine) -> None:
    await create_projection_tables(engine)
    sender = FakeSender()
    counter = consumer(engine, sender, how="per-event", max_attempts=1)
    trained = envelopes_for(StreamRef(type="Worker", id="w-8"), 1, 20)
    mixed: list[Envelope] = []
    for index, envelope in enumerate(trained):
        mixed.append(envelope)
        if index % 2:
            mixed.append(registered(f"w-poison-{index}"))
    records = [record_of(envelope, offset) for offset, envelope in enumerate(mixed)]

    with commits_counted(engine) as commits:
        outcome = await counter.process(records)

    assert outcome.applied == 20 and len(outcome.dead_letters) == 10
    assert all(letter.reason == "handler_failed" for letter in outcome.dead_letters)
    assert commits[0] == 1
    assert await read_counts(engine) == {"w-8": 20}
    assert await inbox_rows(engine) == 20


async def test_a_handler_that_fails_once_applies_on_its_retry_in_the_savepoint(engine: AsyncEngine) -> None:
    await create_projection_tables(engine)
    failures = {"left": 2}  # the first pass, then the first attempt in its savepoint

    async def flaky(session: AsyncSession, envelope: Envelope, event: object) -> None:
        if envelope.stream.id == "w-flaky" and failures["left"]:
            failures["left"] -= 1
            await count_event(session, envelope, event)  # written, then rolled back with the failure
            raise RuntimeError("not this time")
        await count_event(session, envelope, event)

    counter = InboxConsumer(
        name="flaky-counter",
        sessions=session_factory(engine),
        handlers={TrainingCompleted: flaky},
        dead_letters=DeadLetterPublisher(FakeSender(), consumer="flaky-counter"),
        max_attempts=2,
        retry_backoff_seconds=0,
    )
    envelopes = [
        *envelopes_for(StreamRef(type="Worker", id="w-9"), 1, 3),
        *envelopes_for(StreamRef(type="Worker", id="w-flaky"), 1, 1),
        *envelopes_for(StreamRef(type="Worker", id="w-9"), 4, 3),
    ]
    outcome = await counter.process(
        [record_of(envelope, offset) for offset, envelope in enumerate(envelopes)]
    )

    assert (outcome.applied, len(outcome.dead_letters)) == (7, 0)
    assert await read_counts(engine) == {"w-9": 6, "w-flaky": 1}, "each failed attempt left nothing behind"
