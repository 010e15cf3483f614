"""The ladder policy, run the FastStream way: the same test on the in-memory broker and
on the real Kafka, on SQLite and on Postgres."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from functools import partial

import pytest
from faststream.kafka import KafkaBroker, KafkaRouter, TestKafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrate
from chassis.db import session_factory
from chassis.eventstore import EventStore
from chassis.inbox import BatchOutcome
from chassis.kafka import ensure_topics
from chassis.kafka_security import faststream_security
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import TierPromoted
from contracts.events.training import CertificateAwarded
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, TierRank
from services.registry import handlers
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.projections import ladder_policy_batch_handlers, ladder_policy_handlers
from services.registry.service import SPEC
from tests.consumer_harness import inbox_on_router

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def policy_broker(
    mode: str,
    engine: AsyncEngine,
    topic: str,
    bootstrap: str | None,
    outcomes: list[BatchOutcome],
    in_batches: bool = False,
) -> AsyncIterator[KafkaBroker]:
    """The policy's consumer wired like a service's (a router, the typed batch subscriber,
    FastStream dead-letter publishers), on the in-memory broker or on Kafka."""
    store = EventStore(topic_of=lambda _: topic)
    unit_of_work = partial(UnitOfWork, session_factory(engine), store, producer="registry")
    broker = KafkaBroker(
        (bootstrap or "in-memory:9092").split(","), security=faststream_security() if bootstrap else None
    )
    router = KafkaRouter()
    name = f"registry.ladder-policy.{uuid.uuid4().hex[:6]}"

    async def record(outcome: BatchOutcome) -> None:
        outcomes.append(outcome)

    inbox_on_router(
        router,
        name=name,
        topic=topic,
        sessions=session_factory(engine),
        handlers={} if in_batches else ladder_policy_handlers(unit_of_work),
        batch_handlers=ladder_policy_batch_handlers(unit_of_work) if in_batches else None,
        after_commit=record,
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


async def stored(engine: AsyncEngine, store: EventStore, worker_id: str, event_type: str) -> list[Envelope]:
    async with session_factory(engine)() as session:
        history = await store.load(session, StreamRef(type="Worker", id=worker_id))
    return [entry.envelope for entry in history if entry.envelope.event_type == event_type]


async def eventually(check: Callable[[], Awaitable[list[Envelope]]]) -> list[Envelope]:
    async with asyncio.timeout(60):
        while not (found := await check()):
            await asyncio.sleep(0.1)
    return found


@pytest.mark.parametrize("in_batches", [False, True], ids=["per-event", "batch"])
@pytest.mark.parametrize("mode", ["memory", "kafka"])
async def test_a_certificate_lifts_a_worker_over_the_seed_floor_once(
    mode: str, in_batches: bool, engine: AsyncEngine, topic: str, request: pytest.FixtureRequest
) -> None:
    bootstrap = request.getfixturevalue("kafka_bootstrap") if mode == "kafka" else None
    await migrate.upgrade(engine, SPEC.migrations)
    store = EventStore(topic_of=lambda _: topic)
    uow = partial(UnitOfWork, session_factory(engine), store, producer="registry")
    await handlers.register_enterprise(
        uow(),
        RegisterEnterprise(enterprise_id="qz", name="Qingzhou", region_id="qingzhou", industry="tobacco"),
    )
    (registered,) = await handlers.register_worker(
        uow(),
        RegisterWorker(
            worker_id="w-1",
            enterprise_id="qz",
            full_name="Li Na",
            trade="fitter",
            skill_level=SkillLevel.JUNIOR,
        ),
    )
    awarded = Envelope.wrap(
        CertificateAwarded(
            certificate_id="cert-1",
            worker_id="w-1",
            occupation="fitter",
            skill_level=SkillLevel.INTERMEDIATE,
            issuer_id="qz",
            issuer_kind=CertificateIssuerKind.ENTERPRISE,
            issued_on=date(2026, 10, 1),
        ),
        producer="training",
        stream=StreamRef(type="Certificate", id="cert-1"),
        stream_version=1,
        tenant="qz",
    )

    outcomes: list[BatchOutcome] = []
    async with policy_broker(mode, engine, topic, bootstrap, outcomes, in_batches) as broker:
        for envelope in (registered, awarded, awarded):  # a junior is below every floor; then a redelivery
            await broker.publish(envelope.to_bytes(), topic, key=b"w-1")
        (certified,) = await eventually(lambda: stored(engine, store, "w-1", "SkillLevelCertified"))
        for envelope in (certified, certified, registered):  # what the relay sends, and redeliveries
            await broker.publish(envelope.to_bytes(), topic, key=b"w-1")
        await eventually(lambda: stored(engine, store, "w-1", "TierPromoted"))
        await asyncio.sleep(0.5 if mode == "kafka" else 0)  # room for a wrong second promotion

    assert not [letter for outcome in outcomes for letter in outcome.dead_letters], "no dead letter"
    assert sum(outcome.duplicates for outcome in outcomes) == 3, "the three redeliveries changed nothing"
    assert await stored(engine, store, "w-1", "TierPromoted") == await promoted_once(engine, store, certified)
    assert len(await stored(engine, store, "w-1", "SkillLevelCertified")) == 1


async def promoted_once(engine: AsyncEngine, store: EventStore, certified: Envelope) -> list[Envelope]:
    """Exactly one promotion: to seed, caused by the certification, in its flow and on its day."""
    (promotion,) = await stored(engine, store, "w-1", "TierPromoted")
    assert promotion.causation_id == certified.event_id, "the fact that completed the floor caused it"
    assert promotion.correlation_id == certified.correlation_id
    async with session_factory(engine)() as session:
        last = (await store.load(session, StreamRef(type="Worker", id="w-1")))[-1]
    assert isinstance(last.event, TierPromoted)
    assert last.event.to_rank is TierRank.SEED and last.event.tier_label == "种子工匠"
    assert last.event.effective_on == certified.occurred_at.date()
    return [promotion]
