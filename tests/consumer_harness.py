"""A real consumer (FastStream on Kafka + inbox on Postgres) for the reliability tests.

Runs in-process, or as its own process (`python -m tests.consumer_harness …`) so a
test can kill it between the database commit and the Kafka offset commit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker, KafkaRouter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import BatchHandler, BatchOutcome, Handler, InboxConsumer
from chassis.kafka import PRODUCER_OPTIONS, DeadLetterTopics, InFlight, bind_inbox_consumer
from chassis.kafka_security import aiokafka_kwargs, faststream_security
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.training import TrainingCompleted
from tests.support import count_event, create_projection_tables

POISON_WORKER = "w-poison"


async def count_unless_poison(session: AsyncSession, envelope: Envelope, event: object) -> None:
    if envelope.key == POISON_WORKER:
        raise RuntimeError("this handler cannot apply the poison worker")
    await count_event(session, envelope, event)


def inbox_on_router(
    router: KafkaRouter,
    *,
    name: str,
    topic: str,
    sessions: async_sessionmaker[AsyncSession],
    handlers: Mapping[type[Event], Handler] | None = None,
    batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
    after_commit: Callable[[BatchOutcome], Awaitable[None]] | None = None,
    in_flight: InFlight | None = None,
    batch_size: int = 50,
    batch_timeout_ms: int = 50,
    **options: Any,
) -> InboxConsumer:
    """A test's inbox consumer wired like a service's (chassis.service.wire_subscriptions): its
    dead letters through the router's publishers, bound as the typed batch subscriber of `topic`
    in consumer group `name`. `options`: more of InboxConsumer's keyword arguments."""
    consumer = InboxConsumer(
        name=name,
        sessions=sessions,
        handlers=handlers or {},
        batch_handlers=batch_handlers,
        dead_letters=DeadLetterPublisher(
            DeadLetterTopics.declare(router, [topic], consumer=name), consumer=name
        ),
        after_commit=after_commit,
        **options,
    )
    bind_inbox_consumer(
        router,
        consumer,
        topics=[topic],
        group_id=name,
        batch_size=batch_size,
        batch_timeout_ms=batch_timeout_ms,
        in_flight=in_flight or InFlight(),
    )
    return consumer


@dataclass
class RunningConsumer:
    engine: AsyncEngine
    consumer: InboxConsumer
    outcomes: list[BatchOutcome]


@asynccontextmanager
async def running_consumer(
    database_url: str,
    bootstrap: str,
    topic: str,
    group: str,
    *,
    after_commit: Callable[[BatchOutcome], Awaitable[None]] | None = None,
    max_event_bytes: int = 64 * 1024,
    handler: Handler = count_unless_poison,
) -> AsyncIterator[RunningConsumer]:
    engine = create_engine(database_url)
    await create_projection_tables(engine)
    outcomes: list[BatchOutcome] = []

    async def record(outcome: BatchOutcome) -> None:
        outcomes.append(outcome)
        if after_commit is not None:
            await after_commit(outcome)

    # Wired like chassis.service.wire_subscriptions: a router with the typed batch subscriber
    # and the dead-letter publishers, sent by the broker's producer.
    broker = KafkaBroker(bootstrap.split(","), security=faststream_security(), **PRODUCER_OPTIONS)
    router = KafkaRouter()
    in_flight = InFlight()
    consumer = inbox_on_router(
        router,
        name=group,
        topic=topic,
        sessions=session_factory(engine),
        handlers={TrainingCompleted: handler},
        after_commit=record,
        in_flight=in_flight,
        max_attempts=2,
        max_event_bytes=max_event_bytes,
        retry_backoff_seconds=0.01,
    )
    broker.include_router(router)
    await broker.start()
    try:
        yield RunningConsumer(engine, consumer, outcomes)
    finally:
        await in_flight.drain()
        await broker.stop()
        await engine.dispose()


async def topic_partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **aiokafka_kwargs())
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    finally:
        await admin.close()


async def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """Records in `topic` that `group` has not committed yet."""
    partitions = await topic_partitions(bootstrap, topic)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **aiokafka_kwargs())
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **aiokafka_kwargs())
    await admin.start()
    await probe.start()
    try:
        ends = await probe.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
        return sum(ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions)
    finally:
        await probe.stop()
        await admin.close()


async def reset_group_to_start(bootstrap: str, group: str, topic: str) -> None:
    """What `kafka-consumer-groups --reset-offsets --to-earliest` does, for an idle group."""
    partitions = await topic_partitions(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **aiokafka_kwargs()
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


async def wait_until(condition: Callable[[], Awaitable[bool]], *, timeout: float = 90.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.2)


async def _crash_after_first_commit(database_url: str, bootstrap: str, topic: str, group: str) -> None:
    async def die(outcome: BatchOutcome) -> None:
        if outcome.applied:
            os._exit(17)  # the database committed; the offsets never will

    async with running_consumer(database_url, bootstrap, topic, group, after_commit=die):
        await asyncio.sleep(120)  # the first applied batch ends the process


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("database_url", "bootstrap", "topic", "group"):
        parser.add_argument(name)
    args = parser.parse_args()
    asyncio.run(_crash_after_first_commit(args.database_url, args.bootstrap, args.topic, args.group))
