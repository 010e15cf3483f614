"""The seed-promotion policy, run the FastStream way: the same test on the in-memory
broker and on the real Kafka, on SQLite and on Postgres."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import pytest
from faststream.kafka import KafkaBroker, KafkaRouter, TestKafkaBroker
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrate
from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events
from chassis.inbox import BatchOutcome, InboxConsumer
from chassis.kafka import DeadLetterTopics, InFlight, bind_inbox_consumer, ensure_topics
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import TierPromoted
from contracts.vocabulary import Medal, SkillLevel, TierRank
from services.registry import handlers
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.projections import seed_policy_handlers
from services.registry.service import SPEC
from tests.support import envelopes_for

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def policy_broker(
    mode: str, engine: AsyncEngine, topic: str, bootstrap: str | None, outcomes: list[BatchOutcome]
) -> AsyncIterator[KafkaBroker]:
    """The policy's consumer wired like a service's (a router, the typed batch subscriber,
    FastStream dead-letter publishers), on the in-memory broker or on Kafka."""
    store = EventStore(topic_of=lambda _: topic)
    unit_of_work = partial(UnitOfWork, session_factory(engine), store, producer="registry")
    broker = KafkaBroker(bootstrap or "in-memory:9092")
    router = KafkaRouter()
    name = f"registry.seed-policy.{uuid.uuid4().hex[:6]}"

    async def record(outcome: BatchOutcome) -> None:
        outcomes.append(outcome)

    consumer = InboxConsumer(
        name=name,
        sessions=session_factory(engine),
        handlers=seed_policy_handlers(unit_of_work),
        dead_letters=DeadLetterPublisher(
            DeadLetterTopics.declare(router, [topic], consumer=name), consumer=name
        ),
        after_commit=record,
    )
    bind_inbox_consumer(
        router,
        consumer,
        topics=[topic],
        group_id=consumer.name,
        batch_size=50,
        batch_timeout_ms=50,
        in_flight=InFlight(),
    )
    broker.include_router(router)
    if mode == "memory":
        async with TestKafkaBroker(broker) as test_broker:
            yield test_broker
        return
    assert bootstrap is not None
    await ensure_topics(bootstrap, [topic])
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def promotions(engine: AsyncEngine, worker_id: str) -> list[dict[str, object]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(events.c.event_id, events.c.causation_id).where(
                events.c.event_type == "TierPromoted", events.c.stream_id == worker_id
            )
        )
        return [dict(row._mapping) for row in rows]


@pytest.mark.parametrize("mode", ["memory", "kafka"])
async def test_nominated_trained_and_scored_worker_is_promoted_once(
    mode: str, engine: AsyncEngine, topic: str, request: pytest.FixtureRequest
) -> None:
    bootstrap = request.getfixturevalue("kafka_bootstrap") if mode == "kafka" else None
    await migrate.upgrade(engine, SPEC.migrations)
    store = EventStore(topic_of=lambda _: topic)
    uow = partial(UnitOfWork, session_factory(engine), store, producer="registry")
    await handlers.register_enterprise(
        uow(),
        RegisterEnterprise(enterprise_id="qz", name="Qingzhou", region_id="qingzhou", industry="tobacco"),
    )
    await handlers.register_worker(
        uow(),
        RegisterWorker(
            worker_id="w-1",
            enterprise_id="qz",
            full_name="Li Na",
            trade="fitter",
            skill_level=SkillLevel.SENIOR,
        ),
    )
    (nominated,) = await handlers.nominate_worker(
        uow(),
        NominateWorker(worker_id="w-1", nomination_id="n-1", nominated_by="union", reason="best fitter"),
    )
    (trained,) = envelopes_for(StreamRef(type="Enrolment", id="w-1"), 1, 1)
    scored = Envelope.wrap(
        CompetitionScored(
            contest_id="c-1",
            worker_id="w-1",
            enterprise_id="qz",
            raw_score=91.0,
            standardised_score=730,
            rank=1,
            medal=Medal.GOLD,
        ),
        producer="competitions",
        stream=StreamRef(type="Contest", id="c-1"),
        stream_version=2,
        tenant="weifang",
        occurred_at=None,
    )

    outcomes: list[BatchOutcome] = []
    async with policy_broker(mode, engine, topic, bootstrap, outcomes) as broker:
        for envelope in (nominated, trained, scored, scored, trained):  # the last two: redeliveries
            await broker.publish(envelope.to_bytes(), topic, key=b"w-1")
        async with asyncio.timeout(60):
            while not await promotions(engine, "w-1"):
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5 if mode == "kafka" else 0)  # room for a wrong second promotion

    assert not [letter for outcome in outcomes for letter in outcome.dead_letters], "no dead letter"
    assert sum(outcome.duplicates for outcome in outcomes) == 2, "the two redeliveries changed nothing"
    (promotion,) = await promotions(engine, "w-1")
    assert promotion["causation_id"] == str(scored.event_id), "the event that completed the rule caused it"
    async with session_factory(engine)() as session:
        worker = (await store.load(session, StreamRef(type="Worker", id="w-1")))[-1]
    assert worker.envelope.correlation_id == scored.correlation_id
    assert isinstance(worker.event, TierPromoted)
    assert worker.event.to_rank is TierRank.SEED and worker.event.tier_label == "种子工匠"
    assert worker.event.effective_on == scored.occurred_at.date()
