"""Row writes a batch at a time end as they would one event at a time (SQLite and Postgres): the
n-th write to a row goes in round n, and a write that fails costs its event a dead letter."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import Delivery, InboxConsumer
from chassis.row_writes import Add, Change, InsertMissing, Upsert, Write, in_rounds, one_at_a_time, rounds
from contracts.envelope import Envelope, StreamRef
from contracts.events.training import TrainingCompleted
from tests.service_support import FakeSender, event_of, record_of
from tests.support import envelopes_for

pytestmark = pytest.mark.postgres

metadata = MetaData()


def counters(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("owner", String(16), primary_key=True),
        Column("item", Integer, primary_key=True),
        Column("label", String(32), nullable=False),
        Column("state", String(16)),
        Column("n", Integer, nullable=False),
    )


in_batches, one_by_one = counters("rw_in_batches"), counters("rw_one_by_one")


def some_writes(table: Table, chance: random.Random) -> list[Write]:
    """One event's writes: a few rows of few keys, so rows meet each other within a batch."""
    writes: list[Write] = []
    for _ in range(chance.randint(1, 3)):
        key = {"owner": chance.choice("ab"), "item": chance.randint(1, 4)}
        kind = chance.randrange(5)
        if kind == 0:
            writes.append(
                Upsert(table, {**key, "label": f"l{chance.randint(0, 9)}", "n": chance.randint(0, 5)})
            )
        elif kind == 1:
            writes.append(InsertMissing(table, {**key, "label": "first", "n": 0, "state": "new"}))
        elif kind == 2:
            writes.append(Change(table, {**key, "state": chance.choice(["open", "shut"])}))
        elif kind == 3:
            writes.append(Change(table, {**key, "label": "reopened"}, when={"state": "shut"}))
        else:
            writes.append(
                Add(table, key, "n", chance.randint(-4, 4), floor=0 if chance.random() < 0.5 else None)
            )
    return writes


def test_the_nth_write_to_a_row_goes_in_round_n() -> None:
    table = in_batches
    a1, a2 = {"owner": "a", "item": 1}, {"owner": "a", "item": 2}
    first = InsertMissing(table, {**a1, "label": "x", "n": 0})
    bump = Add(table, a1, "n", 1)
    other = Add(table, a2, "n", 1)
    again = Add(table, a1, "n", 2)

    ordered = rounds([first, bump, other, again])

    assert [[write for alike in together.values() for write in alike] for together in ordered] == [
        [first, other],
        [bump],
        [again],
    ]
    assert list(ordered[0]) == [first.shape(), other.shape()], "a round's writes by shape"


async def rows_of(engine: AsyncEngine, table: Table) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        found = await connection.execute(select(table).order_by(table.c.owner, table.c.item))
        return [tuple(row) for row in found]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_batch_in_rounds_ends_as_one_event_at_a_time(engine: AsyncEngine, seed: int) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    chance = random.Random(seed)
    plans = [some_writes(in_batches, chance) for _ in range(300)]
    envelopes = envelopes_for(StreamRef(type="Worker", id="w-1"), 1, len(plans))
    plan_of = {envelope.event_id: writes for envelope, writes in zip(envelopes, plans, strict=True)}

    def batch_writer(envelope: Envelope, _event: object) -> list[Write]:
        return plan_of[envelope.event_id]

    def same_on_the_other_table(envelope: Envelope, _event: object) -> list[Write]:
        return [_on(one_by_one, write) for write in plan_of[envelope.event_id]]

    apply_batch = in_rounds({TrainingCompleted: batch_writer})[TrainingCompleted]
    apply_one = one_at_a_time(same_on_the_other_table)
    sessions = session_factory(engine)
    deliveries = [
        Delivery(record_of(envelope), envelope, event_of(envelope, TrainingCompleted))
        for envelope in envelopes
    ]
    async with sessions() as session, session.begin():
        for start in range(0, len(deliveries), 100):
            await apply_batch(session, deliveries[start : start + 100])
        for delivery in deliveries:
            await apply_one(session, delivery.envelope, delivery.event)

    batched = await rows_of(engine, in_batches)
    assert batched == await rows_of(engine, one_by_one)
    assert len(batched) >= 4 and any(row[4] > 0 for row in batched), "the plan did write"


def _on(table: Table, write: Write) -> Write:
    if isinstance(write, Add):
        return Add(table, write.key, write.column, write.amount, write.floor)
    if isinstance(write, Change):
        return Change(table, write.values, write.when)
    return type(write)(table, write.values)


async def test_a_write_that_fails_is_its_events_dead_letter_and_the_rest_apply(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)

    def count(envelope: Envelope, _event: object) -> list[Write]:
        key = {"owner": envelope.stream.id, "item": 1}
        label = None if envelope.stream.id == "w-3" else "counted"  # NOT NULL: w-3 fails
        return [InsertMissing(in_batches, {**key, "label": label, "n": 0}), Add(in_batches, key, "n", 1)]

    sender = FakeSender()
    consumer = InboxConsumer(
        name="rounds-counter",
        sessions=session_factory(engine),
        handlers={},
        batch_handlers=in_rounds({TrainingCompleted: count}),
        dead_letters=DeadLetterPublisher(sender, consumer="rounds-counter"),
        max_attempts=1,
        retry_backoff_seconds=0,
    )
    poisoned = envelopes_for(StreamRef(type="Worker", id="w-3"), 3, 1)
    fine = envelopes_for(StreamRef(type="Worker", id="w-2"), 1, 6)
    records = [
        record_of(envelope, offset) for offset, envelope in enumerate([*fine[:3], *poisoned, *fine[3:]])
    ]

    outcome = await consumer.process(records)

    assert outcome.applied == 6
    assert [(letter.reason, letter.record.offset) for letter in outcome.dead_letters] == [
        ("handler_failed", 3)
    ]
    assert await rows_of(engine, in_batches) == [("w-2", 1, "counted", None, 6)]
    again = await consumer.process(records)  # redelivered: nothing twice
    assert (again.applied, again.duplicates) == (0, 6)
    assert await rows_of(engine, in_batches) == [("w-2", 1, "counted", None, 6)]
