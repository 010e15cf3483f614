"""Reading topics back in tests with plain aiokafka (independent of the code under test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from chassis.kafka_security import KafkaCredentials, aiokafka_kwargs


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float = 120.0,
    credentials: KafkaCredentials | None = None,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read `topic` from the beginning until `until(records)` holds or time runs out."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **aiokafka_kwargs(credentials),
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(timeout):
            while not until(records):
                batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                for partition_records in batch.values():
                    records.extend(partition_records)
    except TimeoutError:
        pass  # the caller's assertions say what is missing
    finally:
        await consumer.stop()
    return records
