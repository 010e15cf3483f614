"""Which partition a keyed record goes to: the Java client's choice, with each key's hash remembered.

aiokafka's DefaultPartitioner computes murmur2 of the key in pure Python on every send: 7.5 us
for a 36-byte stream id on the bench machine, a fifth of what sending a record costs the relay.
A platform's keys are stream ids, and a stream's events go out together (a command's events, a
relay batch, an import), so the hash of a key just sent is the one needed next. The choice is the
same as DefaultPartitioner's (and the Java client's) for every key and partition count: only the
hash is cached, never the partition, so a topic that gains partitions is partitioned as Kafka's
own clients would.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from aiokafka.partitioner import DefaultPartitioner, murmur2

# Stream ids are about 40 bytes: 65,536 of them and their hashes take a few megabytes.
REMEMBERED_KEYS = 65_536
_UNKEYED = DefaultPartitioner()  # spreads unkeyed records at random


@lru_cache(maxsize=REMEMBERED_KEYS)
def _positive_hash(key: bytes) -> int:
    return int(murmur2(key)) & 0x7FFFFFFF


def partition_of(key: bytes | bytearray | None, partitions: Sequence[int]) -> int:
    """The partition `AIOKafkaProducer.send()` would choose among the topic's partitions (sorted),
    all of them taken as available: a keyed record's never depends on availability."""
    if key is None:
        return int(_UNKEYED(key, partitions, partitions))
    return partitions[_positive_hash(bytes(key)) % len(partitions)]


class RememberingPartitioner:
    """An aiokafka partitioner (`AIOKafkaProducer(partitioner=...)`) equal to DefaultPartitioner."""

    def __call__(
        self, key: bytes | bytearray | None, all_partitions: Sequence[int], available: Sequence[int]
    ) -> int:
        if key is None:  # at random among the available ones, as DefaultPartitioner does
            return int(_UNKEYED(key, all_partitions, available))
        return partition_of(key, all_partitions)
