"""Bulk appends (hundreds of events over several streams, as the batch imports make): every event
stored with its outbox record, a stale or early writer refused with nothing written. Every test
runs on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import ConcurrencyError, EventStore
from chassis.eventstore.pg_append import INPUT_COLUMNS
from chassis.eventstore.schema import events, outbox
from chassis.eventstore.store import Append
from chassis.inbox import CLAIM_COLUMNS
from contracts.envelope import StreamRef
from tests.support import envelopes_for

pytestmark = pytest.mark.postgres

BIG = 200  # events per stream


def streams(count: int) -> list[StreamRef]:
    return [StreamRef(type="Worker", id=f"w-{n}") for n in range(count)]


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(events))
        queued = await connection.scalar(select(func.count()).select_from(outbox))
    return int(stored or 0), int(queued or 0)


async def test_a_bulk_append_stores_every_event_with_its_record(engine: AsyncEngine) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    appends = [Append(stream, 0, envelopes_for(stream, 1, BIG)) for stream in streams(3)]
    async with sessions() as session, session.begin():
        positions = await store.append_many(session, appends)
    assert len(positions) == 3 * BIG and positions == sorted(positions)
    envelopes = [envelope for append in appends for envelope in append.envelopes]
    async with engine.connect() as connection:
        stored = (await connection.execute(select(events.c.position, events.c.event_id))).all()
        records = (await connection.execute(select(outbox.c.position, outbox.c.body))).all()
    assert sorted(stored) == sorted(zip(positions, [str(e.event_id) for e in envelopes], strict=True))
    assert sorted(records) == sorted(zip(positions, [e.to_bytes() for e in envelopes], strict=True))
    async with sessions() as session:
        loaded = await store.load(session, appends[1].stream)
    assert [stored.envelope for stored in loaded] == list(appends[1].envelopes)


async def test_two_bulk_appends_in_one_transaction_store_each_once(engine: AsyncEngine) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    first, second = streams(2)
    async with sessions() as session, session.begin():
        await store.append(session, first, 0, envelopes_for(first, 1, BIG))
        await store.append(session, second, 0, envelopes_for(second, 1, BIG))
    assert await counts(engine) == (2 * BIG, 2 * BIG)


async def test_a_stale_bulk_writer_writes_nothing(engine: AsyncEngine) -> None:
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


async def test_a_bulk_writer_ahead_of_its_stream_writes_nothing(engine: AsyncEngine) -> None:
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    (stream,) = streams(1)
    async with sessions() as session, session.begin():
        await store.append(session, stream, 0, envelopes_for(stream, 1, 5))
    with pytest.raises(ConcurrencyError):
        async with sessions() as session, session.begin():
            await store.append(session, stream, 7, envelopes_for(stream, 8, BIG))
    assert await counts(engine) == (5, 5)


async def test_a_bulk_append_outside_a_transaction_is_stored_whole(engine: AsyncEngine) -> None:
    """Through the group commit: one statement, no BEGIN/COMMIT around it."""
    store = EventStore(topic_of=lambda _: "t")
    (stream,) = streams(1)
    positions = await store.commit_appends(engine, [Append(stream, 0, envelopes_for(stream, 1, BIG))])
    assert len(positions) == BIG
    assert await counts(engine) == (BIG, BIG)


async def test_a_bulk_append_checks_each_streams_version_by_searching_the_key(engine: AsyncEngine) -> None:
    """Streams of two types at their versions, one of them stale: refused, nothing written. On
    SQLite every statement of the append is planned as a search of the events' key, never a scan
    of the table (a row-value IN had scanned it: 50 ms per append at 289,000 events)."""
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    workers = streams(3)
    enterprise = StreamRef(type="Enterprise", id="w-0")  # the same id under another type
    async with sessions() as session, session.begin():
        await store.append_many(
            session, [Append(stream, 0, envelopes_for(stream, 1, 2)) for stream in [*workers, enterprise]]
        )
    stale = [
        Append(workers[0], 2, envelopes_for(workers[0], 3, 1)),
        Append(enterprise, 1, envelopes_for(enterprise, 2, 1)),
    ]
    with pytest.raises(ConcurrencyError):
        async with sessions() as session, session.begin():
            await store.append_many(session, stale)
    assert await counts(engine) == (8, 8)
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    fresh = [
        Append(workers[1], 2, envelopes_for(workers[1], 3, 1)),
        Append(enterprise, 2, envelopes_for(enterprise, 3, 1)),
    ]
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessions() as session, session.begin():
            await store.append_many(session, fresh)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert await counts(engine) == (10, 10)
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)).all()
            scans = [step[-1] for step in plan if str(step[-1]).startswith("SCAN events")]
            assert not scans, f"{statement}\n{plan}"


@pytest.mark.parametrize(
    ("row_type", "columns"), [("event_append_row", INPUT_COLUMNS), ("inbox_claim_row", CLAIM_COLUMNS)]
)
async def test_the_row_types_have_the_columns_the_statements_send(
    pg_engine: AsyncEngine, row_type: str, columns: tuple[str, ...]
) -> None:
    """The Postgres append and the inbox claim send their rows as composite values (migration
    chassis_0005), tuples in the order of the code's column names: the type must list the same
    names in the same order, or values land in the wrong attributes."""
    async with pg_engine.connect() as connection:
        attributes = (
            await connection.execute(
                text(
                    "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:name AS regclass) "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
                ),
                {"name": row_type},
            )
        ).scalars()
        assert tuple(attributes) == columns


async def test_positions_follow_the_input_order_across_streams(engine: AsyncEngine) -> None:
    """Positions are drawn once per input row, in input order: interleaved streams keep each
    stream's versions in position order, and the outbox row of each event has its position."""
    store, sessions = EventStore(topic_of=lambda _: "t"), session_factory(engine)
    first, second = streams(2)
    ones, twos = envelopes_for(first, 1, 4), envelopes_for(second, 1, 4)
    appends = [Append(first, 0, ones[:2]), Append(second, 0, twos[:2])]
    later = [Append(first, 2, ones[2:]), Append(second, 2, twos[2:])]
    async with sessions() as session, session.begin():
        positions = await store.append_many(session, appends)
        positions += await store.append_many(session, later)
    assert positions == sorted(positions) and len(set(positions)) == 8
    async with engine.connect() as connection:
        stored = (
            await connection.execute(select(events.c.position, events.c.event_id).order_by(events.c.position))
        ).all()
        records = dict((await connection.execute(select(outbox.c.position, outbox.c.body))).all())
    in_order = [*ones[:2], *twos[:2], *ones[2:], *twos[2:]]
    assert [event_id for _, event_id in stored] == [str(e.event_id) for e in in_order]
    assert [records[position] for position, _ in stored] == [e.to_bytes() for e in in_order]
