"""`craftsman rebuild`: a blue/green rebuild of a read model on the real Kafka and PostgreSQL,
while the live consumer keeps applying new events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.kafka_security import aiokafka_kwargs
from chassis.service import Runtime
from contracts.topics import REGISTRY_EVENTS
from ops.bus import Bus
from ops.read_models import ReadModel, UnknownReadModel, find_read_model, read_model_of
from ops.rebuild import Rebuild, RebuildRefused
from services.training.read_models import known_workers
from services.training.service import SPEC
from tests.cli_support import craftsman
from tests.service_support import count_rows, eventually, live_runtime, migrated, registered

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
async def db(pg_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await migrated(pg_engine, SPEC)


def workers_model(runtime: Runtime, topic: str) -> ReadModel:
    """Training's `workers` read model as the live runtime wires it (every event on `topic`)."""
    (workers,) = [sub for sub in SPEC.subscriptions(runtime) if sub.name == "workers"]
    return read_model_of(SPEC, runtime.settings, replace(workers, topics=(topic,)))


async def register(runtime: Runtime, topic: str, numbers: range) -> None:
    for number in numbers:
        envelope = registered(f"w-{number}", enterprise_id=f"ent-{number % 7}")
        await runtime.producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())


async def rows(db: AsyncEngine) -> set[tuple[str, str, bool, str]]:
    async with db.connect() as connection:
        found = await connection.execute(select(known_workers))
        return {(row.worker_id, row.enterprise_id, row.erased, row.skill_level) for row in found}


async def has_rows(db: AsyncEngine, count: int) -> None:
    async def reached() -> bool:
        return await count_rows(db, known_workers) == count

    await eventually(reached)


def bus(kafka_bootstrap: str) -> Bus:
    return replace(Bus.from_environment(), bootstrap=kafka_bootstrap)


async def test_the_rebuilt_read_model_equals_the_live_one_at_the_switch_and_the_live_consumer_goes_on(
    db: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        await register(runtime, topic, range(300))
        await register(runtime, topic, range(50))  # redeliveries: the inbox keeps them out
        await has_rows(db, 300)
        before = await rows(db)
        model = workers_model(runtime, topic)
        # New facts keep arriving while the rebuild builds and switches.
        arriving = asyncio.create_task(register(runtime, topic, range(300, 400)))
        report = await Rebuild(model, db, bus(kafka_bootstrap)).run()
        await arriving
        await register(runtime, topic, range(400, 420))  # after the switch, onto the new table
        await has_rows(db, 420)
        after = await rows(db)

    assert report.equal and report.switched, report.differences
    assert report.records >= 350  # the whole log from offset 0
    assert sum(1 for _ in report.switch_offsets) > 0
    assert before <= after and len(after) == 420
    assert {row[0] for row in after} == {f"w-{n}" for n in range(420)}
    async with db.connect() as connection:
        retired = report.retired_schema
        assert retired is not None
        recorded = await connection.execute(
            text(f'SELECT topic, partition, "offset" FROM {retired}.rebuild_switch')
        )
        assert {(t, p): o for t, p, o in recorded} == report.switch_offsets
        old = await connection.scalar(text(f"SELECT count(*) FROM {retired}.training_known_workers"))
        assert old is not None and 300 <= old <= 400  # the live version as it was at the switch
        schemas = await connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%'")
        )
        assert list(schemas) == []  # the build schema is gone


async def test_a_corrupted_live_row_is_found_by_the_check_and_only_a_repair_switches(
    db: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        await register(runtime, topic, range(40))
        await has_rows(db, 40)
        expected = await rows(db)
        async with db.begin() as connection:
            await connection.execute(
                text("UPDATE training_known_workers SET skill_level = 'junior' WHERE worker_id = 'w-7'")
            )
        model = workers_model(runtime, topic)

        checked = await Rebuild(model, db, bus(kafka_bootstrap)).run()
        still_corrupted = await rows(db)
        repaired = await Rebuild(model, db, bus(kafka_bootstrap), repair=True).run()
        after_repair = await rows(db)

    (difference,) = checked.differences
    assert (difference.table, difference.only_live, difference.only_new) == ("training_known_workers", 1, 1)
    assert any("w-7" in sample and "junior" in sample for sample in difference.samples)
    assert not checked.switched
    assert ("w-7", "ent-0", False, "junior") in still_corrupted  # nothing switched
    assert repaired.switched and len(repaired.differences) == 1
    assert after_repair == expected


async def test_the_command_finds_the_read_model_as_the_service_wires_it_and_switches(
    db: AsyncEngine, kafka_bootstrap: str
) -> None:
    prefix = f"test.{uuid.uuid4().hex[:8]}."
    topic = prefix + REGISTRY_EVENTS  # the topic training's `workers` reads in a run with this prefix
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        await register(runtime, topic, range(30))
        await has_rows(db, 30)
        env = {
            "CRAFTSMAN_TOPIC_PREFIX": prefix,
            "CRAFTSMAN_CONSUMER_GROUP_PREFIX": runtime.settings.consumer_group_prefix,
        }
        url = db.url.render_as_string(hide_password=False)
        ran = await craftsman("rebuild", "training", "workers", "--database-url", url, env=env)
        refused = await craftsman("rebuild", "rewards", "tier-policy", "--database-url", url, env=env)
        on_sqlite = await craftsman("rebuild", "training", "workers", "--database-url", "sqlite+aiosqlite://")

    assert ran.code == 0, ran.output
    assert "the new version equals the live one" in ran.output and "switched" in ran.output
    assert "30 records replayed" in ran.output
    assert refused.code == 2 and "is not a projection" in refused.output, refused.output
    assert on_sqlite.code == 2 and "needs PostgreSQL" in on_sqlite.output, on_sqlite.output


async def test_no_switch_while_the_live_consumer_is_behind_the_log(
    db: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        await register(runtime, topic, range(20))
        await has_rows(db, 20)
        model = workers_model(runtime, topic)
    # The live consumer is gone; the log goes on without it.
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", **aiokafka_kwargs())
    await producer.start()
    try:
        for number in range(20, 25):
            envelope = registered(f"w-{number}")
            await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())
    finally:
        await producer.stop()

    with pytest.raises(RebuildRefused, match="stayed behind the log"):
        await Rebuild(model, db, bus(kafka_bootstrap), wait_for_live_seconds=2).run()
    assert len(await rows(db)) == 20  # the live version, untouched
    async with db.connect() as connection:
        retired = await connection.scalar(
            text("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'retired_%'")
        )
    assert retired == 0


async def test_a_policy_is_not_a_read_model() -> None:
    from ops.bus import service_settings

    settings = service_settings("rewards", "sqlite+aiosqlite://")
    with pytest.raises(UnknownReadModel, match="tier-policy is not a projection"):
        await find_read_model("rewards", "tier-policy", settings)
    with pytest.raises(
        UnknownReadModel, match="no read model 'nothing'; rebuildable: workers, learning-records"
    ):
        await find_read_model("training", "nothing", service_settings("training", "sqlite+aiosqlite://"))
