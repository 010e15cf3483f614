"""Exactly-once effects on real Kafka and Postgres: redelivery, a crash between the
database commit and the offset commit, and dead letters that do not stop the flow."""

from __future__ import annotations

import asyncio
import random
import sys
import uuid
from collections import Counter

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.eventstore.schema import inbox
from chassis.kafka import ensure_topics
from chassis.kafka_security import aiokafka_kwargs
from contracts.envelope import Envelope, StreamRef
from contracts.topics import dead_letter_topic
from tests.consumer_harness import (
    POISON_WORKER,
    group_lag,
    reset_group_to_start,
    running_consumer,
    wait_until,
)
from tests.kafka_support import read_topic
from tests.support import count_event, envelopes_for, read_counts, read_counts_total

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


async def produce_story(bootstrap: str, topic: str, events: int, workers: int = 12) -> Counter[str]:
    """Publishes `events` TrainingCompleted facts spread over workers; returns the per-worker count."""
    rng = random.Random(events)
    versions: Counter[str] = Counter()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **aiokafka_kwargs()
    )
    await producer.start()
    try:
        for _ in range(events):
            worker = f"w-{rng.randrange(workers)}"
            versions[worker] += 1
            (envelope,) = envelopes_for(StreamRef(type="Worker", id=worker), versions[worker], 1)
            await producer.send(topic, envelope.to_bytes(), key=worker.encode())
        await producer.flush()
    finally:
        await producer.stop()
    return versions


async def inbox_rows(engine: AsyncEngine) -> set[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(inbox.c.consumer, inbox.c.event_id))
        return {(row.consumer, row.event_id) for row in rows}


def database_url_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def test_redelivery_from_offset_zero_changes_nothing(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    expected = await produce_story(kafka_bootstrap, topic, 300)
    group = f"redelivery-{uuid.uuid4().hex[:8]}"
    url = database_url_of(pg_engine)

    async with running_consumer(url, kafka_bootstrap, topic, group) as first:
        await wait_until(lambda: _settled(kafka_bootstrap, group, topic, first.engine, 300))
    counts_before, inbox_before = await read_counts(pg_engine), await inbox_rows(pg_engine)
    assert counts_before == dict(expected)
    assert len(inbox_before) == 300

    await reset_group_to_start(kafka_bootstrap, group, topic)
    assert await group_lag(kafka_bootstrap, group, topic) == 300

    async with running_consumer(url, kafka_bootstrap, topic, group) as second:
        await wait_until(lambda: _lag_is_zero(kafka_bootstrap, group, topic))
        redelivered = sum(outcome.duplicates for outcome in second.outcomes)
    assert redelivered == 300, "every event came round again"
    assert await read_counts(pg_engine) == counts_before
    assert await inbox_rows(pg_engine) == inbox_before


async def test_crash_between_database_commit_and_offset_commit_doubles_nothing(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    expected = await produce_story(kafka_bootstrap, topic, 200)
    group = f"crash-{uuid.uuid4().hex[:8]}"
    url = database_url_of(pg_engine)

    doomed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.consumer_harness", url, kafka_bootstrap, topic, group
    )
    assert await asyncio.wait_for(doomed.wait(), timeout=120) == 17
    applied_before_crash = await read_counts_total(pg_engine)
    assert applied_before_crash > 0, "the crashed consumer had committed to the database"
    assert await group_lag(kafka_bootstrap, group, topic) == 200, "and had committed no offset"

    async with running_consumer(url, kafka_bootstrap, topic, group) as survivor:
        await wait_until(lambda: _settled(kafka_bootstrap, group, topic, survivor.engine, 200), timeout=120)
        absorbed = sum(outcome.duplicates for outcome in survivor.outcomes)
    assert absorbed >= applied_before_crash
    assert await read_counts(pg_engine) == dict(expected)
    assert len(await inbox_rows(pg_engine)) == 200


async def test_bad_records_go_to_the_dead_letter_topic_and_the_flow_goes_on(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    stream = StreamRef(type="Worker", id="w-good")
    (good,) = envelopes_for(stream, 1, 1)
    (poison,) = envelopes_for(StreamRef(type="Worker", id=POISON_WORKER), 1, 1)
    unknown = good.model_copy(update={"event_id": uuid.uuid4(), "event_type": "WorkerTeleported"})
    future = good.model_copy(update={"event_id": uuid.uuid4(), "schema_version": 99})
    invalid = good.model_copy(update={"event_id": uuid.uuid4(), "payload": {"worker_id": "w-good"}})
    oversized = good.model_copy(
        update={"event_id": uuid.uuid4(), "payload": {**good.payload, "provider": "x" * 100_000}}
    )
    bad: dict[str, bytes] = {
        "malformed": b'{"event_id": "not json at all',
        "unknown_event_type": unknown.to_bytes(),
        "future_schema_version": future.to_bytes(),
        "invalid_payload": invalid.to_bytes(),
        "oversized": oversized.to_bytes(),
        "handler_failed": poison.to_bytes(),
    }
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", **aiokafka_kwargs())
    await producer.start()
    # The original headers travel with the letter (through FastStream's publisher, as text).
    original_headers = [("traceparent", b"00-4bf92f3577b34da6-00f067aa0ba902b7-01"), ("raw", b"\xff\x00")]
    for value in bad.values():  # all on one partition, ahead of the good event
        await producer.send_and_wait(topic, value, key=b"w-good", partition=0, headers=original_headers)
    await producer.send_and_wait(topic, good.to_bytes(), key=b"w-good", partition=0)
    await producer.stop()

    group = f"dlq-{uuid.uuid4().hex[:8]}"
    async with running_consumer(database_url_of(pg_engine), kafka_bootstrap, topic, group) as running:
        await wait_until(lambda: _settled(kafka_bootstrap, group, topic, running.engine, 1))

    assert await read_counts(pg_engine) == {"w-good": 1}
    letters = await read_topic(
        kafka_bootstrap, dead_letter_topic(topic), until=lambda got: len(got) >= len(bad), timeout=60
    )
    by_reason = {dict(letter.headers)["dlq.reason"].decode(): letter for letter in letters}
    assert set(by_reason) == set(bad)
    for reason, original in bad.items():
        letter = by_reason[reason]
        headers = dict(letter.headers)
        assert letter.value == original, f"{reason}: the original bytes are kept"
        assert headers["dlq.original_topic"].decode() == topic
        assert headers["dlq.detail"], f"{reason}: a readable detail"
        assert headers["dlq.consumer"].decode() == group
        assert letter.key == b"w-good", f"{reason}: the original key is kept"
        assert headers["traceparent"] == original_headers[0][1], f"{reason}: a text header is kept"
        assert headers["raw"] == b"\\xff\x00", f"{reason}: a binary header arrives escaped, not lost"
    assert b"99" in dict(by_reason["future_schema_version"].headers)["dlq.detail"]


async def _lag_is_zero(bootstrap: str, group: str, topic: str) -> bool:
    return await group_lag(bootstrap, group, topic) == 0


async def _settled(bootstrap: str, group: str, topic: str, engine: AsyncEngine, applied: int) -> bool:
    return await read_counts_total(engine) >= applied and await _lag_is_zero(bootstrap, group, topic)


async def test_shutdown_finishes_the_batch_in_flight_and_commits_it(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    expected = await produce_story(kafka_bootstrap, topic, 120)
    group = f"shutdown-{uuid.uuid4().hex[:8]}"
    url = database_url_of(pg_engine)
    started = asyncio.Event()

    async def slow_count(session: AsyncSession, envelope: Envelope, event: object) -> None:
        started.set()
        await asyncio.sleep(0.02)  # a batch of 50 takes about a second
        await count_event(session, envelope, event)

    async with running_consumer(url, kafka_bootstrap, topic, group, handler=slow_count) as running:
        await asyncio.wait_for(started.wait(), timeout=60)
    # Leaving the block drained the in-flight batch before stopping the subscriber.
    applied = await read_counts_total(pg_engine)
    assert applied > 0 and applied == sum(outcome.applied for outcome in running.outcomes)
    assert await group_lag(kafka_bootstrap, group, topic) == 120 - applied, "its offsets were committed too"

    async with running_consumer(url, kafka_bootstrap, topic, group) as rest:
        await wait_until(lambda: _settled(kafka_bootstrap, group, topic, rest.engine, 120))
        assert sum(outcome.duplicates for outcome in rest.outcomes) == 0, "nothing came back twice"
    assert await read_counts(pg_engine) == dict(expected)


async def test_a_database_outage_delays_events_but_never_dead_letters_them(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    expected = await produce_story(kafka_bootstrap, topic, 150)
    group = f"outage-{uuid.uuid4().hex[:8]}"
    failures = {"left": 4}

    async def flaky_database(session: AsyncSession, envelope: Envelope, event: object) -> None:
        if failures["left"] > 0:  # the first calls find the database gone
            failures["left"] -= 1
            raise OperationalError("INSERT …", {}, ConnectionRefusedError("connection refused"))
        await count_event(session, envelope, event)

    url = database_url_of(pg_engine)
    async with running_consumer(url, kafka_bootstrap, topic, group, handler=flaky_database) as running:
        await wait_until(lambda: _settled(kafka_bootstrap, group, topic, running.engine, 150), timeout=120)
        dead = sum(len(outcome.dead_letters) for outcome in running.outcomes)
    assert failures["left"] == 0, "the outage happened"
    assert dead == 0, "an outage is not the event's fault"
    assert await read_counts(pg_engine) == dict(expected)
    assert len(await inbox_rows(pg_engine)) == 150
