"""Forgetting a worker (crypto-shredding) on the real Kafka and Postgres: the name never
travels, the registry's sealed copy becomes unreadable, and another service rebuilding its
read model from offset 0 finds no trace of the person."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrate
from chassis.db import create_engine, session_factory
from chassis.eventstore import EventStore
from chassis.inbox import Handler
from chassis.kafka import create_producer, ensure_topics
from chassis.relay import Relay
from chassis.unit_of_work import UnitOfWork
from contracts.events.base import Event
from contracts.events.registry import WorkerForgotten, WorkerRegistered
from contracts.vocabulary import SkillLevel
from services.registry.commands import ForgetWorker, RegisterEnterprise, RegisterWorker
from services.registry.handlers import forget_worker, register_enterprise, register_worker
from services.registry.service import SPEC as REGISTRY
from services.registry.vault import ERASED, Vault
from services.training import projections as training
from services.training.queries import find_known_worker
from services.training.service import SPEC as TRAINING
from tests.kafka_support import read_topic
from tests.service_support import inbox_consumer, migrated

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

NAME, NATIONAL_ID, PHONE = "李秀英", "370781199001011234", "13800000000"


async def everything_in(engine: AsyncEngine) -> str:
    """Every row of every table, as text: what a search for the person would find."""
    tables = MetaData()
    async with engine.connect() as connection:
        await connection.run_sync(tables.reflect)
        found = [str((await connection.execute(select(table))).all()) for table in tables.sorted_tables]
    return "\n".join(found)


async def test_a_forgotten_worker_leaves_no_trace_even_in_a_replay_from_offset_0(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str, tmp_path: Path
) -> None:
    registry_db = await migrated(pg_engine, REGISTRY)
    uow = partial(
        UnitOfWork, session_factory(registry_db), EventStore(topic_of=lambda _: topic), producer="registry"
    )
    await register_enterprise(
        uow(),
        RegisterEnterprise(enterprise_id="qz", name="青州卷烟厂", region_id="qingzhou", industry="tobacco"),
    )
    hire = RegisterWorker(
        worker_id="w-1",
        enterprise_id="qz",
        full_name=NAME,
        national_id=NATIONAL_ID,
        phone=PHONE,
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
    )
    await register_worker(uow(), hire)
    async with session_factory(registry_db)() as session:
        kept = await Vault(session).read("w-1")
    assert kept is not None and (kept.full_name, kept.national_id) == (NAME, NATIONAL_ID)

    await forget_worker(uow(), ForgetWorker(worker_id="w-1", forgotten_on=date(2026, 11, 25)))
    await ensure_topics(kafka_bootstrap, [topic], with_dead_letters=False)
    producer = create_producer(kafka_bootstrap, client_id="forgetting-test")
    await producer.start()
    try:
        assert await Relay(registry_db, producer, name="forgetting-test").drain() == 3
    finally:
        await producer.stop()

    records = await read_topic(kafka_bootstrap, topic, until=lambda got: len(got) >= 3, timeout=60)
    assert len(records) == 3
    for personal in (NAME, NATIONAL_ID, PHONE):
        assert not [r for r in records if personal.encode() in (r.value or b"")], f"{personal} travelled"

    # Another service rebuilds its projection of the workers from offset 0.
    rebuilt = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'training.db'}")
    await migrate.upgrade(rebuilt, TRAINING.migrations)
    handlers: dict[type[Event], Handler] = {
        WorkerRegistered: training.on_worker_registered,
        WorkerForgotten: training.on_worker_forgotten,
    }
    outcome = await inbox_consumer(rebuilt, "training.workers.rebuilt", handlers).process(records)
    assert (outcome.applied, outcome.dead_letters) == (2, [])
    async with session_factory(rebuilt)() as session:
        known = await find_known_worker(session, "w-1")
    training_rows = await everything_in(rebuilt)
    await rebuilt.dispose()
    assert known is not None and known.erased  # known by id, and shown as erased
    for personal in (NAME, NATIONAL_ID, PHONE):
        assert personal not in training_rows

    async with session_factory(registry_db)() as session:
        assert await Vault(session).read("w-1") == ERASED  # the key is gone: the seal stays shut
    registry_rows = await everything_in(registry_db)
    for personal in (NAME, NATIONAL_ID, PHONE):
        assert personal not in registry_rows
