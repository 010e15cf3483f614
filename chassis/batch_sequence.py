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
  position, which already covers the next batch fetched (`OffsetCommits`);
- the next batch waits for the batch before's transaction, not for its offset commit: the commits
  follow behind, one at a time, each the highest offsets settled so far (`OffsetCommits`);
- a batch that gives its records back (seeks each partition to its first record, so they come
  again) makes the next batch, already fetched, give its records back too, for the partitions the
  first did not rewind, before anything is fetched again (`give_back`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
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


class OffsetCommits:
    """Commits the offsets of applied batches behind the applies, one commit at a time.

    A batch's offset commit is a round trip to the group coordinator, which appends it to
    __consumer_offsets: 7 ms per batch of 500 on the 2-core bench machine, as long as the batch's
    own transaction. Awaited before the next batch could apply, it halved the projection's rate.
    So a batch is settled once its transaction committed; its offsets join the pending ones and
    a background commit sends the highest offset of each partition, while the next batches apply.

    Committing later loses nothing: a record whose offset is not committed yet comes again after a
    crash or a rebalance, and the inbox absorbs it. Commits never go backwards: one is in flight at
    a time, pending offsets only grow, and a batch given back seeks instead of adding offsets. The
    commit task runs under `InFlight`, so shutdown waits for the last commit.
    """

    def __init__(self, name: str, start: Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]]) -> None:
        self.name = name
        self._start = start
        self._pending: dict[AIOKafkaConsumer, dict[TopicPartition, int]] = {}
        self._committing: asyncio.Task[None] | None = None

    async def settle(self, message: Any, records: Sequence[KafkaRecord]) -> None:
        """Commit the offsets after this batch's records, and no further (the consumer's position
        already covers the batch fetched next); in the background on Kafka."""
        consumer = _kafka_consumer(message)
        if consumer is None:
            await message.ack()  # the in-memory broker: no offsets, and a publish waits for this
            return
        pending = self._pending.setdefault(consumer, {})
        for tp, offset in next_offsets(records).items():
            pending[tp] = max(pending.get(tp, 0), offset)
        if self._committing is None or self._committing.done():
            self._committing = self._start(self._commit_pending())

    async def _commit_pending(self) -> None:
        while self._pending:
            consumer, offsets = self._pending.popitem()
            # A partition revoked since its batch applied is its new owner's to commit.
            assigned = consumer.assignment()
            offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
            if not offsets:
                continue
            try:
                await consumer.commit(offsets)
            except Exception as error:
                # The transactions are committed: records whose offsets stay uncommitted come
                # again (to this member or the partition's new owner) and change nothing (the inbox).
                log.warning("inbox.offset_commit_failed", consumer=self.name, error=repr(error))


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
