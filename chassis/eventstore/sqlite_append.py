"""The SQLite append: the events and their outbox rows, one executemany each through the driver.

The caller's transaction holds SQLite's write lock (every writing transaction begins
IMMEDIATE, chassis.db) and has checked the streams' versions, so nobody else can append
meanwhile: the positions are the next ones after the highest stored, as SQLite's rowid
would have given them, and need no RETURNING.

The rows are the Postgres append's own (pg_append.input_rows, made by the store: the envelope
serialised once, the payload cut out of it, the ids spelled by pydantic_core), sent as plain
tuples. SQLAlchemy's compiled insert had cost more than the rest of the append together: its
executemany processes every row's parameters in Python (a JSON dump of each payload and its
headers, a datetime bind, a dict per row), about 29 us of some 54 an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from chassis.eventstore.pg_append import INPUT_COLUMNS
from chassis.eventstore.schema import events

_EVENT_COLUMNS = tuple(column for column in INPUT_COLUMNS if column in events.c)
_OUTBOX_COLUMNS = ("topic", "partition_key", "headers", "body")


def _insert(table: str, columns: Sequence[str]) -> str:
    listed = ", ".join(("position", *columns))
    return f"INSERT INTO {table} ({listed}) VALUES ({', '.join('?' * (len(columns) + 1))})"


_INSERT_EVENTS = _insert("events", _EVENT_COLUMNS)
_INSERT_OUTBOX = _insert("outbox", _OUTBOX_COLUMNS)
_EVENT_AT = tuple(INPUT_COLUMNS.index(column) for column in _EVENT_COLUMNS)
_OUTBOX_AT = tuple(INPUT_COLUMNS.index(column) for column in _OUTBOX_COLUMNS)
_OCCURRED_AT = _EVENT_COLUMNS.index("occurred_at")


async def append(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """The positions given to `rows` (pg_append.input_rows), in append order (raises
    IntegrityError on a duplicate event id or a stream version taken meanwhile)."""
    connection = await session.connection()
    highest = (await connection.exec_driver_sql("SELECT max(position) FROM events")).scalar()
    first = int(highest or 0) + 1
    stamp = _datetime_text(connection)
    event_rows, outbox_rows = [], []
    for position, row in enumerate(rows, first):
        event = [row[at] for at in _EVENT_AT]
        event[_OCCURRED_AT] = stamp(event[_OCCURRED_AT])
        event_rows.append((position, *event))
        outbox_rows.append((position, *(row[at] for at in _OUTBOX_AT)))
    await connection.exec_driver_sql(_INSERT_EVENTS, event_rows)
    await connection.exec_driver_sql(_INSERT_OUTBOX, outbox_rows)
    return list(range(first, first + len(rows)))


def _datetime_text(connection: AsyncConnection) -> Any:
    """The dialect's own bind of the occurred_at column, so a row reads back as SQLAlchemy's
    insert would have stored it."""
    column_type = events.c.occurred_at.type.dialect_impl(connection.dialect)
    processor = column_type.bind_processor(connection.dialect)

    def stamp(value: datetime) -> Any:
        return value if processor is None else processor(value)

    return stamp
