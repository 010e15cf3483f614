"""Integrity errors are told apart by constraint, the same way on Postgres and SQLite.

The old test was "is the column's name somewhere in the message": on SQLite an inbox row
repeated ("UNIQUE constraint failed: inbox.consumer, inbox.event_id") read as "this command
ran before".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.dberrors import Violation, classify
from chassis.eventstore import EventStore
from chassis.eventstore.schema import EVENT_ID_KEY, STREAM_VERSION_KEY, events, inbox, metadata
from contracts.envelope import Envelope, StreamRef
from tests.support import envelopes_for


async def _integrity_error(
    engine: AsyncEngine, *statements: tuple[Any, list[dict[str, Any]]]
) -> IntegrityError:
    async with engine.connect() as connection:
        with pytest.raises(IntegrityError) as raised:
            for statement, rows in statements:
                await connection.execute(statement, rows)
        await connection.rollback()
    return raised.value


def _events_row(envelope: Envelope) -> dict[str, Any]:
    """The envelope as a raw row of the events table (the store itself writes through the driver)."""
    return {
        "event_id": str(envelope.event_id),
        "stream_type": envelope.stream.type,
        "stream_id": envelope.stream.id,
        "stream_version": envelope.stream_version,
        "event_type": envelope.event_type,
        "schema_version": envelope.schema_version,
        "occurred_at": envelope.occurred_at,
        "producer": envelope.producer,
        "tenant": envelope.tenant,
        "correlation_id": str(envelope.correlation_id),
        "causation_id": None,
        "partition_key": envelope.key,
        "topic": "t",
        "payload": envelope.payload,
    }


async def _store_one(engine: AsyncEngine, stream: StreamRef) -> Envelope:
    (envelope,) = envelopes_for(stream, 1, 1)
    async with session_factory(engine)() as session, session.begin():
        await EventStore().append(session, stream, 0, [envelope])
    return envelope


async def test_a_repeated_event_id_names_the_event_id_key(engine: AsyncEngine) -> None:
    stream = StreamRef(type="Worker", id="w-1")
    envelope = await _store_one(engine, stream)
    again = _events_row(envelope) | {"stream_version": 2}
    error = await _integrity_error(engine, (insert(events), [again]))
    assert classify(error, [metadata]) == Violation("unique", EVENT_ID_KEY)


async def test_a_racing_writer_names_the_stream_version_key(engine: AsyncEngine) -> None:
    stream = StreamRef(type="Worker", id="w-2")
    await _store_one(engine, stream)
    (rival,) = envelopes_for(stream, 1, 1)
    error = await _integrity_error(engine, (insert(events), [_events_row(rival)]))
    assert classify(error, [metadata]) == Violation("unique", STREAM_VERSION_KEY)


async def test_an_inbox_row_repeated_is_not_a_command_applied_before(engine: AsyncEngine) -> None:
    row = {
        "consumer": "c",
        "event_id": "0192f0c4-0000-7000-8000-000000000001",
        "topic": "t",
        "partition": 0,
        "offset": 1,
        "processed_at": datetime.now(UTC),
    }
    error = await _integrity_error(engine, (insert(inbox), [row]), (insert(inbox), [row]))
    assert classify(error, [metadata]) == Violation("unique", "inbox_pkey")  # on SQLite too
