"""Batches applied one at a time, in fetch order, while the subscriber fetches and decodes the next.

FastStream fetches a batch, decodes it, calls the handler, and fetches the next batch only once
the handler returned. A handler that awaited its batch's transaction and offset commit left the
process idle while Postgres and the broker worked, then left Postgres idle while it decoded the
next batch. So the inbox binding's handler starts its batch's apply and returns; the next call
of the handler, with the next batch already decoded, waits for that apply before starting its
own. One batch applies while at most one more is fetched and decoded.

What keeps the guarantees:
- one batch applies at a time, in fetch order, so each partition's events apply in order;
- a batch commits its own offsets (after each partition's last record), never the consumer's
  position, which already covers the next batch fetched (`commit_batch`);
- a batch that gives its records back (seeks each partition to its first record, so they come
  again) makes the next batch, already fetched, give its records back too, for the partitions the
  first did not rewind, before anything is fetched again (`give_back`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from chassis.deadletter import KafkaRecord
from chassis.logging import get_logger

log = get_logger(__name__)

Rewound = frozenset[TopicPartition]
"""The partitions a batch sought back to its first records; empty when it committed."""


def first_offsets(records: Iterable[KafkaRecord]) -> dict[TopicPartition, int]:
    """Each partition's earliest offset in the batch: where to seek to read the batch again."""
    first: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        if tp not in first or record.offset < first[tp]:
            first[tp] = record.offset
    return first


def next_offsets(records: Iterable[KafkaRecord]) -> dict[TopicPartition, int]:
    """Each partition's offset after its last record in the batch: what the batch commits."""
    after: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        after[tp] = max(after.get(tp, 0), record.offset + 1)
    return after


def _kafka_consumer(message: Any) -> AIOKafkaConsumer | None:
    """The message's aiokafka consumer; None under FastStream's in-memory test broker."""
    consumer = getattr(message, "consumer", None)
    return consumer if isinstance(consumer, AIOKafkaConsumer) else None


def fetches_ahead(message: Any) -> bool:
    """Whether the message came from Kafka, where the next batch can be fetched while this one
    applies; FastStream's in-memory test broker hands each published batch over and waits."""
    return _kafka_consumer(message) is not None


async def commit_batch(message: Any, records: Sequence[KafkaRecord]) -> None:
    """Commit the offsets after this batch's records, and no further."""
    consumer = _kafka_consumer(message)
    if consumer is None:
        await message.ack()  # the in-memory broker's consumer has no offsets to commit
        return
    await consumer.commit(next_offsets(records))


async def give_back(
    message: Any, records: Sequence[KafkaRecord], *, rewound: Rewound = frozenset()
) -> Rewound:
    """Seek each of the batch's partitions back to its first record, so the batch comes again and
    no later commit covers it; a partition in `rewound` was already sought back further, by the
    batch before, and a partition no longer assigned is read again by its new owner from the
    committed offset. Returns the partitions of the batch."""
    consumer = _kafka_consumer(message)
    if consumer is None:
        await message.nack()
        return frozenset(first_offsets(records))
    assigned = consumer.assignment()
    first = first_offsets(records)
    for tp, offset in first.items():
        if tp not in rewound and tp in assigned:
            consumer.seek(tp, offset)
    return frozenset(first)


class BatchSequence:
    """The apply of the batch before, which the next batch waits for."""

    def __init__(self) -> None:
        self._previous: asyncio.Future[Rewound] | None = None

    async def previous_settled(self) -> Rewound | None:
        """Wait for the batch before to be committed or given back; returns what it rewound, or
        None when it failed in a way that says nothing of its offsets (the caller gives its own
        batch back whole). A cancelled caller (the subscriber stopping) leaves it to finish."""
        previous = self._previous
        if previous is None:
            return frozenset()
        try:
            rewound = await asyncio.shield(previous)
        except asyncio.CancelledError:
            if not previous.done():
                raise  # this caller was cancelled, not the batch before
            rewound = None
        except Exception as error:
            log.error("inbox.batch_failed_unsettled", error=repr(error))
            rewound = None
        self._previous = None
        return rewound

    def started(self, apply: asyncio.Future[Rewound]) -> None:
        self._previous = apply
