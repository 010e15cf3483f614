"""Consumer throughput with 1, 2 and 3 replicas: N processes in one consumer group.

Each replica is a process of its own (`python -m bench.replica_figures worker ...`) running the
chassis inbox consumer with the projection figure's batch handler (tests.support worker_counts)
against one shared Postgres database. The replicas join the group on an empty 6-partition topic
first; then the run's records are produced and the clock runs until the group's committed offsets
reach the end. The 1-replica value is the baseline of the 2- and 3-replica values (same run).
On these 2-core machines N processes, Postgres and the broker share two cores, so more replicas
buy little or nothing: the figure says how much, with the partition count.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient
from confluent_kafka.admin import AdminClient

from bench.kafka_figures import CONSUMER_BATCH, CONSUMER_BATCH_TIMEOUT_MS, QUIET, _until_committed
from bench.report import Measurement, rate
from bench.resources import PARTITIONS, Resources, offsets, partitions_of
from bench.workload import Record
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import InboxConsumer
from chassis.kafka import InFlight, bind_inbox_consumer, create_producer
from chassis.kafka_security import KafkaCredentials, aiokafka_kwargs, confluent_config, faststream_security
from contracts.events.training import TrainingCompleted
from tests.support import count_events_in_bulk, create_projection_tables, read_counts_total

REPLICAS = (1, 2, 3)


async def replica_throughput(res: Resources, records: Sequence[Record], expected: int) -> list[Measurement]:
    measured: list[Measurement] = []
    for replicas in REPLICAS:
        measured.append(await _with_replicas(res, records, expected, replicas, baseline=measured[:1]))
    return measured


async def _with_replicas(
    res: Resources, records: Sequence[Record], expected: int, replicas: int, baseline: list[Measurement]
) -> Measurement:
    topic = await res.topic(f"replicas-{replicas}")
    url = await res.database(f"replicas_{replicas}")
    engine = create_engine(url, pool_size=1)
    await create_projection_tables(engine)
    group = res.group(f"replicas-{replicas}")
    workers = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bench.replica_figures", "worker", res.kafka, topic, group, url),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(replicas)
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=res.kafka, **aiokafka_kwargs())
    try:
        await _until_members(res.kafka, group, replicas, timeout=180)
        started = time.perf_counter()
        produced_in = await _produce(res, topic, records)
        partitions = await partitions_of(res.kafka, [topic])
        _, end = await offsets(res.kafka, partitions)
        await admin.start()
        await _until_committed(admin, group, end, timeout=1800)
        elapsed = time.perf_counter() - started
        total = await read_counts_total(engine)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                await asyncio.wait_for(worker.wait(), 30)
            except TimeoutError:
                worker.kill()
                await worker.wait()
        await admin.close()
        await engine.dispose()
    if total != expected:
        raise RuntimeError(f"{replicas} replicas: read model counts {total}, expected {expected}")
    value = rate(expected, elapsed)
    one = baseline[0].value if baseline else value
    return Measurement(
        key=f"replica_consume_{replicas}",
        label=f"consumer throughput, {replicas} replica(s) in one group ({PARTITIONS} partitions)",
        value=value,
        unit="events/s",
        method=(
            f"{replicas} processes (chassis InboxConsumer + batch handler, FastStream) in one consumer group "
            f"on a {PARTITIONS}-partition topic, one Postgres database; they join first, then the records are "
            "produced; timed from the first send until every partition's committed offset is the end. "
            "Baseline: the 1-replica value of this run. 2 shared cores for all processes, Kafka and Postgres."
        ),
        params={
            "events": expected,
            "partitions": PARTITIONS,
            "replicas": replicas,
            "cpu_count": os.cpu_count(),
        },
        detail={
            "elapsed_s": round(elapsed, 3),
            "produce_s": round(produced_in, 3),
            "vs_one_replica": round(value / one, 2) if one else None,
        },
    )


async def _produce(res: Resources, topic: str, records: Sequence[Record]) -> float:
    producer = create_producer(res.kafka, client_id=f"bench-replicas-{res.run_id}")
    started = time.perf_counter()
    await producer.start()
    try:
        deliveries = []
        for record in records:
            deliveries.append(
                await producer.send(topic, value=record.value, key=record.key, headers=record.headers)
            )
            if len(deliveries) >= 50_000:
                await asyncio.gather(*deliveries)
                deliveries = []
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def _until_members(kafka: str, group: str, members: int, *, timeout: float) -> None:
    """Until the group is stable with `members` members (each replica joined)."""
    admin = AdminClient(
        {"bootstrap.servers": kafka, "log_level": 3, **confluent_config(KafkaCredentials.from_environment())}
    )

    def described() -> tuple[str, int]:
        found = admin.describe_consumer_groups([group], request_timeout=10)[group].result(timeout=15)
        return found.state.name, len(found.members)

    async with asyncio.timeout(timeout):
        while await asyncio.to_thread(described) != ("STABLE", members):
            await asyncio.sleep(0.2)


async def _work(kafka: str, topic: str, group: str, url: str) -> None:
    """One replica: the projection's consumer until SIGTERM."""
    from faststream.kafka import KafkaBroker

    engine = create_engine(url)
    producer = create_producer(kafka, client_id=f"{group}-dlq")
    consumer = InboxConsumer(
        name=group,
        sessions=session_factory(engine),
        handlers={},
        batch_handlers={TrainingCompleted: count_events_in_bulk},
        dead_letters=DeadLetterPublisher(producer, consumer=group),
    )
    broker = KafkaBroker(kafka, security=faststream_security(), client_id=group, logger=QUIET)
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
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await producer.start()
    await broker.start()
    try:
        await stop.wait()
    finally:
        await in_flight.drain()
        await broker.stop()
        await producer.stop()
        await engine.dispose()


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    asyncio.run(_work(*sys.argv[2:6]))
