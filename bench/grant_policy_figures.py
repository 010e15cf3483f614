"""The grant policy on a programme that keeps granting, with the process's aggregate cache
(chassis/aggregate_cache.py) and without it (the baseline, in the same run, on the same records).

A programme is one stream whose snapshot lists every grant and cause, so without the cache each
batch of promotions rebuilds a state that grows with every grant before it (profiled in a
province's year: a quarter of the rewards service's CPU). Promotions reach the policy in small
batches, as they trickle in behind the registry's imports, not in full getmany batches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.kafka_figures import produce_topic
from bench.report import Measurement, rate
from bench.resources import Resources
from bench.rewards_figures import feed, published, seed_promotion
from bench.workload import record_of
from chassis.aggregate_cache import AggregateCache
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import events
from chassis.eventstore.store import EventStore
from chassis.inbox import InboxConsumer
from chassis.kafka import create_producer
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from services.rewards import handlers
from services.rewards.commands import OpenProgramme
from services.rewards.policy import grant_policy_batch_handlers
from services.rewards.service import SPEC

PROGRAMME = "bench-seed-award"
PROMOTIONS_PER_BATCH = 50


def promotions(count: int) -> list[Envelope]:
    return [published(seed_promotion(f"w-{n}", f"ent-{n % 300}", date(2026, 3, 1))) for n in range(count)]


async def grants_with_and_without_cache(res: Resources, grants: int) -> list[Measurement]:
    topic = await produce_topic(res, [record_of(e) for e in promotions(grants)], "grant-policy")
    uncached = await _grant_all(res, topic, grants, cached=False)
    cached = await _grant_all(res, topic, grants, cached=True)
    return [uncached, cached]


async def _grant_all(res: Resources, topic: str, grants: int, *, cached: bool) -> Measurement:
    which = "cached" if cached else "uncached"
    url = await res.database(f"grant_policy_{which}", extra=SPEC.migrations)
    engine = create_engine(url, pool_size=4)
    sessions, store = session_factory(engine), EventStore()
    cache = AggregateCache() if cached else None

    def uow_on(session: AsyncSession) -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="rewards", session=session, cache=cache)

    opened = OpenProgramme(
        programme_id=PROGRAMME,
        name="Seed craftsman award",
        sponsor_id="bench",
        budget=Decimal(10) ** 9,
        grant_amount=Decimal(1000),
        trigger="tier:seed",
        opened_on=date(2026, 1, 1),
    )
    await handlers.open_programme(UnitOfWork(sessions, store, producer="rewards"), opened)
    producer = create_producer(res.kafka, client_id=f"bench-grant-dlq-{res.run_id}")
    name = res.group(f"grant-policy-{which}")
    policy = InboxConsumer(
        name=name,
        sessions=sessions,
        handlers={},
        batch_handlers=grant_policy_batch_handlers(uow_on),  # as the service runs it
        dead_letters=DeadLetterPublisher(producer, consumer=name),
    )
    await producer.start()
    try:
        count, dead, elapsed, partitions = await feed(
            res, topic, policy, client=f"bench-grant-{which}", max_records=PROMOTIONS_PER_BATCH
        )
        async with engine.connect() as connection:
            granted = await connection.scalar(
                select(func.count()).select_from(events).where(events.c.event_type == "RewardGranted")
            )
    finally:
        await producer.stop()
        await engine.dispose()
    if count != grants or dead or granted != grants:
        raise RuntimeError(f"{granted} grants for {count} of {grants} promotions, {dead} dead letters")
    return Measurement(
        key=f"grant_policy_{which}",
        label=f"grant policy on one growing programme, {'with' if cached else 'without'} the aggregate cache",
        value=rate(count, elapsed),
        unit="promotions/s",
        method=(
            "InboxConsumer + the rewards grant_policy_batch_handlers (as the service runs them) over a topic of "
            f"TierPromoted (to seed), {PROMOTIONS_PER_BATCH} per batch, each granted from one programme "
            "into a fresh Postgres database; "
            + (
                "units of work share an AggregateCache, as a service process's do"
                if cached
                else "every batch loads the programme from its snapshot and later events (no cache)"
            )
        ),
        params={"promotions": grants, "per_batch": PROMOTIONS_PER_BATCH, "partitions": len(partitions)},
        detail={"elapsed_s": round(elapsed, 3), "grants_stored": int(granted or 0)},
    )
