"""Kafka figures: raw consume vs a projection (inbox consumer), and the replay (produce and relay: relay_figures).

Each pair runs the same records against fresh topics of the same partition count,
on the same broker, in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Literal
from uuid import UUID

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.report import Measurement, rate
from bench.resources import Resources, offsets, partitions_of, read_between
from bench.services import rss_mb
from bench.workload import Record
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import inbox
from chassis.heap import service_heap
from chassis.inbox import BatchHandler, BatchOutcome, Delivery, InboxConsumer
from chassis.kafka import InFlight, bind_inbox_consumer, create_producer
from chassis.kafka_security import aiokafka_kwargs, faststream_security
from chassis.settings import ServiceSettings, default_consumer_batch_size
from chassis.telemetry import kafka_telemetry
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.training import TrainingCompleted
from tests.support import (
    COUNT_IN_ROUNDS,
    count_event,
    count_events_in_bulk,
    create_projection_tables,
    read_counts_total,
)

DEFAULTS = ServiceSettings()
# The bench's consumers all write to Postgres: its default batch, unless one is configured.
CONSUMER_BATCH = DEFAULTS.consumer_batch_size or default_consumer_batch_size("postgresql+asyncpg://")
CONSUMER_BATCH_TIMEOUT_MS = DEFAULTS.consumer_batch_timeout_ms
QUIET = logging.getLogger("bench.faststream")
QUIET.setLevel(logging.WARNING)


def workload_frozen() -> contextlib.AbstractContextManager[None]:
    """The bench process holds the whole workload (hundreds of thousands of envelopes and records):
    a service's producer or consumer has none of it in its heap, so it must not pay the garbage
    collector's passes over it either (a full pass over it took 1.2 to 1.8 s, several times per
    figure). Frozen, as `serve` freezes a service's imports, and with a service's collector
    thresholds (chassis/heap.py), on both sides of each comparison; restored afterwards."""
    return service_heap()


async def produce_topic(res: Resources, records: Iterable[Record], purpose: str = "consume-source") -> str:
    """A topic holding the records (not timed: a source for the consume figures); sent in chunks,
    so a million records never sit in memory at once."""
    topic = await res.topic(purpose)
    producer = create_producer(res.kafka, client_id=f"bench-source-{res.run_id}")
    await producer.start()
    try:
        deliveries = []
        for r in records:
            deliveries.append(await producer.send(topic, value=r.value, key=r.key, headers=r.headers))
            if len(deliveries) >= 50_000:
                await asyncio.gather(*deliveries)
                deliveries = []
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return topic


async def raw_consume(
    res: Resources,
    topic: str,
    expected: int,
    *,
    key: str = "raw_consume",
    label: str = "raw consume (aiokafka)",
) -> Measurement:
    """A plain aiokafka consumer (no group) reading the topic from its start to its end offsets.

    A figure that measures its own baseline gives it a key of its own (keys are unique in a run)."""
    partitions = await partitions_of(res.kafka, [topic])
    beginning, end = await offsets(res.kafka, partitions)
    total = sum(end[tp] - beginning[tp] for tp in partitions)
    count = value_bytes = 0

    async def tally(records: list[ConsumerRecord[bytes, bytes]]) -> None:
        nonlocal count, value_bytes
        count += len(records)
        value_bytes += sum(len(r.value or b"") for r in records)

    started = time.perf_counter()
    await read_between(
        res.kafka, beginning, end, tally, client_id=f"bench-consume-{res.run_id}", max_records=CONSUMER_BATCH
    )
    elapsed = time.perf_counter() - started
    if count != total or total < expected:
        raise RuntimeError(f"read {count} records of {total} (expected {expected})")
    return Measurement(
        key=key,
        label=label,
        value=rate(count, elapsed),
        unit="events/s",
        method=(
            "AIOKafkaConsumer without a group, assigned every partition, getmany(max_records=consumer "
            "batch size) from the start to the end offsets; bytes only, no decoding; timed from start()"
        ),
        params={"events": count, "partitions": len(partitions), "max_records": CONSUMER_BATCH},
        detail={
            "count": count,
            "elapsed_s": round(elapsed, 3),
            "mean_value_bytes": round(value_bytes / count) if count else 0,
        },
    )


Handler = Literal["batch", "per-event", "rounds"]
PURPOSES: Mapping[Handler, str] = {
    "batch": "projection",
    "per-event": "projection-per-event",
    "rounds": "projection-rounds",
}
LABELS: Mapping[Handler, str] = {
    "batch": "projection",
    "per-event": "projection, per-event handler",
    "rounds": "projection, per-event writes in rounds",
}
METHODS: Mapping[Handler, str] = {
    "batch": "applying tests.support.count_events_in_bulk (a batch handler: one upsert per batch)",
    "per-event": (
        "applying tests.support.count_event (the writer count_writes one event at a time: insert-if-missing "
        "+ add one, two statements per event, each built once and executed with the event's parameters)"
    ),
    "rounds": (
        "applying tests.support.COUNT_IN_ROUNDS (the same writer count_writes, a batch's writes in rounds by "
        "chassis.row_writes.in_rounds: the n-th write to a row in round n, a round one executemany per statement)"
    ),
}


async def projection(
    res: Resources, topic: str, expected: int, *, handler: Handler = "batch", purpose: str | None = None
) -> Measurement:
    """A FastStream consumer group with the chassis inbox consumer rebuilding a read model.

    The read model is tests.support's worker_counts, applied by its batch handler (one upsert
    statement per batch), its per-event handler (two statements per event), or the per-event
    handler's writes in rounds (chassis/row_writes.py: a few executemany statements per batch).
    """
    purpose = purpose or PURPOSES[handler]
    url = await res.database(purpose.replace("-", "_"))
    engine = create_engine(url)
    await create_projection_tables(engine)
    group = res.group(purpose)
    producer = create_producer(res.kafka, client_id=f"bench-projection-dlq-{res.run_id}")
    first_apply: list[float] = []
    applied: list[int] = [0]
    dead_letters: list[int] = [0]
    all_applied: list[float] = []

    async def count(session: AsyncSession, envelope: Envelope, event: object) -> None:
        if not first_apply:
            first_apply.append(time.perf_counter())
        await count_event(session, envelope, event)

    def timed(apply: BatchHandler) -> BatchHandler:
        async def first_timed(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
            if not first_apply:
                first_apply.append(time.perf_counter())
            await apply(session, deliveries)

        return first_timed

    everything_applied = asyncio.Event()

    async def after_commit(outcome: BatchOutcome) -> None:
        applied[0] += outcome.applied
        dead_letters[0] += len(outcome.dead_letters)
        if applied[0] >= expected and not all_applied:
            all_applied.append(time.perf_counter())
            everything_applied.set()

    applying: Mapping[Handler, BatchHandler] = {
        "batch": count_events_in_bulk,
        "rounds": COUNT_IN_ROUNDS[TrainingCompleted],
    }
    in_batches: dict[type[Event], BatchHandler] = (
        {TrainingCompleted: timed(applying[handler])} if handler in applying else {}
    )
    consumer = InboxConsumer(
        name=group,
        sessions=session_factory(engine),
        handlers={TrainingCompleted: count} if handler == "per-event" else {},
        batch_handlers=in_batches,
        dead_letters=DeadLetterPublisher(producer, consumer=group),
        after_commit=after_commit,
    )
    # Built like chassis.service.build_runtime builds a service's broker.
    # FastStream's own lines (per batch, per rebalance) go to a logger that shows warnings only.
    broker = KafkaBroker(
        res.kafka,
        security=faststream_security(),
        client_id=f"bench-projection-{res.run_id}",
        middlewares=kafka_telemetry(),
        logger=QUIET,
    )
    in_flight = InFlight()
    bind_inbox_consumer(
        broker,
        consumer,
        topics=[topic],
        group_id=group,
        batch_size=CONSUMER_BATCH,
        batch_timeout_ms=CONSUMER_BATCH_TIMEOUT_MS,
        in_flight=in_flight,
    )
    partitions = await partitions_of(res.kafka, [topic])
    _, end = await offsets(res.kafka, partitions)
    admin = AIOKafkaAdminClient(bootstrap_servers=res.kafka, **aiokafka_kwargs())
    await admin.start()
    await producer.start()
    memory = RssSampler()
    with workload_frozen():
        try:
            started = time.perf_counter()
            sampling = asyncio.create_task(memory.run())
            await broker.start()
            # Nothing polls the broker while the consumer works: the bench shares its event loop.
            await asyncio.wait_for(everything_applied.wait(), timeout=1800)
            await _until_committed(admin, group, end, timeout=900)
            committed_at = time.perf_counter()
            sampling.cancel()
        finally:
            await in_flight.drain()
            await broker.stop()
            await producer.stop()
            await admin.close()
    try:
        total = await read_counts_total(engine)
        async with engine.connect() as connection:
            claimed = int(await connection.scalar(select(func.count()).select_from(inbox)) or 0)
    finally:
        await engine.dispose()
    if total != expected or claimed != expected:
        raise RuntimeError(f"read model counts {total}, inbox {claimed}, expected {expected}")
    elapsed = committed_at - started
    steady = committed_at - first_apply[0] if first_apply else elapsed
    return Measurement(
        key=PURPOSES[handler].replace("-", "_"),
        label=f"{LABELS[handler]} (FastStream + inbox → Postgres)",
        value=rate(expected, elapsed),
        unit="events/s",
        method=(
            "one FastStream consumer-group member, chassis.kafka.bind_inbox_consumer, InboxConsumer "
            + METHODS[handler]
            + " into Postgres, an inbox row per event, offsets committed behind the batches' transactions (chassis/batch_sequence.py OffsetCommits); "
            "timed from broker.start() until the group's committed offsets reach the end offsets; the bench's "
            "own heap (the workload it built) frozen out of the garbage collector first and a service's collector thresholds set, as `serve` does for a "
            "service's imports"
        ),
        params={
            "events": expected,
            "partitions": len(partitions),
            "batch_size": CONSUMER_BATCH,
            "batch_timeout_ms": CONSUMER_BATCH_TIMEOUT_MS,
            "group_members": 1,
        },
        detail={
            "count": expected,
            "elapsed_s": round(elapsed, 3),
            "join_to_first_apply_s": round(first_apply[0] - started, 3) if first_apply else None,
            "all_applied_s": round(all_applied[0] - started, 3) if all_applied else None,
            "steady_events_per_s": round(rate(expected, steady), 1),
            "dead_letters": dead_letters[0],
            "bench_process_rss_mb": memory.summary(),
        },
    )


class RssSampler:
    """The bench process's resident memory, every half second while a figure runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self) -> None:
        while True:
            self.samples.append(rss_mb())
            await asyncio.sleep(0.5)

    def summary(self) -> dict[str, float]:
        if not self.samples:
            return {}
        return {
            "start": round(self.samples[0], 1),
            "end": round(self.samples[-1], 1),
            "peak": round(max(self.samples), 1),
        }


async def replay(res: Resources, records: Sequence[Record], events: int) -> Measurement:
    """A fresh read model rebuilt from `events` records (the projection's batch handler)."""
    topic = await produce_topic(res, many(records, events), "replay-source")
    rebuilt = await projection(res, topic, events, purpose="replay")
    seconds = float(rebuilt.detail["elapsed_s"])
    per_million = seconds * 1_000_000 / events
    return Measurement(
        key="replay",
        label=f"replay 1M events into a fresh read model ({'measured' if events == 1_000_000 else f'from {events:,}'})",
        value=per_million,
        unit="s",
        method=(
            "the projection figure's consumer (FastStream + inbox + batch handler, one group member) on a "
            f"topic of {events:,} records (the workload's records with fresh event ids), from broker start "
            "until its committed offsets reach the end; RSS of the bench process (which runs the consumer) "
            "sampled every 0.5 s; the value is seconds per million events (measured on `count` events)"
        ),
        params={**rebuilt.params},
        detail={**rebuilt.detail, "measured_s": seconds, "events_per_s": round(rate(events, seconds), 1)},
    )


def many(records: Sequence[Record], events: int) -> Iterator[Record]:
    """`events` records cycled from `records`, each with an event id of its own (made lazily)."""
    for n in range(events):
        template = records[n % len(records)]
        old_id = dict(template.headers)["event_id"]
        new_id = str(UUID(int=(1 << 122) + n)).encode()
        yield Record(
            key=template.key,
            value=template.value.replace(old_id, new_id, 1),
            headers=[(name, new_id if name == "event_id" else value) for name, value in template.headers],
        )


async def _until_committed(
    admin: AIOKafkaAdminClient, group: str, end: dict[TopicPartition, int], *, timeout: float
) -> None:
    async with asyncio.timeout(timeout):
        while True:
            committed = await admin.list_consumer_group_offsets(group, partitions=list(end))
            if all(
                offset == 0 or ((c := committed.get(tp)) is not None and c.offset >= offset)
                for tp, offset in end.items()
            ):
                return
            await asyncio.sleep(0.05)
