"""Event-store behaviour; every test runs on SQLite and on Postgres (the `engine` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Self
from uuid import uuid4

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import ConcurrencyError, EventStore, Snapshot
from chassis.eventstore.pg_append import record_headers
from chassis.eventstore.schema import events, outbox
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import WorkerRegistered
from contracts.events.training import TrainingCompleted
from contracts.topics import TOPIC_OF_PRODUCER
from contracts.vocabulary import SkillLevel, TitleLevel
from services.registry.domain import Enterprise, Worker
from tests.support import envelopes_for

pytestmark = pytest.mark.postgres


async def test_append_then_load_in_order(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-1")
    async with sessions() as session, session.begin():
        await store.append(session, stream, 0, envelopes_for(stream, 1, 3))
    async with sessions() as session, session.begin():
        await store.append(session, stream, 3, envelopes_for(stream, 4, 2))
    async with sessions() as session:
        loaded = await store.load(session, stream)
        tail = await store.load(session, stream, after_version=3)
    assert [stored.envelope.stream_version for stored in loaded] == [1, 2, 3, 4, 5]
    assert [stored.envelope.stream_version for stored in tail] == [4, 5]
    assert all(
        isinstance(stored.event, TrainingCompleted) and stored.event.worker_id == "w-1" for stored in loaded
    )


async def test_two_writers_at_the_same_expected_version_exactly_one_wins(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-race")
    async with sessions() as session, session.begin():
        await store.append(session, stream, 0, envelopes_for(stream, 1, 1))
    both_read = asyncio.Barrier(2)

    async def writer() -> str:
        async with sessions() as session:  # decide on what was read ...
            version = await store.current_version(session, stream)
        await both_read.wait()  # ... both having read version 1 before either appends
        try:
            async with sessions() as session, session.begin():
                await store.append(session, stream, version, envelopes_for(stream, version + 1, 2))
            return "won"
        except ConcurrencyError as error:
            assert "expected at version 1" in str(error)
            return "conflict"

    outcomes = await asyncio.gather(writer(), writer())
    assert sorted(outcomes) == ["conflict", "won"]
    async with sessions() as session:
        versions = [stored.envelope.stream_version for stored in await store.load(session, stream)]
    assert versions == [1, 2, 3]


async def test_stale_expected_version_is_refused_without_writing(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-stale")
    async with sessions() as session, session.begin():
        await store.append(session, stream, 0, envelopes_for(stream, 1, 2))
    with pytest.raises(ConcurrencyError):
        async with sessions() as session, session.begin():
            await store.append(session, stream, 1, envelopes_for(stream, 2, 1))
    async with sessions() as session:
        assert len(await store.load(session, stream)) == 2


async def test_a_command_stores_all_of_its_events_or_none(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    first, second = StreamRef(type="Worker", id="w-a"), StreamRef(type="Worker", id="w-b")
    async with sessions() as session, session.begin():
        await store.append(session, second, 0, envelopes_for(second, 1, 1))
    with pytest.raises(ConcurrencyError):
        async with sessions() as session, session.begin():
            await store.append(session, first, 0, envelopes_for(first, 1, 3))
            await store.append(session, second, 0, envelopes_for(second, 1, 1))  # stale: fails
    async with sessions() as session:
        assert await store.load(session, first) == []
        assert await session.scalar(select(func.count()).select_from(events)) == 1
        assert await session.scalar(select(func.count()).select_from(outbox)) == 1


async def test_every_stored_event_enters_the_outbox_in_the_same_transaction(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-out")
    async with sessions() as session, session.begin():
        positions = await store.append(session, stream, 0, envelopes_for(stream, 1, 4))
    async with sessions() as session:
        queued = (await session.scalars(select(outbox.c.position).order_by(outbox.c.position))).all()
    assert list(queued) == positions


async def test_an_event_loads_back_and_leaves_in_the_outbox_exactly_as_appended(engine: AsyncEngine) -> None:
    """Every envelope field survives the store (microseconds, a causation id, a name that is not
    ASCII), its outbox record is the envelope's bytes, and positions follow on across appends."""
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-exact")
    event = WorkerRegistered(
        worker_id="w-exact", enterprise_id="ent-1", trade="焊工 welder", skill_level=SkillLevel.SENIOR
    )
    caused = Envelope.wrap(
        event,
        producer="registry",
        stream=stream,
        stream_version=2,
        tenant="ent-1",
        causation_id=uuid4(),
        occurred_at=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
    )
    appended = [*envelopes_for(stream, 1, 1), caused]
    async with sessions() as session, session.begin():
        first = await store.append(session, stream, 0, appended[:1])
    async with sessions() as session, session.begin():
        second = await store.append(session, stream, 1, appended[1:])
    async with sessions() as session:
        loaded = await store.load(session, stream)
        records = (await session.execute(select(outbox).order_by(outbox.c.position))).all()
    assert second[0] > first[-1]
    assert [stored.position for stored in loaded] == first + second
    assert [stored.envelope for stored in loaded] == appended
    assert [
        (row.position, row.topic, row.partition_key, row.headers, bytes(row.body)) for row in records
    ] == [
        (position, TOPIC_OF_PRODUCER[sent.producer], sent.key, record_headers(sent), sent.to_bytes())
        for position, sent in zip(first + second, appended, strict=True)
    ]


async def test_snapshot_round_trip(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-snap")
    async with sessions() as session, session.begin():
        await store.save_snapshot(session, Snapshot(stream, 10, {"tier": "seed"}))
    async with sessions() as session, session.begin():
        await store.save_snapshot(session, Snapshot(stream, 20, {"tier": "craftsman"}))
    async with sessions() as session:
        snapshot = await store.load_snapshot(session, stream)
    assert snapshot is not None and snapshot.version == 20 and snapshot.state == {"tier": "craftsman"}


async def test_old_schema_versions_are_upcast_on_load(engine: AsyncEngine) -> None:
    """A v1 WorkerRegistered written long ago loads as the current version."""
    store, sessions = EventStore(), session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(events).values(
                event_id="0190a1b2-0000-7000-8000-000000000001",
                stream_type="Worker",
                stream_id="w-old",
                stream_version=1,
                event_type="WorkerRegistered",
                schema_version=1,
                occurred_at=datetime(2024, 5, 1, tzinfo=UTC),
                producer="registry",
                tenant="ent-1",
                correlation_id="0190a1b2-0000-7000-8000-000000000001",
                causation_id=None,
                partition_key="w-old",
                topic="craftsman.registry.events",
                payload={
                    "worker_id": "w-old",
                    "enterprise_id": "ent-1",
                    "name": "Wang Lei",
                    "trade": "welder",
                },
            )
        )
    async with sessions() as session:
        (stored,) = await store.load(session, StreamRef(type="Worker", id="w-old"))
    assert isinstance(stored.event, WorkerRegistered)
    assert stored.event.trade == "welder" and "Wang Lei" not in stored.envelope.model_dump_json()
    assert stored.envelope.schema_version == WorkerRegistered.schema_version == 3


async def test_the_unit_of_work_snapshots_and_loads_from_the_snapshot(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="registry", snapshot_every=2)

    enterprise = Enterprise.register(
        "qz", name="Qingzhou", region_id="qz", industry="tobacco", tier_labels={}
    )
    async with uow() as work:
        work.track(enterprise)
        work.track(
            Worker.register(
                "w-s",
                enterprise=enterprise,
                trade="fitter",
                skill_level=SkillLevel.SENIOR,
                hired_on=None,
            )
        )
        await work.commit()
    for n in range(3):
        async with uow() as work:
            worker = await work.require(Worker, "w-s", "missing")
            worker.nominate(f"n-{n}", level=TitleLevel.ENTERPRISE, nominated_by="union", reason="again")
            await work.commit()
    async with sessions() as session:
        snapshot = await store.load_snapshot(session, StreamRef(type="Worker", id="w-s"))
    assert (
        snapshot is not None and snapshot.version == 4 and len(snapshot.state["career"]["nominations"]) == 3
    )
    async with uow() as work:
        loaded = await work.require(Worker, "w-s", "missing")
    assert loaded.version == 4 and loaded.nominations == {"n-0", "n-1", "n-2"}
    assert loaded.snapshot_state() == snapshot.state


async def test_a_snapshot_of_an_older_shape_is_ignored_and_the_stream_is_folded(engine: AsyncEngine) -> None:
    """A Worker whose snapshot shape moved on must not read a snapshot of today's shape as its own."""

    class WorkerNext(Worker):
        snapshot_version = Worker.snapshot_version + 1

        @classmethod
        def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
            raise AssertionError("a snapshot of the previous shape was read as the next one")

    store, sessions = EventStore(), session_factory(engine)
    enterprise = Enterprise.register(
        "qz", name="Qingzhou", region_id="qz", industry="tobacco", tier_labels={}
    )
    worker = Worker.register(
        "w-v",
        enterprise=enterprise,
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
        hired_on=None,
    )
    worker.nominate("n-1", level=TitleLevel.ENTERPRISE, nominated_by="union", reason="first")
    async with UnitOfWork(sessions, store, producer="registry", snapshot_every=2) as work:
        work.track(worker)
        await work.commit()
    async with sessions() as session:
        taken = await store.load_snapshot(session, worker.stream)
    assert taken is not None and taken.snapshot_version == Worker.snapshot_version  # stale for WorkerNext

    async with UnitOfWork(sessions, store, producer="registry") as work:
        loaded = await work.require(WorkerNext, "w-v", "missing")
    assert loaded.version == 2 and loaded.nominations == {"n-1"}
    async with UnitOfWork(sessions, store, producer="registry") as work:
        same_shape = await work.require(Worker, "w-v", "missing")  # reads its own shape
    assert same_shape.version == 2 and same_shape.nominations == {"n-1"}


async def test_a_command_reads_while_another_writer_holds_its_transaction_and_writes_after_it(
    engine: AsyncEngine,
) -> None:
    """A unit of work loads and decides without waiting for another writer's open transaction
    (on SQLite it had taken the one write lock at its first read); its append then waits for
    that writer and is checked against what it committed."""
    store, sessions = EventStore(), session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="registry")

    enterprise = Enterprise.register(
        "qz", name="Qingzhou", region_id="qz", industry="tobacco", tier_labels={}
    )
    async with uow() as work:
        work.track(enterprise)
        await work.commit()
    other = StreamRef(type="Worker", id="w-other")
    async with sessions() as holder, holder.begin():
        await store.append(holder, other, 0, envelopes_for(other, 1, 1))  # holds the write lock
        work = uow()
        async with asyncio.timeout(5):  # SQLite's busy timeout is 30 s: it would have waited
            await work.__aenter__()
            loaded = await work.require(Enterprise, "qz", "missing")
            work.track(
                Worker.register(
                    "w-new", enterprise=loaded, trade="fitter", skill_level=SkillLevel.SENIOR, hired_on=None
                )
            )
        committing = asyncio.create_task(work.commit())
        await asyncio.sleep(0.2)
        assert not committing.done() or engine.dialect.name == "postgresql"  # SQLite: behind the lock
    try:
        await asyncio.wait_for(committing, 10)
    finally:
        await work.__aexit__(None, None, None)
    async with sessions() as session:
        assert await store.current_version(session, StreamRef(type="Worker", id="w-new")) == 1
        assert await store.current_version(session, other) == 1
