"""The registry's figures, each beside a baseline from the same run:

- promotions decided per second when 10,000 workers' facts (certificates, points, results)
  arrive at the ladder policy's consumer, beside a raw aiokafka consume of the same records;
- the talent pyramid's freshness: from the last TierPromoted acknowledged by the broker to the
  pyramid counting it, beside the time a raw consumer takes to have read the same records;
- as-of query latency ("what did this worker hold on that day") over a year of tenures of
  12,000 workers, beside a plain indexed SELECT of the worker's rows on the same table.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.kafka_figures import CONSUMER_BATCH, CONSUMER_BATCH_TIMEOUT_MS, QUIET, raw_consume
from bench.report import Measurement, percentile, rate
from bench.resources import Resources, offsets, partitions_of
from bench.workload import Record
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import events
from chassis.eventstore.store import EventStore
from chassis.inbox import BatchHandler, BatchOutcome, Handler, InboxConsumer
from chassis.kafka import InFlight, bind_inbox_consumer, create_producer
from chassis.kafka_security import aiokafka_kwargs, faststream_security
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import TierPromoted
from contracts.events.rewards import PointsAwarded
from contracts.events.training import CertificateAwarded
from contracts.vocabulary import CertificateIssuerKind, ContestLevel, Medal, SkillLevel, TierRank
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.handlers import register_enterprise
from services.registry.imports import register_workers
from services.registry.projections import ladder_policy_batch_handlers
from services.registry.read_models import enterprises, tenures
from services.registry.service import SPEC
from services.registry.talent import TALENT_BATCH_HANDLERS, TALENT_HANDLERS, TalentQueries

WORKERS = 10_000
AS_OF_WORKERS = 12_000
AS_OF_QUERIES = 2_000
ENTERPRISE = "bench-works"
IMPORT_CHUNK = 1_000


def _record(event: Event, producer: str, worker_id: str) -> Record:
    envelope = Envelope.wrap(
        event,
        producer=producer,
        stream=StreamRef(type="Bench", id=worker_id),
        stream_version=1,
        tenant=ENTERPRISE,
    )
    return Record(key=worker_id.encode(), value=envelope.to_bytes(), headers=[])


def worker_facts(count: int) -> list[Record]:
    """Per worker, keyed by the worker (so in order): a certificate lifting them over the seed
    floor, the points it earned, a contest result (which the ladder does not count)."""
    records: list[Record] = []
    for n in range(count):
        worker = f"bw-{n:06d}"
        records += [
            _record(
                CertificateAwarded(
                    certificate_id=f"cert-{worker}",
                    worker_id=worker,
                    occupation="fitter",
                    skill_level=SkillLevel.INTERMEDIATE,
                    issuer_id="bench-bureau",
                    issuer_kind=CertificateIssuerKind.HR_BUREAU,
                    issued_on=date(2026, 10, 1),
                ),
                "training",
                worker,
            ),
            _record(
                PointsAwarded(
                    worker_id=worker,
                    category="work_results",
                    rule="certificate",
                    group="certificate",
                    points=Decimal(2),
                    source_event_id=uuid.uuid4(),
                    earned_on=date(2026, 10, 1),
                ),
                "rewards",
                worker,
            ),
            _record(
                CompetitionScored(
                    contest_id="bench-contest",
                    level=ContestLevel.CITY,
                    worker_id=worker,
                    enterprise_id=ENTERPRISE,
                    raw_score=80,
                    standardised_score=560,
                    rank=1 + n % 50,
                    medal=Medal.NONE,
                ),
                "competitions",
                worker,
            ),
        ]
    return records


async def _produce(res: Resources, topic: str, records: Sequence[Record]) -> float:
    """Send every record; returns when the last acknowledgement arrived (perf_counter)."""
    producer = create_producer(res.kafka, client_id=f"bench-registry-{res.run_id}")
    await producer.start()
    try:
        deliveries = [
            await producer.send(topic, value=r.value, key=r.key, headers=r.headers) for r in records
        ]
        await asyncio.gather(*deliveries)
        return time.perf_counter()
    finally:
        await producer.stop()


class _Consuming:
    """An inbox consumer as a service runs it (FastStream group member), counting what it took."""

    def __init__(
        self,
        res: Resources,
        engine: AsyncEngine,
        topic: str,
        purpose: str,
        handlers: Mapping[type[Event], Handler],
        batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
    ) -> None:
        self.taken = 0
        self.reached = asyncio.Event()
        self.expected = 0
        group = res.group(purpose)
        self._producer = create_producer(res.kafka, client_id=f"bench-{purpose}-dlq-{res.run_id}")

        async def after_commit(outcome: BatchOutcome) -> None:
            self.taken += outcome.applied + outcome.ignored + outcome.duplicates + len(outcome.dead_letters)
            if self.expected and self.taken >= self.expected:
                self.reached.set()

        consumer = InboxConsumer(
            name=group,
            sessions=session_factory(engine),
            handlers=dict(handlers),
            batch_handlers=batch_handlers,
            dead_letters=DeadLetterPublisher(self._producer, consumer=group),
            after_commit=after_commit,
        )
        self._broker = KafkaBroker(
            res.kafka, security=faststream_security(), client_id=f"bench-{purpose}-{res.run_id}", logger=QUIET
        )
        self._in_flight = InFlight()
        bind_inbox_consumer(
            self._broker,
            consumer,
            topics=[topic],
            group_id=group,
            batch_size=CONSUMER_BATCH,
            batch_timeout_ms=CONSUMER_BATCH_TIMEOUT_MS,
            in_flight=self._in_flight,
        )

    async def start(self) -> None:
        await self._producer.start()
        await self._broker.start()

    async def until(self, expected: int, timeout: float = 1800) -> None:
        self.expected = expected
        if self.taken >= expected:
            return
        await asyncio.wait_for(self.reached.wait(), timeout=timeout)

    async def stop(self) -> None:
        await self._in_flight.drain()
        await self._broker.stop()
        await self._producer.stop()


async def _joined(res: Resources, consuming: _Consuming, topic: str, first: Record) -> None:
    """The group member has joined and taken a first record: the clock starts after that."""
    await _produce(res, topic, [first])
    await consuming.until(1, timeout=120)


def _unit_of_work(engine: AsyncEngine) -> Any:
    sessions, store = session_factory(engine), EventStore(topic_of=lambda _: "bench.registry.unrelayed")

    def make(session: AsyncSession | None = None) -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="registry", session=session)

    return make


async def _registered(engine: AsyncEngine, count: int) -> None:
    """The enterprise and its juniors, in the registry's store (not timed)."""
    make = _unit_of_work(engine)
    await register_enterprise(
        make(),
        RegisterEnterprise(enterprise_id=ENTERPRISE, name="Bench works", region_id="bench", industry="bench"),
    )
    for start in range(0, count, IMPORT_CHUNK):
        commands = [
            RegisterWorker(
                worker_id=f"bw-{n:06d}",
                enterprise_id=ENTERPRISE,
                trade="fitter",
                skill_level=SkillLevel.JUNIOR,
            )
            for n in range(start, min(count, start + IMPORT_CHUNK))
        ]
        async with make() as uow:
            for decision in await register_workers(uow, commands):
                if isinstance(decision, str):
                    raise RuntimeError(decision)
                uow.track(decision)
            await uow.commit()


async def promotions(res: Resources, workers: int = WORKERS) -> list[Measurement]:
    """The ladder policy consumer taking 10,000 workers' facts; beside, raw consume of the same topic."""
    url = await res.database("registry_ladder", extra=SPEC.migrations)
    engine = create_engine(url)
    topic = await res.topic("registry-facts")
    records = worker_facts(workers)
    try:
        await _registered(engine, workers)
        await _produce(res, topic, records)
        baseline = await raw_consume(
            res,
            topic,
            len(records),
            key="registry_raw_consume",
            label="raw consume of the workers' facts (aiokafka)",
        )
        consuming = _Consuming(  # as the service runs it: the whole batch at once
            res, engine, topic, "registry-ladder", {}, ladder_policy_batch_handlers(_unit_of_work(engine))
        )
        started = time.perf_counter()
        await consuming.start()
        try:
            await consuming.until(len(records))
            elapsed = time.perf_counter() - started
        finally:
            await consuming.stop()
        async with engine.connect() as connection:
            promoted = int(
                await connection.scalar(
                    select(func.count()).select_from(events).where(events.c.event_type == "TierPromoted")
                )
                or 0
            )
    finally:
        await engine.dispose()
    if promoted != workers:
        raise RuntimeError(f"{promoted} promotions decided, expected {workers}")
    figure = Measurement(
        key="registry_promotions",
        label="registry: promotions decided (ladder policy consumer)",
        value=rate(promoted, elapsed),
        unit="promotions/s",
        method=(
            "the registry's ladder-policy InboxConsumer (FastStream group member) over a topic of "
            f"{workers:,} workers' facts (CertificateAwarded → SkillLevelCertified appended; PointsAwarded → "
            "points kept and the ladder decided: TierPromoted appended; CompetitionScored not counted by the "
            "ladder, skipped), each worker a stream in the registry's Postgres store; the group joined "
            "first (one record taken), then timed from the first fact sent to the last batch committed; "
            "the raw consume baseline reads the same records from another topic"
        ),
        params={"workers": workers, "records": len(records)},
        detail={
            "promotions": promoted,
            "elapsed_s": round(elapsed, 3),
            "facts_per_s": round(rate(len(records), elapsed), 1),
        },
    )
    return [baseline, figure]


def promotion_records(count: int, enterprise_id: str) -> list[Record]:
    return [
        _record(
            TierPromoted(
                worker_id=f"pw-{n:06d}",
                enterprise_id=enterprise_id,
                from_rank=TierRank.NONE,
                to_rank=TierRank.SEED,
                tier_label="种子工匠",
                effective_on=date(2026, 1, 1),
                reason="bench",
            ),
            "registry",
            f"pw-{n:06d}",
        )
        for n in range(count)
    ]


async def pyramid_freshness(res: Resources, workers: int = WORKERS) -> list[Measurement]:
    """From the last TierPromoted acknowledged to the pyramid counting all of them; beside, from
    the same moment to a raw consumer having read all of the same records of another topic."""
    url = await res.database("registry_talent", extra=SPEC.migrations)
    engine = create_engine(url)
    records = promotion_records(workers, ENTERPRISE)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(enterprises).values(
                    enterprise_id=ENTERPRISE, name="Bench", region_id="bench", industry="bench"
                )
            )
        raw_lag = await _raw_lag(res, records)
        topic = await res.topic("registry-promotions")
        # As the service subscribes it: tier and title facts a batch at a time, the rest one by one.
        consuming = _Consuming(res, engine, topic, "registry-talent", TALENT_HANDLERS, TALENT_BATCH_HANDLERS)
        await consuming.start()
        try:
            await _joined(res, consuming, topic, promotion_records(1, "not-counted")[0])
            acked = await _produce(res, topic, records)
            polls = 0
            async with session_factory(engine)() as session:
                while True:
                    polls += 1
                    pyramid = await TalentQueries(session).pyramid(date(2026, 6, 1))
                    await session.rollback()
                    if pyramid["bands"]["enterprise"] >= workers:
                        break
                    await asyncio.sleep(0.01)
            fresh = time.perf_counter() - acked
        finally:
            await consuming.stop()
    finally:
        await engine.dispose()
    return [
        Measurement(
            key="registry_pyramid_raw_lag",
            label="raw consume lag after the last ack (aiokafka)",
            value=round(raw_lag, 3),
            unit="s",
            method=(
                "an AIOKafkaConsumer assigned to a fresh topic before the same records are produced; "
                "seconds from the last send acknowledged to the consumer having read every record"
            ),
            params={"records": workers},
        ),
        Measurement(
            key="registry_pyramid_freshness",
            label="registry: pyramid freshness after the last TierPromoted",
            value=round(fresh, 3),
            unit="s",
            method=(
                "the registry's talent InboxConsumer (FastStream group member) projecting tenures into "
                f"Postgres while {workers:,} TierPromoted records are produced; seconds from the last send "
                "acknowledged to TalentQueries.pyramid (polled every 10 ms) counting all of them"
            ),
            params={"records": workers},
            detail={"polls": polls},
        ),
    ]


async def _raw_lag(res: Resources, records: Sequence[Record]) -> float:
    topic = await res.topic("registry-promotions-raw")
    partitions = await partitions_of(res.kafka, [topic])
    consumer = AIOKafkaConsumer(
        bootstrap_servers=res.kafka, group_id=None, enable_auto_commit=False, **aiokafka_kwargs()
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        read = 0

        async def reading() -> float:
            nonlocal read
            while read < len(records):
                batch = await consumer.getmany(timeout_ms=100, max_records=CONSUMER_BATCH)
                read += sum(len(got) for got in batch.values())
            return time.perf_counter()

        reader = asyncio.create_task(reading())
        acked = await _produce(res, topic, records)
        done = await asyncio.wait_for(reader, timeout=600)
    finally:
        await consumer.stop()
    _ = await offsets(res.kafka, partitions)
    return done - acked


def year_of_tenures(workers: int, seed: int = 7) -> list[dict[str, Any]]:
    """A year (2025) of tiers and titles: everyone becomes seed, some climb, some lapse, a few get titles."""
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    rows: list[dict[str, Any]] = []
    for n in range(workers):
        worker, enterprise = f"aw-{n:06d}", f"ae-{n % 400:03d}"
        seed_on = start + timedelta(days=rng.randrange(200))
        climbs = rng.random() < 0.3
        until = seed_on + timedelta(days=rng.randrange(30, 160)) if climbs or rng.random() < 0.1 else None
        rows.append(
            dict(
                tenure_id=f"tier:{worker}:seed",
                worker_id=worker,
                enterprise_id=enterprise,
                kind="tier",
                level="seed",
                since=seed_on,
                until=until,
            )
        )
        if climbs and until is not None:
            rows.append(
                dict(
                    tenure_id=f"tier:{worker}:craftsman",
                    worker_id=worker,
                    enterprise_id=enterprise,
                    kind="tier",
                    level="craftsman",
                    since=until,
                    until=None,
                )
            )
        if rng.random() < 0.1:
            conferred = start + timedelta(days=rng.randrange(365))
            rows.append(
                dict(
                    tenure_id=f"title:{worker}",
                    worker_id=worker,
                    enterprise_id=enterprise,
                    kind="title",
                    level="county",
                    since=conferred,
                    until=None,
                )
            )
    return rows


async def as_of_queries(
    res: Resources, workers: int = AS_OF_WORKERS, queries: int = AS_OF_QUERIES
) -> list[Measurement]:
    url = await res.database("registry_as_of", extra=SPEC.migrations)
    engine = create_engine(url)
    rows = year_of_tenures(workers)
    rng = random.Random(11)
    asked = [
        (f"aw-{rng.randrange(workers):06d}", date(2025, 1, 1) + timedelta(days=rng.randrange(365)))
        for _ in range(queries)
    ]
    try:
        async with engine.begin() as connection:
            for start in range(0, len(rows), 5_000):
                await connection.execute(insert(tenures), rows[start : start + 5_000])
            await connection.exec_driver_sql("ANALYZE registry_tenures")
        async with session_factory(engine)() as session:
            plain: list[float] = []
            as_of: list[float] = []
            for worker, day in asked[:100]:  # warm both paths
                await TalentQueries(session).held_on(day, worker_id=worker)
            for worker, day in asked:
                began = time.perf_counter()
                (await session.execute(select(tenures).where(tenures.c.worker_id == worker))).all()
                plain.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                await TalentQueries(session).held_on(day, worker_id=worker)
                as_of.append((time.perf_counter() - began) * 1000)
    finally:
        await engine.dispose()
    params = {"workers": workers, "tenure_rows": len(rows), "queries": queries}
    return [
        Measurement(
            key="registry_as_of_plain_select",
            label="plain indexed SELECT of a worker's tenures, p50",
            value=round(percentile(plain, 50), 3),
            unit="ms",
            method="SELECT * FROM registry_tenures WHERE worker_id = :w (indexed), on one session, alternating with the as-of query",
            params=params,
            detail={"p99_ms": round(percentile(plain, 99), 3)},
        ),
        Measurement(
            key="registry_as_of",
            label="registry: as-of query (what a worker held on a day), p50",
            value=round(percentile(as_of, 50), 3),
            unit="ms",
            method=(
                "TalentQueries.held_on(day, worker_id=w): the worker's tenures open on that day, over a year "
                f"of tiers and titles of {workers:,} workers, random (worker, day) pairs"
            ),
            params=params,
            detail={"p99_ms": round(percentile(as_of, 99), 3)},
        ),
    ]


async def registry_figures(res: Resources, scale: float = 1.0) -> list[Measurement]:
    """All three, each with its baseline; `scale` < 1 shrinks the populations for a quick check."""
    workers, as_of_workers = max(500, int(WORKERS * scale)), max(1_000, int(AS_OF_WORKERS * scale))
    return [
        *await promotions(res, workers),
        *await pyramid_freshness(res, workers),
        *await as_of_queries(res, as_of_workers),
    ]
