"""The relay is gap-safe: concurrent writers, one of them committing an early position
last, and every event still reaches Kafka exactly once and in per-stream order."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events, outbox
from chassis.kafka import create_producer, ensure_topics
from chassis.relay import Relay
from contracts.envelope import StreamRef
from tests.kafka_support import read_topic
from tests.support import envelopes_for

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

WRITERS = 8
EVENTS_PER_WRITER = 2000
STREAMS_PER_WRITER = 4


async def test_relay_publishes_every_event_once_in_stream_order(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic], with_dead_letters=False)
    store, sessions = EventStore(topic_of=lambda _: topic), session_factory(engine)
    producer = create_producer(kafka_bootstrap, client_id="gap-test")
    await producer.start()
    relay = Relay(engine, producer, name="gap-test", batch_size=200, idle_poll_seconds=0.01)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))

    async def writer(number: int) -> None:
        rng = random.Random(number)
        versions = dict.fromkeys(range(STREAMS_PER_WRITER), 0)
        written = 0
        while written < EVENTS_PER_WRITER:
            index = rng.randrange(STREAMS_PER_WRITER)
            stream = StreamRef(type="Worker", id=f"w{number}-s{index}")
            count = min(rng.randint(1, 5), EVENTS_PER_WRITER - written)
            async with sessions() as session, session.begin():
                await store.append(
                    session, stream, versions[index], envelopes_for(stream, versions[index] + 1, count)
                )
            versions[index] += count
            written += count

    late_stream = StreamRef(type="Worker", id="w-late")
    late_position: list[int] = []

    async def late_committer() -> None:
        """Takes a position early and commits only after later positions went out."""
        async with sessions() as session, session.begin():
            late_position.extend(
                await store.append(session, late_stream, 0, envelopes_for(late_stream, 1, 1))
            )
            while await _published_after(engine, late_position[0]) < 500:
                await asyncio.sleep(0.05)

    if engine.dialect.name == "sqlite":
        # SQLite has one writer at a time, so an early position cannot commit late;
        # there the concurrent writers alone are the case.
        await asyncio.gather(*(writer(n) for n in range(WRITERS)))
    else:
        late = asyncio.create_task(late_committer())
        await asyncio.sleep(0.2)
        await asyncio.gather(*(writer(n) for n in range(WRITERS)))
        await asyncio.wait_for(late, timeout=120)

    expected = WRITERS * EVENTS_PER_WRITER + (0 if engine.dialect.name == "sqlite" else 1)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(events)) == expected
        stored_ids = set((await session.scalars(select(events.c.event_id))).all())
    records = await read_topic(kafka_bootstrap, topic, until=lambda got: len(got) >= expected, timeout=180)
    stop.set()
    await relay_task
    await producer.stop()

    received = [json.loads(record.value) for record in records]
    ids = [envelope["event_id"] for envelope in received]
    assert len(ids) == len(set(ids)), "an event was published twice"
    assert set(ids) == stored_ids, f"missing {len(stored_ids - set(ids))} events"
    per_stream: dict[str, list[int]] = defaultdict(list)
    for envelope in received:
        per_stream[envelope["stream"]["id"]].append(envelope["stream_version"])
    for stream_id, versions in per_stream.items():
        assert versions == list(range(1, len(versions) + 1)), f"{stream_id} out of order"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(outbox)) == 0
    # On Postgres the late transaction committed only after 500 later positions had
    # been published (late_committer waits for that), and its event still arrived.
    assert bool(late_position) == (engine.dialect.name == "postgresql")


async def _published_after(engine: AsyncEngine, position: int) -> int:
    """How many events with a later position than `position` have left the outbox."""
    async with engine.connect() as connection:
        total = await connection.scalar(
            select(func.count()).select_from(events).where(events.c.position > position)
        )
        waiting = await connection.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.position > position)
        )
        return int(total or 0) - int(waiting or 0)


async def test_two_relay_replicas_publish_each_event_once(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    """Ops scale a service to two replicas: only the one holding the lease publishes."""
    await ensure_topics(kafka_bootstrap, [topic], with_dead_letters=False)
    store, sessions = EventStore(topic_of=lambda _: topic), session_factory(pg_engine)
    producers = [create_producer(kafka_bootstrap, client_id=f"replica-{n}") for n in range(2)]
    relays = [
        Relay(pg_engine, producer, name="relay:replicated", batch_size=50, idle_poll_seconds=0.01)
        for producer in producers
    ]
    stop = asyncio.Event()
    for producer in producers:
        await producer.start()
    tasks = [asyncio.create_task(relay.run(stop)) for relay in relays]
    for n in range(40):
        stream = StreamRef(type="Worker", id=f"w-{n % 8}")
        async with sessions() as session, session.begin():
            version = await store.current_version(session, stream)
            await store.append(session, stream, version, envelopes_for(stream, version + 1, 25))
    await read_topic(kafka_bootstrap, topic, until=lambda got: len(got) >= 1000, timeout=120)
    await asyncio.sleep(1.0)  # room for a wrong second copy, which the next read would see
    records = await read_topic(kafka_bootstrap, topic, until=lambda got: len(got) > 1000, timeout=3)
    stop.set()
    await asyncio.gather(*tasks)
    for producer in producers:
        await producer.stop()

    ids = {json.loads(record.value)["event_id"] for record in records}
    assert len(records) == len(ids) == 1000, "each event published once"
    assert sorted(relay.published for relay in relays) == [0, 1000], "one replica published everything"
