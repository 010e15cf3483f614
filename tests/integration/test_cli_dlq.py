"""`craftsman dlq`: a bad record lands in the dead-letter topic, is fixed and replayed, the
consumer applies it once; a second replay does nothing. On the real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.kafka import ensure_topics
from chassis.kafka_security import aiokafka_kwargs
from contracts.envelope import StreamRef
from contracts.topics import dead_letter_topic
from ops.bus import Bus
from ops.dlq import Letter, dead_letters
from ops.kafka_admin import admin_client, partitions_of, reader
from tests.cli_support import craftsman
from tests.consumer_harness import POISON_WORKER, running_consumer, wait_until
from tests.support import envelopes_for, read_counts

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


async def produce(bootstrap: str, topic: str, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **aiokafka_kwargs())
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k", headers=[("traceparent", b"00-ab-cd-01")])
    finally:
        await producer.stop()


async def offsets_of(topic: str) -> list[tuple[int, int]]:
    """(partition, offset) of every record ever written to `topic`."""
    bus = Bus.from_environment()
    async with admin_client(bus) as admin:
        partitions = await partitions_of(admin, [topic])
    async with reader(bus) as consumer:
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
    return [(tp.partition, offset) for tp in partitions for offset in range(starts[tp], ends[tp])]


async def test_a_dead_letter_fixed_and_replayed_is_applied_once_and_never_replayed_again(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    dlq = dead_letter_topic(topic)
    (good,) = envelopes_for(StreamRef(type="Worker", id="w-good"), 1, 1)
    (fixable,) = envelopes_for(StreamRef(type="Worker", id="w-fix"), 1, 1)
    broken = fixable.model_copy(update={"payload": {**fixable.payload, "hours": "a whole day"}})
    (poison,) = envelopes_for(StreamRef(type="Worker", id=POISON_WORKER), 1, 1)
    url = pg_engine.url.render_as_string(hide_password=False)

    async def pending() -> list[Letter]:
        async with dead_letters(Bus.from_environment()) as letters:
            return await letters.pending(dlq)

    async def parked(count: int) -> bool:
        return len(await pending()) == count

    async with running_consumer(url, kafka_bootstrap, topic, f"group-{topic}") as running:
        await produce(kafka_bootstrap, topic, good.to_bytes(), broken.to_bytes())
        await wait_until(lambda: parked(1))
        listed = await craftsman("dlq", "list", "--prefix", topic)
        shown = await craftsman("dlq", "show", topic)
        unfixed = await craftsman("dlq", "replay", dlq)
        fixed = await craftsman("dlq", "replay", dlq, "--edit", json.dumps({"payload": {"hours": 8}}))

        async def both_applied() -> bool:
            return await read_counts(running.engine) == {"w-good": 1, "w-fix": 1}

        await wait_until(both_applied)
        records_after_replay = len(await offsets_of(topic))
        pending_after_replay = await pending()
        again = await craftsman("dlq", "replay", dlq)
        ((partition, offset),) = await offsets_of(dlq)
        named = await craftsman("dlq", "replay", dlq, "--partition", str(partition), "--offset", str(offset))
        await produce(kafka_bootstrap, topic, poison.to_bytes())  # its handler always fails
        await wait_until(lambda: parked(1))
        discarded = await craftsman("dlq", "discard", dlq)
        await asyncio.sleep(1.0)  # time for a second application to show, were there one
        counts = await read_counts(running.engine)
        after_list = await craftsman("dlq", "list", "--prefix", topic)

    assert listed.code == 0 and dlq in listed.output and "invalid_payload 1" in listed.output, listed.output
    assert shown.code == 0 and "invalid_payload" in shown.output and "a whole day" in shown.output, (
        shown.output
    )
    assert unfixed.code == 2 and "still does not decode" in unfixed.output, unfixed.output
    assert fixed.code == 0 and "replayed" in fixed.output, fixed.output
    assert pending_after_replay == []
    assert again.code == 2 and "no pending letter" in again.output, again.output
    assert named.code == 2 and "already replayed or discarded" in named.output, named.output
    assert records_after_replay == 3  # good, broken, and the fixed one once
    assert len(await offsets_of(topic)) == 4  # then only the poison: no replay published again
    assert discarded.code == 0 and "handler_failed" in discarded.output, discarded.output
    assert counts == {"w-good": 1, "w-fix": 1}
    assert after_list.code == 0 and "handler_failed" not in after_list.output, after_list.output
