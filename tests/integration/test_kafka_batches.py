"""The relay's record batches on a real broker: every record once, on the partition send() would
choose, in order per partition, across batches that fill up and across two topics."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

import pytest
from aiokafka.structs import ConsumerRecord

from chassis.kafka import create_producer, ensure_topics
from chassis.kafka_batches import Record, send_in_batches
from chassis.partitioning import partition_of
from tests.kafka_support import read_topic

pytestmark = [pytest.mark.kafka]


def all_of(count: int) -> Callable[[list[ConsumerRecord[bytes, bytes]]], bool]:
    return lambda received: len(received) >= count


async def test_records_land_where_send_would_put_them_in_order(kafka_bootstrap: str, topic: str) -> None:
    other = f"{topic}.other"
    await ensure_topics(kafka_bootstrap, [topic, other], partitions=3, with_dead_letters=False)
    producer = create_producer(kafka_bootstrap, client_id="batches-test")
    await producer.start()
    # 40 kB values: a partition's 512 kB batch fills after a dozen, so batches fill mid-call.
    records: list[Record] = [
        (
            other if n % 5 == 0 else topic,
            f"stream-{n % 7}".encode(),
            n.to_bytes(4, "big") + bytes(40_000),
            [("seq", str(n).encode())],
        )
        for n in range(300)
    ]
    try:
        acks = await send_in_batches(producer, records[:150])
        acks += await send_in_batches(producer, records[150:])  # the relay's next batch
        await asyncio.gather(*acks)
        assert len(acks) > 2 * 3  # more than one batch per partition: some filled up
    finally:
        await producer.stop()

    for name in (topic, other):
        expected = [r for r in records if r[0] == name]
        received = await read_topic(kafka_bootstrap, name, until=all_of(len(expected)))
        assert len(received) == len(expected)
        by_partition: dict[int, list[int]] = defaultdict(list)
        for record in received:
            assert record.partition == partition_of(record.key, [0, 1, 2])
            assert record.headers == (
                ("seq", str(int.from_bytes((record.value or b"")[:4], "big")).encode()),
            )
            by_partition[record.partition].append(int.from_bytes((record.value or b"")[:4], "big"))
        for partition, sequence in by_partition.items():
            sent = [int.from_bytes((r[2] or b"")[:4], "big") for r in expected]
            assert sequence == [n for n in sent if partition_of(records[n][1], [0, 1, 2]) == partition]
