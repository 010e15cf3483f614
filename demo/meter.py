"""How many events the services have published: the end offsets of the run's event topics.

Counted on Kafka, not from the demo's own requests, so the events that policies append (a
promotion after a certificate, a grant after a promotion) count as well.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from chassis.kafka_security import aiokafka_kwargs
from contracts.topics import ALL_EVENT_TOPICS


class EventMeter:
    def __init__(self, bootstrap: str, topic_prefix: str) -> None:
        topics = [topic_prefix + topic for topic in ALL_EVENT_TOPICS]
        self._consumer = AIOKafkaConsumer(
            *topics, bootstrap_servers=bootstrap, group_id=None, **aiokafka_kwargs()
        )
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        """Subscribed (never polled), so the client keeps the topics' partitions in its metadata."""
        await self._consumer.start()
        while not self._consumer.assignment():
            await asyncio.sleep(0.05)
        self._partitions = sorted(self._consumer.assignment())

    async def stop(self) -> None:
        await self._consumer.stop()

    async def published(self) -> int:
        """Events on the run's topics so far (each topic starts empty: the run has its own)."""
        if not self._partitions:
            return 0
        ends = await self._consumer.end_offsets(self._partitions)
        return int(sum(ends.values()))
