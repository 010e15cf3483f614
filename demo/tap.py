"""Watches the four event topics and tells what each service published, as it happens."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable

from aiokafka import AIOKafkaConsumer

from chassis.kafka import ensure_topics
from chassis.kafka_security import aiokafka_kwargs
from contracts.topics import ALL_EVENT_TOPICS


@contextlib.asynccontextmanager
async def event_tap(
    bootstrap: str, topic_prefix: str, show: Callable[[dict[str, object]], None]
) -> AsyncIterator[list[dict[str, object]]]:
    """Yields the list of envelopes seen so far; only events published after the start."""
    topics = [topic_prefix + topic for topic in ALL_EVENT_TOPICS]
    await ensure_topics(bootstrap, topics)  # the run's own topics exist before anyone writes
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest", **aiokafka_kwargs()
    )
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    await consumer.seek_to_end()
    for partition in consumer.assignment():
        await consumer.position(partition)  # pin "latest" now, before the story starts
    seen: list[dict[str, object]] = []

    async def pump() -> None:
        async for record in consumer:
            envelope = json.loads(record.value)
            seen.append(envelope)
            show(envelope)

    task = asyncio.create_task(pump())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()
