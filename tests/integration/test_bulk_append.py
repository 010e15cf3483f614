"""Appends big enough to travel by COPY into the staging table (pg_append.STAGE_FROM events and
more): the same guarantees as the one-statement append. Every test runs on SQLite and Postgres;
on Postgres each also checks which way the rows went."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.db import session_factory
from chassis.eventstore import ConcurrencyError, EventStore, pg_append
from chassis.eventstore.schema import events, outbox
from chassis.eventstore.store import Append
from contracts.envelope import StreamRef
from tests.support import envelopes_for

pytestmark = pytest.mark.postgres

BIG = pg_append.STAGE_FROM  # events per stream below: every append here is staged on Postgres


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each Postgres append went through the staging table."""
    seen: list[bool] = []
    stage = pg_append.stage

    async def spy(session: AsyncSession, made: Sequence[tuple[Any, ...]]) -> bool:
        seen.append(await stage(session, made))
        return seen[-1]

    monkeypatch.setattr(pg_append, "stage", spy)
    return seen


def streams(count: int) -> list[StreamRef]:
    return [StreamRef(type="Worker", id=f"w-{n}") for n in range(count)]


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(events))
        queued = await connection.scalar(select(func.count()).select_from(outbox))
    return int(stored or 0), int(queued or 0)


async def test_a_bulk_append_stores_every_event_with_its_record(
    engine: AsyncEngine, staged: list[bool]
) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    appends = [Append(stream, 0, envelopes_for(stream, 1, BIG)) for stream in streams(3)]
    async with sessions() as session, session.begin():
        positions = await store.append_many(session, appends)
    assert len(positions) == 3 * BIG and positions == sorted(positions)
    assert staged == ([True] if engine.dialect.name == "postgresql" else [])
    envelopes = [envelope for append in appends for envelope in append.envelopes]
    async with engine.connect() as connection:
        stored = (await connection.execute(select(events.c.position, events.c.event_id))).all()
        records = (await connection.execute(select(outbox.c.position, outbox.c.body))).all()
    assert sorted(stored) == sorted(zip(positions, [str(e.event_id) for e in envelopes], strict=True))
    assert sorted(records) == sorted(zip(positions, [e.to_bytes() for e in envelopes], strict=True))
    async with sessions() as session:
        loaded = await store.load(session, appends[1].stream)
    assert [stored.envelope for stored in loaded] == list(appends[1].envelopes)


async def test_two_bulk_appends_in_one_transaction_store_each_once(
    engine: AsyncEngine, staged: list[bool]
) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    first, second = streams(2)
    async with sessions() as session, session.begin():
        await store.append(session, first, 0, envelopes_for(first, 1, BIG))
        await store.append(session, second, 0, envelopes_for(second, 1, BIG))
    assert staged == ([True, True] if engine.dialect.name == "postgresql" else [])
    assert await counts(engine) == (2 * BIG, 2 * BIG)


async def test_a_stale_bulk_writer_writes_nothing(engine: AsyncEngine, staged: list[bool]) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    stale, fresh = streams(2)
    async with sessions() as session, session.begin():
        await store.append(session, stale, 0, envelopes_for(stale, 1, 5))
    with pytest.raises(ConcurrencyError) as raised:
        async with sessions() as session, session.begin():
            await store.append_many(
                session,
                [
                    Append(fresh, 0, envelopes_for(fresh, 1, BIG)),
                    Append(stale, 3, envelopes_for(stale, 4, BIG)),  # another writer took 4 and 5
                ],
            )
    assert raised.value.stream == stale
    assert await counts(engine) == (5, 5)


async def test_a_bulk_writer_ahead_of_its_stream_writes_nothing(
    engine: AsyncEngine, staged: list[bool]
) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    (stream,) = streams(1)
    async with sessions() as session, session.begin():
        await store.append(session, stream, 0, envelopes_for(stream, 1, 5))
    with pytest.raises(ConcurrencyError):
        async with sessions() as session, session.begin():
            await store.append(session, stream, 7, envelopes_for(stream, 8, BIG))
    assert await counts(engine) == (5, 5)


async def test_a_bulk_append_outside_a_transaction_takes_the_arrays(
    engine: AsyncEngine, staged: list[bool]
) -> None:
    """Without a transaction each statement commits alone, and the staging table empties at every
    commit: the rows must go with the append's own statement."""
    store = EventStore(topic_of=lambda _: "t")
    (stream,) = streams(1)
    positions = await store.commit_appends(engine, [Append(stream, 0, envelopes_for(stream, 1, BIG))])
    assert len(positions) == BIG
    assert staged == ([False] if engine.dialect.name == "postgresql" else [])
    assert await counts(engine) == (BIG, BIG)
