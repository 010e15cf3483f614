"""The relay's partitioner must send every key where Kafka's own clients would."""

from __future__ import annotations

import uuid
from collections import Counter

from aiokafka.partitioner import DefaultPartitioner

from chassis.kafka import PRODUCER_OPTIONS
from chassis.partitioning import RememberingPartitioner


def test_every_key_goes_where_the_default_partitioner_sends_it() -> None:
    remembering, default = RememberingPartitioner(), DefaultPartitioner()
    keys = [str(uuid.UUID(int=n)).encode() for n in range(2_000)] + [
        b"",
        b"a",
        "工匠".encode(),
        bytes(range(256)),
    ]
    for count in (1, 3, 6, 12, 50):
        partitions = list(range(count))
        for key in keys * 2:  # the second pass answers from the remembered hashes
            assert remembering(key, partitions, partitions) == default(key, partitions, partitions)


def test_a_topic_that_gains_partitions_is_partitioned_anew() -> None:
    remembering, default = RememberingPartitioner(), DefaultPartitioner()
    key = b"worker-42"
    assert remembering(key, [0, 1, 2], [0, 1, 2]) == default(key, [0, 1, 2], [0, 1, 2])
    grown = list(range(7))
    assert remembering(key, grown, grown) == default(key, grown, grown)


def test_a_bytearray_key_is_partitioned_like_its_bytes() -> None:
    partitions = list(range(6))
    assert RememberingPartitioner()(bytearray(b"stream-1"), partitions, partitions) == DefaultPartitioner()(
        b"stream-1", partitions, partitions
    )


def test_unkeyed_records_spread_over_the_available_partitions() -> None:
    chosen = Counter(RememberingPartitioner()(None, [0, 1, 2, 3], [1, 3]) for _ in range(400))
    assert set(chosen) == {1, 3}


def test_the_platform_producers_use_it() -> None:
    assert isinstance(PRODUCER_OPTIONS["partitioner"], RememberingPartitioner)
