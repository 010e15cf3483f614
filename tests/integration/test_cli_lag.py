"""`craftsman lag`: the lag of a service's consumer group per topic, from the real Kafka admin."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from chassis.kafka import ensure_topics
from chassis.kafka_security import aiokafka_kwargs
from ops.bus import Bus
from ops.kafka_admin import reader
from ops.lag import consumer_lag
from ops.read_models import SPECS
from tests.cli_support import craftsman

pytestmark = pytest.mark.kafka


async def commit(bus: Bus, group: str, tp: TopicPartition, offset: int) -> None:
    async with reader(bus, group_id=group) as consumer:
        consumer.assign([tp])
        await consumer.commit({tp: OffsetAndMetadata(offset, "")})


async def test_lag_per_service_group_and_topic(kafka_bootstrap: str, topic: str) -> None:
    await ensure_topics(kafka_bootstrap, [topic], with_dead_letters=False)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", **aiokafka_kwargs())
    await producer.start()
    try:
        for number in range(10):
            await producer.send_and_wait(topic, b"{}", key=str(number).encode(), partition=number % 2)
    finally:
        await producer.stop()
    prefix = f"lag-{uuid.uuid4().hex[:8]}-"
    bus = replace(Bus.from_environment(), bootstrap=kafka_bootstrap, group_prefix=prefix)
    await commit(bus, f"{prefix}training.workers", TopicPartition(topic, 0), 4)  # 1 of 5 behind
    await commit(bus, f"{prefix}training.workers", TopicPartition(topic, 1), 2)  # 3 of 5 behind
    await commit(bus, f"{prefix}nobody.workers", TopicPartition(topic, 0), 0)  # not a service's group
    # The dashboard only reads, and its group is a service's like the others'.
    await commit(bus, f"{prefix}dashboard.read-model", TopicPartition(topic, 0), 5)  # caught up

    rows = await consumer_lag(bus, SPECS)
    shown = await craftsman("lag", "--group-prefix", prefix)

    assert [(row.service, row.group, row.topic, row.committed, row.end, row.lag) for row in rows] == [
        ("dashboard", f"{prefix}dashboard.read-model", topic, 5, 5, 0),
        ("training", f"{prefix}training.workers", topic, 6, 10, 4),
    ]
    assert shown.code == 0, shown.output
    dashboard, training = [line for line in shown.output.splitlines() if topic in line]
    assert f"{prefix}dashboard.read-model" in dashboard and dashboard.split("│")[-2].strip() == "0"
    assert f"{prefix}training.workers" in training and training.split("│")[-2].strip() == "4"
    assert "nobody" not in shown.output
