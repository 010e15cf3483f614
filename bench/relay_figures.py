"""Produce figures: raw aiokafka, the chassis's producer and the relay, in interleaved rounds.

One run of each said little: on this shared 2-core machine (Kafka, Postgres and the bench on
the same cores) raw produce alone ranged 27k-68k events/s between runs, and relay / raw produce
0.60x-1.19x. So the three are measured in turn, `rounds` times, each on a fresh topic (the relay
on a fresh copy of one filled outbox), and each figure is the median of its rounds; every round
is kept in the results.

The baseline is aiokafka as it ships (its DefaultPartitioner hashes every key in Python); the
chassis's producer has the same delivery settings and remembers each key's hash
(chassis/partitioning.py). The chassis producer's figure separates the relay's own cost (the
outbox reads and deletes) from what the producer gained.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import text

from bench.kafka_figures import workload_frozen
from bench.report import Measurement, rate
from bench.resources import PARTITIONS, Resources
from bench.store_figures import fill
from bench.workload import BuiltTxn, Record, Shape
from chassis.db import create_engine
from chassis.eventstore.store import EventStore
from chassis.kafka import PRODUCER_OPTIONS, create_producer
from chassis.kafka_security import aiokafka_kwargs
from chassis.relay import Relay
from chassis.settings import ServiceSettings

RELAY_BATCH = ServiceSettings().relay_batch_size
ROUNDS = 3
PRODUCE_METHOD = (
    "send() every record (same key, value bytes and headers as the relay's), then await all acks; the "
    "bench's own heap (the workload) frozen out of the garbage collector, as for the relay; median of "
    "the rounds, interleaved with the relay's"
)


def plain_aiokafka_producer(kafka: str, client_id: str) -> AIOKafkaProducer:
    """create_producer's delivery settings (acks=all, idempotence, linger 5 ms) with aiokafka's own
    partitioner: the library as it ships."""
    options = {**PRODUCER_OPTIONS, "partitioner": DefaultPartitioner()}
    return AIOKafkaProducer(bootstrap_servers=kafka, client_id=client_id, **aiokafka_kwargs(), **options)


@dataclass(frozen=True)
class RelayRound:
    events_per_s: float
    elapsed_s: float
    by_quarter: list[float]


@dataclass(frozen=True)
class ProduceFigures:
    measurements: list[Measurement]
    # Every record once, with the keys, values and headers the relay sends (the chassis producer's
    # last round): the consume figures' source.
    source_topic: str


async def produce_and_relay(
    res: Resources, records: Sequence[Record], txns: Sequence[BuiltTxn], shape: Shape, *, rounds: int = ROUNDS
) -> ProduceFigures:
    relay_topic = await res.topic("relay")  # every round's relay sends there: the rows name it
    outbox = await _filled_outbox(res, txns, relay_topic)
    raw: list[float] = []
    chassis: list[float] = []
    relayed: list[RelayRound] = []
    source = ""
    for round_ in range(rounds):
        raw.append(
            await _produce(res, plain_aiokafka_producer, records, await res.topic(f"raw-produce-{round_}"))
        )
        source = await res.topic(f"chassis-produce-{round_}")
        chassis.append(await _produce(res, _chassis_producer, records, source))
        copy = await res.database(f"relay-{round_}", copy_of=outbox)
        relayed.append(await _relay(res, copy, relay_topic, shape))
    params: dict[str, Any] = {**shape.as_params(), "partitions": PARTITIONS, "rounds": rounds}
    median_relay = sorted(relayed, key=lambda r: r.events_per_s)[len(relayed) // 2]
    return ProduceFigures(
        [
            _median(
                "raw_produce",
                "raw produce (aiokafka)",
                raw,
                "a plain AIOKafkaProducer with create_producer's delivery settings and aiokafka's "
                "DefaultPartitioner: " + PRODUCE_METHOD,
                params,
            ),
            _median(
                "chassis_produce",
                "produce (chassis producer)",
                chassis,
                "chassis.kafka.create_producer (its partitioner remembers each key's hash): "
                + PRODUCE_METHOD,
                params,
            ),
            _median(
                "relay",
                "relay (outbox → Kafka)",
                [r.events_per_s for r in relayed],
                "chassis.relay.Relay.drain() of an outbox holding every event (a fresh copy of one filled "
                "database each round), handing Kafka a record batch per partition (send_batch): a pipeline "
                "of three batches: send a batch while the previous batches "
                "await their acks and the database already reads the next one; the oldest acknowledged "
                "batch's delete runs beside that read and the sends; until empty; the workload frozen out of "
                "the garbage collector, as for raw produce; median of the rounds",
                {**params, "relay_batch_size": RELAY_BATCH},
                {"events_per_s_by_quarter_of_the_backlog": median_relay.by_quarter},
            ),
        ],
        source,
    )


def _median(
    key: str,
    label: str,
    values: Sequence[float],
    method: str,
    params: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> Measurement:
    rounds = [round(value, 1) for value in values]
    return Measurement(
        key,
        label,
        statistics.median(values),
        "events/s",
        method,
        params,
        {"rounds": rounds, **(detail or {})},
    )


def _chassis_producer(kafka: str, client_id: str) -> AIOKafkaProducer:
    return create_producer(kafka, client_id=client_id)


async def _produce(
    res: Resources,
    producer_for: Callable[[str, str], AIOKafkaProducer],
    records: Sequence[Record],
    topic: str,
) -> float:
    producer = producer_for(res.kafka, f"bench-produce-{res.run_id}")
    await producer.start()
    try:
        await producer.partitions_for(topic)  # metadata before the clock starts, as for the relay
        with workload_frozen():
            started = time.perf_counter()
            deliveries = [
                await producer.send(topic, value=r.value, key=r.key, headers=r.headers) for r in records
            ]
            await asyncio.gather(*deliveries)
            elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
    return rate(len(records), elapsed)


async def _filled_outbox(res: Resources, txns: Sequence[BuiltTxn], topic: str) -> str:
    """A database whose outbox holds every event for `topic` (the relay's source, copied for each round)."""
    url = await res.database("relay-outbox")
    engine = create_engine(url)
    try:
        await fill(engine, EventStore(topic_of=lambda _: topic), txns, writers=2)
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE events"))
            await connection.execute(text("ANALYZE outbox"))
    finally:
        await engine.dispose()
    return url


async def _relay(res: Resources, url: str, topic: str, shape: Shape) -> RelayRound:
    engine = create_engine(url)
    producer = create_producer(res.kafka, client_id=f"bench-relay-{res.run_id}")
    try:
        await producer.start()
        await producer.partitions_for(topic)
        publisher = Relay(engine, producer, name=f"bench-relay-{res.run_id}", batch_size=RELAY_BATCH)
        progress: list[tuple[float, int]] = []

        async def watch() -> None:  # is the backlog's tail as fast as its head?
            while True:
                progress.append((time.perf_counter(), publisher.published))
                await asyncio.sleep(0.25)

        with workload_frozen():
            started = time.perf_counter()
            watching = asyncio.create_task(watch())
            sent = await publisher.drain()
            elapsed = time.perf_counter() - started
            watching.cancel()
        progress.append((time.perf_counter(), publisher.published))
    finally:
        await producer.stop()
        await engine.dispose()
    if sent != shape.total:
        raise RuntimeError(f"the relay published {sent} events, expected {shape.total}")
    return RelayRound(rate(sent, elapsed), round(elapsed, 3), by_quarter(progress, sent))


def by_quarter(progress: Sequence[tuple[float, int]], total: int) -> list[float]:
    """Publishing rate over each quarter of the backlog (first quarter = the oldest rows)."""
    rates: list[float] = []
    for quarter in range(4):
        low, high = total * quarter / 4, total * (quarter + 1) / 4
        inside = [(t, n) for t, n in progress if low <= n <= high]
        if len(inside) >= 2 and inside[-1][0] > inside[0][0]:
            rates.append(round((inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]), 1))
    return rates
