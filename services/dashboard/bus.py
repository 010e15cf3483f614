"""Live figures of the bus: each service's event rate on its topic and its consumer groups' lag.

Lag is end offset minus committed offset, per partition of the public topics a group has
committed, summed per service (Kafka admin: the groups named `<group prefix><service>.*`). The rate is the growth of
the service's topic's end offsets between two samples. A sample costs a few admin requests, so
it is cached for `ttl_seconds` and shared by every request in that window.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import BaseModel

from chassis.kafka_security import KafkaCredentials, aiokafka_kwargs
from chassis.logging import get_logger
from chassis.settings import ServiceSettings
from contracts.topics import ALL_EVENT_TOPICS, CONSUMED_TOPICS, TOPIC_OF_PRODUCER

log = get_logger(__name__)
CONSUMING_SERVICES: tuple[str, ...] = tuple(CONSUMED_TOPICS)


class ServiceLive(BaseModel):
    service: str
    topic: str | None
    events: int | None  # end offsets summed over the topic's partitions
    events_per_second: float | None  # None until two samples exist
    lag: int | None  # None: no committed offsets (the service's groups never ran)
    groups: dict[str, int]


class Live(BaseModel):
    sampled_at: float
    available: bool
    services: list[ServiceLive]


@dataclass(frozen=True, slots=True)
class Sample:
    taken_at: float
    end_offsets: Mapping[TopicPartition, int]
    committed: Mapping[str, Mapping[TopicPartition, int]]  # group → partition → offset


def group_lag(committed: Mapping[TopicPartition, int], end_offsets: Mapping[TopicPartition, int]) -> int:
    """Records not yet consumed by a group, over the partitions it has committed."""
    return sum(max(end_offsets.get(partition, offset) - offset, 0) for partition, offset in committed.items())


def topic_total(end_offsets: Mapping[TopicPartition, int], topic: str) -> int | None:
    found = [offset for partition, offset in end_offsets.items() if partition.topic == topic]
    return sum(found) if found else None


def figures(sample: Sample, previous: Sample | None, settings: ServiceSettings) -> list[ServiceLive]:
    """The live view of every service from one sample and the one before it. Pure."""
    answers = []
    for service in CONSUMING_SERVICES:
        own = TOPIC_OF_PRODUCER.get(service)
        topic = settings.topic_prefix + own if own else None
        events = topic_total(sample.end_offsets, topic) if topic else None
        rate = None
        if topic and previous is not None and events is not None:
            before = topic_total(previous.end_offsets, topic)
            elapsed = sample.taken_at - previous.taken_at
            if before is not None and elapsed > 0:
                rate = round((events - before) / elapsed, 1)
        prefix = f"{settings.consumer_group_prefix}{service}."
        groups = {
            group.removeprefix(settings.consumer_group_prefix): group_lag(offsets, sample.end_offsets)
            for group, offsets in sorted(sample.committed.items())
            if group.startswith(prefix)
        }
        answers.append(
            ServiceLive(
                service=service,
                topic=topic,
                events=events,
                events_per_second=rate,
                lag=sum(groups.values()) if groups else None,
                groups=groups,
            )
        )
    return answers


class BusMonitor:
    def __init__(self, settings: ServiceSettings, ttl_seconds: float = 3.0) -> None:
        self._settings = settings
        self._ttl = ttl_seconds
        self._lock = asyncio.Lock()
        self._latest: Sample | None = None
        self._previous: Sample | None = None
        self._failed_at = float("-inf")  # a failure is remembered as long as a sample

    async def live(self) -> Live:
        async with self._lock:  # one sample at a time; the others wait and share it
            now = time.monotonic()
            if now - self._failed_at < self._ttl:
                return Live(sampled_at=time.time(), available=False, services=[])
            if self._latest is None or now - self._latest.taken_at > self._ttl:
                try:
                    sample = await asyncio.wait_for(self._sample(), timeout=5)
                except Exception as error:  # the page shows "unavailable" rather than failing
                    log.warning("dashboard.bus_sample_failed", error=repr(error))
                    self._failed_at = time.monotonic()
                    return Live(sampled_at=time.time(), available=False, services=[])
                self._previous, self._latest = self._latest, sample
        return Live(
            sampled_at=time.time(),
            available=True,
            services=figures(self._latest, self._previous, self._settings),
        )

    async def _sample(self) -> Sample:
        settings = self._settings
        kwargs = aiokafka_kwargs(KafkaCredentials.from_settings(settings))
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, **kwargs)
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, **kwargs)
        await admin.start()
        await consumer.start()
        try:
            prefixes = tuple(f"{settings.consumer_group_prefix}{service}." for service in CONSUMING_SERVICES)
            names = [
                group for group, *_ in await admin.list_consumer_groups() if str(group).startswith(prefixes)
            ]
            committed = {
                group: {
                    partition: meta.offset
                    for partition, meta in (await admin.list_consumer_group_offsets(group)).items()
                    if meta.offset >= 0
                }
                for group in names
            }
            # The public topics only: the dashboard's principal may describe nothing else (an
            # inbound consumer's lag on the enterprises' topics is not shown).
            public = sorted(
                {settings.topic_prefix + topic for topic in ALL_EVENT_TOPICS} & await consumer.topics()
            )
            partitions = {
                TopicPartition(described["topic"], partition["partition"])
                for described in (await admin.describe_topics(public) if public else [])
                if not described.get("error_code")
                for partition in described["partitions"]
            }
            end_offsets = await consumer.end_offsets(sorted(partitions)) if partitions else {}
            return Sample(time.monotonic(), end_offsets, committed)
        finally:
            await consumer.stop()
            await admin.close()
