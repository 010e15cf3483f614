"""How many events the services have published: the end offsets of the run's event topics.

Counted on Kafka, not from the demo's own requests, so the events that policies append (a
promotion after a certificate, a grant after a promotion) count as well.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from chassis.kafka_security import aiokafka_kwargs
from contracts.topics import ALL_EVENT_TOPICS


class EventMeter:
    def __init__(self, bootstrap: str, topic_prefix: str) -> None:
        self._topics = [topic_prefix + topic for topic in ALL_EVENT_TOPICS]
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **aiokafka_kwargs())
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        await self._consumer.start()
        await self._consumer.topics()  # fetches the cluster's metadata
        for topic in self._topics:
            found = self._consumer.partitions_for_topic(topic) or set()
            self._partitions += [TopicPartition(topic, partition) for partition in sorted(found)]

    async def stop(self) -> None:
        await self._consumer.stop()

    async def published(self) -> int:
        """Events on the run's topics so far (each topic starts empty: the run has its own)."""
        if not self._partitions:
            return 0
        ends = await self._consumer.end_offsets(self._partitions)
        return int(sum(ends.values()))
