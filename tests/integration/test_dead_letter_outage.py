"""A dead letter Kafka would not take is an outage, not a reason to move on: the batch is
retried (its applied events come back as duplicates) until the letter is parked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import InboxConsumer, InfrastructureUnavailable
from contracts.envelope import StreamRef
from contracts.events.training import TrainingCompleted
from tests.service_support import FakeRecord, FakeSender, record_of
from tests.support import count_event, create_projection_tables, envelopes_for, read_counts

pytestmark = pytest.mark.postgres


class KafkaAwayOnce(FakeSender):
    """The first dead letter finds Kafka gone; later ones are taken."""

    failures: int = 1

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("kafka unavailable")
        return await super().send(topic, *args, **kwargs)


async def test_a_dead_letter_kafka_refused_makes_the_batch_come_again(engine: AsyncEngine) -> None:
    await create_projection_tables(engine)
    sender = KafkaAwayOnce()
    consumer = InboxConsumer(
        name="counter",
        sessions=session_factory(engine),
        handlers={TrainingCompleted: count_event},
        dead_letters=DeadLetterPublisher(sender, consumer="counter"),
    )
    (good,) = envelopes_for(StreamRef(type="Worker", id="w-1"), 1, 1)
    malformed = FakeRecord(
        topic="craftsman.training.events", partition=0, offset=1, key=b"w-1", value=b"{not"
    )
    batch = [record_of(good, 0), malformed]

    with pytest.raises(InfrastructureUnavailable, match="dead letters not sent"):
        await consumer.process(batch)  # the offsets are not committed; the batch comes back
    again = await consumer.process(batch)
    assert (again.applied, again.duplicates, len(again.dead_letters)) == (0, 1, 1)
    assert sender.sent == [("craftsman.training.events.dlq", b"{not")]
    assert await read_counts(engine) == {"w-1": 1}
