"""The command path: few statements per command, concurrency checked by the append itself.

Every test runs on SQLite and Postgres (the `engine` fixture); the statement budget is
the Postgres one (SQLite may take more statements for the same guarantees).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.errors import AlreadyExists
from chassis.eventstore import Append, ConcurrencyError, EventStore
from chassis.eventstore.schema import events, outbox
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import StreamRef
from contracts.vocabulary import SkillLevel
from services.registry import handlers
from services.registry.commands import RegisterEnterprise, RegisterWorker
from tests.support import envelopes_for

pytestmark = pytest.mark.postgres


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def unit_of_work(engine: AsyncEngine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine), EventStore(), producer="registry")


ENTERPRISE = RegisterEnterprise(enterprise_id="e-1", name="Weichai", region_id="weifang", industry="engines")


def worker(worker_id: str) -> RegisterWorker:
    """A hire without personal data (as an HR system sends it): one event, the bare command path."""
    return RegisterWorker(
        worker_id=worker_id,
        enterprise_id="e-1",
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
    )


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_one_event_command_takes_at_most_three_statements(engine: AsyncEngine) -> None:
    await handlers.register_enterprise(unit_of_work(engine), ENTERPRISE)
    with statements(engine) as seen:
        stored = await handlers.register_worker(unit_of_work(engine), worker("w-1"))
    assert len(stored) == 1
    if engine.dialect.name == "postgresql":
        # load the enterprise, append event + outbox row (with its version check) in one
        assert len(seen) <= 3, seen
    assert await count(engine, events) == 2 and await count(engine, outbox) == 2


async def test_a_second_registration_is_refused_in_the_callers_words(engine: AsyncEngine) -> None:
    await handlers.register_enterprise(unit_of_work(engine), ENTERPRISE)
    await handlers.register_worker(unit_of_work(engine), worker("w-1"))
    with pytest.raises(AlreadyExists, match="worker w-1 is registered already"):
        await handlers.register_worker(unit_of_work(engine), worker("w-1"))
    assert await count(engine, events) == 2 and await count(engine, outbox) == 2


async def test_a_writer_ahead_of_its_stream_is_refused_without_writing(engine: AsyncEngine) -> None:
    """Expected version 5 on a stream at 2 must not leave versions 3 and 4 missing."""
    store, sessions = EventStore(), session_factory(engine)
    stream = StreamRef(type="Worker", id="w-ahead")
    async with sessions() as session, session.begin():
        await store.append(session, stream, 0, envelopes_for(stream, 1, 2))
    with pytest.raises(ConcurrencyError, match="expected at version 5"):
        async with sessions() as session, session.begin():
            await store.append(session, stream, 5, envelopes_for(stream, 6, 2))
    assert await count(engine, events) == 2 and await count(engine, outbox) == 2


async def test_the_conflict_names_the_stream_that_collided(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    fresh, taken = StreamRef(type="Worker", id="w-fresh"), StreamRef(type="Worker", id="w-taken")
    async with sessions() as session, session.begin():
        await store.append(session, taken, 0, envelopes_for(taken, 1, 1))
    with pytest.raises(ConcurrencyError) as raised:
        async with sessions() as session, session.begin():
            await store.append_many(
                session,
                [Append(fresh, 0, envelopes_for(fresh, 1, 2)), Append(taken, 0, envelopes_for(taken, 1, 1))],
            )
    assert raised.value.stream == taken
    assert await count(engine, events) == 1


async def test_positions_follow_versions_within_one_append(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    streams = [StreamRef(type="Worker", id=f"w-{n}") for n in range(20)]
    async with sessions() as session, session.begin():
        positions = await store.append_many(
            session, [Append(stream, 0, envelopes_for(stream, 1, 5)) for stream in streams]
        )
    assert positions == sorted(positions) and len(set(positions)) == 100
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(events.c.stream_id, events.c.stream_version).order_by(events.c.position)
            )
        ).all()
    assert [(row.stream_id, row.stream_version) for row in rows] == [
        (stream.id, version) for stream in streams for version in range(1, 6)
    ]
    async with engine.connect() as connection:
        queued = (await connection.scalars(select(outbox.c.position).order_by(outbox.c.position))).all()
    assert list(queued) == positions


async def test_one_stale_stream_in_a_1000_stream_bulk_append_fails_all_of_it(engine: AsyncEngine) -> None:
    store, sessions = EventStore(), session_factory(engine)
    streams = [StreamRef(type="Worker", id=f"w-{n:04d}") for n in range(1000)]
    async with sessions() as session, session.begin():
        await store.append_many(
            session, [Append(stream, 0, envelopes_for(stream, 1, 1)) for stream in streams]
        )
    stale = streams[637]
    async with sessions() as session, session.begin():  # someone else moves one stream on
        await store.append(session, stale, 1, envelopes_for(stale, 2, 1))
    with pytest.raises(ConcurrencyError) as raised:
        async with sessions() as session, session.begin():
            await store.append_many(
                session, [Append(stream, 1, envelopes_for(stream, 2, 2)) for stream in streams]
            )
    assert raised.value.stream == stale
    assert await count(engine, events) == 1001 and await count(engine, outbox) == 1001


async def test_a_write_past_the_unit_of_work_is_refused_on_postgres(pg_engine: AsyncEngine) -> None:
    """On Postgres the unit of work reads outside a transaction; only commit() may write."""
    from sqlalchemy import insert

    from chassis.eventstore.schema import snapshots

    async with unit_of_work(pg_engine) as work:
        with pytest.raises(RuntimeError, match="only reads run"):
            await work.active.execute(
                insert(snapshots).values(
                    stream_type="Worker", stream_id="w", stream_version=1, state={}, taken_at=func.now()
                )
            )
    assert await count(pg_engine, snapshots) == 0


async def test_an_append_alone_commits_by_itself_and_still_checks_versions(engine: AsyncEngine) -> None:
    store, stream = EventStore(), StreamRef(type="Worker", id="w-alone")
    await store.append_alone(engine, stream, 0, envelopes_for(stream, 1, 2))
    with pytest.raises(ConcurrencyError):
        await store.append_alone(engine, stream, 1, envelopes_for(stream, 2, 1))
    assert await count(engine, events) == 2 and await count(engine, outbox) == 2


async def test_concurrent_appends_share_statements_and_a_conflict_fails_only_its_own(
    engine: AsyncEngine,
) -> None:
    store = EventStore()
    taken = StreamRef(type="Worker", id="w-taken")
    await store.append_alone(engine, taken, 0, envelopes_for(taken, 1, 1))
    fresh = [StreamRef(type="Worker", id=f"w-{n}") for n in range(40)]
    with statements(engine) as seen:
        outcomes = await asyncio.gather(
            *(store.append_alone(engine, stream, 0, envelopes_for(stream, 1, 2)) for stream in fresh),
            store.append_alone(engine, taken, 0, envelopes_for(taken, 1, 1)),  # stale: must fail alone
            return_exceptions=True,
        )
    assert isinstance(outcomes[-1], ConcurrencyError) and outcomes[-1].stream == taken
    assert all(isinstance(positions, list) and len(positions) == 2 for positions in outcomes[:-1])
    if engine.dialect.name == "postgresql":
        assert len(seen) < len(fresh), "appends that arrive together share a statement"
    assert await count(engine, events) == 1 + 80 and await count(engine, outbox) == 1 + 80


async def test_a_duplicate_event_id_in_a_group_fails_only_its_own_append(engine: AsyncEngine) -> None:
    from sqlalchemy.exc import IntegrityError

    store = EventStore()
    first = StreamRef(type="Worker", id="w-first")
    (again,) = envelopes_for(first, 1, 1)
    await store.append_alone(engine, first, 0, [again])
    other = StreamRef(type="Worker", id="w-other")
    replayed = again.model_copy(update={"stream": other})  # the same event id on another stream
    fresh = [StreamRef(type="Worker", id=f"w-{n}") for n in range(10)]
    outcomes = await asyncio.gather(
        *(store.append_alone(engine, stream, 0, envelopes_for(stream, 1, 1)) for stream in fresh),
        store.append_alone(engine, other, 0, [replayed]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[-1], IntegrityError) and "event_id" in str(outcomes[-1].orig)
    assert all(isinstance(positions, list) for positions in outcomes[:-1])
    assert await count(engine, events) == 11


async def test_many_commands_in_flight_do_not_starve_a_small_pool(pg_engine: AsyncEngine) -> None:
    """Each command gives its read connection back before it waits for the shared write."""
    from chassis.db import create_engine

    small = create_engine(pg_engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        await handlers.register_enterprise(unit_of_work(small), ENTERPRISE)
        async with asyncio.timeout(20):
            await asyncio.gather(
                *(handlers.register_worker(unit_of_work(small), worker(f"w-{n}")) for n in range(60))
            )
    finally:
        await small.dispose()
    assert await count(pg_engine, events) == 61
