"""The operator's Kafka clients (admin, reader, producer), all as the principal of `Bus`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from chassis.kafka_security import aiokafka_kwargs
from ops.bus import Bus


@asynccontextmanager
async def admin_client(bus: Bus) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bus.bootstrap, **aiokafka_kwargs(bus.credentials))
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def reader(bus: Bus, group_id: str | None = None) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer that assigns partitions itself and commits only when told."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bus.bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **aiokafka_kwargs(bus.credentials),
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist (a missing topic has none)."""
    described = await admin.describe_topics(sorted(set(topics)))
    return sorted(
        TopicPartition(entry["topic"], partition["partition"])
        for entry in described
        if not entry.get("error_code")
        for partition in entry["partitions"]
    )
