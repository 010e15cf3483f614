"""The pipelined inbox binding's offsets: a batch commits after its own records only, and a batch
given back (or the batch after one) seeks each partition to its first record, never past one
already sought further back."""

from __future__ import annotations

import asyncio
from unittest.mock import AsyncMock, MagicMock

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from chassis.batch_sequence import BatchSequence, OffsetCommits, first_offsets, give_back, next_offsets
from chassis.kafka import InFlight

P0, P1, P2 = (TopicPartition("t", n) for n in range(3))


def record(partition: int, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", partition, offset, 0, 0, None, b"{}", None, 0, 2, [])


def kafka_message(assigned: set[TopicPartition]) -> MagicMock:
    consumer = MagicMock(spec=AIOKafkaConsumer)
    consumer.assignment.return_value = assigned
    consumer.commit = AsyncMock()
    message = MagicMock()
    message.consumer = consumer
    return message


BATCH = [record(0, 7), record(1, 3), record(0, 8), record(1, 4), record(0, 9)]


def test_first_and_next_offsets_per_partition() -> None:
    assert first_offsets(BATCH) == {P0: 7, P1: 3}
    assert next_offsets(BATCH) == {P0: 10, P1: 5}


async def test_a_batch_commits_after_its_own_records_not_the_consumer_position() -> None:
    message = kafka_message({P0, P1, P2})
    in_flight = InFlight()
    await OffsetCommits("c", in_flight.start).settle(message, BATCH)
    await in_flight.drain()
    message.consumer.commit.assert_awaited_once_with({P0: 10, P1: 5})
    message.ack.assert_not_called()  # FastStream's ack commits the position, past the next batch


async def test_commits_follow_one_at_a_time_with_the_highest_offsets_settled() -> None:
    message = kafka_message({P0, P1, P2})
    release = asyncio.Event()
    sent: list[dict[TopicPartition, int]] = []
    in_commit = 0

    async def slow_commit(offsets: dict[TopicPartition, int]) -> None:
        nonlocal in_commit
        in_commit += 1
        assert in_commit == 1, "one commit in flight at a time"
        sent.append(offsets)
        await release.wait()
        in_commit -= 1

    message.consumer.commit = slow_commit
    in_flight = InFlight()
    commits = OffsetCommits("c", in_flight.start)
    await commits.settle(message, [record(0, 1)])
    await asyncio.sleep(0)  # the first commit is in flight
    await commits.settle(message, [record(0, 2), record(1, 0)])
    await commits.settle(message, [record(0, 3)])
    assert sent == [{P0: 2}], "the settles return without waiting for the coordinator"
    release.set()
    await in_flight.drain()  # shutdown waits for the commit started while it drained
    assert sent == [{P0: 2}, {P0: 4, P1: 1}], "the later batches coalesce into one commit"


async def test_a_failed_commit_is_logged_and_the_next_one_goes_out() -> None:
    message = kafka_message({P0})
    message.consumer.commit = AsyncMock(side_effect=[RuntimeError("coordinator moved"), None])
    in_flight = InFlight()
    commits = OffsetCommits("c", in_flight.start)
    await commits.settle(message, [record(0, 1)])
    await in_flight.drain()
    await commits.settle(message, [record(0, 2)])
    await in_flight.drain()
    assert [call.args for call in message.consumer.commit.await_args_list] == [({P0: 2},), ({P0: 3},)]


async def test_a_partition_revoked_meanwhile_is_left_to_its_new_owner() -> None:
    message = kafka_message({P1})  # P0 was revoked after its batch applied
    in_flight = InFlight()
    await OffsetCommits("c", in_flight.start).settle(message, BATCH)
    await in_flight.drain()
    message.consumer.commit.assert_awaited_once_with({P1: 5})


async def test_give_back_seeks_each_partition_to_its_first_record() -> None:
    message = kafka_message({P0, P1})
    assert await give_back(message, BATCH) == frozenset({P0, P1})
    seeks = {call.args for call in message.consumer.seek.call_args_list}
    assert seeks == {(P0, 7), (P1, 3)}


async def test_the_next_batch_keeps_the_earlier_seek_and_skips_partitions_no_longer_assigned() -> None:
    message = kafka_message({P0, P1})  # P2 was revoked: its new owner reads it from the commit
    following = [record(0, 10), record(1, 5), record(2, 1)]
    await give_back(message, following, rewound=frozenset({P0}))
    assert [call.args for call in message.consumer.seek.call_args_list] == [(P1, 5)]


async def test_the_in_memory_broker_nacks_and_acks() -> None:
    message = MagicMock()
    message.consumer = object()
    message.ack, message.nack = AsyncMock(), AsyncMock()
    await OffsetCommits("c", InFlight().start).settle(message, BATCH)
    await give_back(message, BATCH)
    message.ack.assert_awaited_once()
    message.nack.assert_awaited_once()


async def test_the_sequence_reports_what_the_batch_before_did() -> None:
    sequence = BatchSequence()
    assert await sequence.previous_settled() == frozenset(), "no batch before"

    async def rewinding() -> frozenset[TopicPartition]:
        await asyncio.sleep(0.01)
        return frozenset({P1})

    sequence.started(asyncio.ensure_future(rewinding()))
    assert await sequence.previous_settled() == frozenset({P1}), "waited for it"
    assert await sequence.previous_settled() == frozenset(), "reported once"

    async def broken() -> frozenset[TopicPartition]:
        raise RuntimeError("nobody knows what it sought")

    sequence.started(asyncio.ensure_future(broken()))
    assert await sequence.previous_settled() is None, "the caller gives its whole batch back"


async def test_a_cancelled_caller_leaves_the_batch_before_to_finish() -> None:
    sequence = BatchSequence()
    release = asyncio.Event()

    async def applying() -> frozenset[TopicPartition]:
        await release.wait()
        return frozenset()

    before = asyncio.ensure_future(applying())
    sequence.started(before)
    waiting = asyncio.ensure_future(sequence.previous_settled())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert not before.cancelled()
    release.set()
    assert await sequence.previous_settled() == frozenset()
