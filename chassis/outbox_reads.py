"""The relay's statements on the outbox: read the lowest rows not in flight, as records ready to
send; forget a batch once it is acknowledged.

The relay is bound by its Python time per record, so on Postgres the read goes straight to
the driver (no SQLAlchemy compile per read, no result processing per row), returns only
what a send takes (the key already as bytes) and leaves the headers' JSON for a fast parser
(kafka_headers). SQLite takes the portable query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from pydantic_core import from_json
from sqlalchemy import Delete, Select, Text, delete, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from chassis.db import READ_ONLY
from chassis.eventstore.schema import outbox
from chassis.sqlutil import not_in, one_of

OutboxRecord = tuple[int, str, bytes, bytes, str]
"""position, topic, key, value, headers (their JSON object: see kafka_headers)."""

# Each member of the union asks the primary key's index for one range, in order: below what is in
# flight, above it, and its holes (see in_flight_ranges). The headers come as the JSON text they
# were stored as: splitting them in SQL (json_each_text) cost the database ten times the read.
_SHAPED = """
SELECT o.position, o.topic, convert_to(o.partition_key, 'UTF8'), o.body, CAST(o.headers AS text)
FROM ({rows}) AS o
ORDER BY o.position
"""
_FROM_START = _SHAPED.format(rows="SELECT * FROM outbox ORDER BY position LIMIT $1")
_AROUND = _SHAPED.format(
    rows="(SELECT * FROM outbox WHERE position < $1 ORDER BY position LIMIT $4) UNION ALL "
    "(SELECT * FROM outbox WHERE position > $2 ORDER BY position LIMIT $4) UNION ALL "
    "(SELECT * FROM outbox WHERE position = ANY($3::bigint[])) ORDER BY position LIMIT $4"
)
_NOT_LISTED = _SHAPED.format(
    rows="SELECT * FROM outbox WHERE position <> ALL($1::bigint[]) ORDER BY position LIMIT $2"
)


# The portable read's columns: the headers as the JSON text they were stored as, as on Postgres
# (SQLAlchemy's JSON type would parse them only for the read to spell them out again).
_RECORD = (
    outbox.c.position,
    outbox.c.topic,
    outbox.c.partition_key,
    outbox.c.body,
    type_coerce(outbox.c.headers, Text).label("headers"),
)


def kafka_headers(headers: str) -> list[tuple[str, bytes]]:
    """A record's headers, from the JSON object stored in its outbox row, as the producer takes them.
    (pydantic_core's parser: the standard library's took 4 us a row, a fifth of a record's send.)"""
    parsed: dict[str, str] = from_json(headers)
    return [(name, value.encode()) for name, value in parsed.items()]


def in_flight_ranges(skipped: Sequence[int]) -> tuple[int, int, list[int]] | None:
    """What is in flight (distinct positions: each is in one batch at most) as a range [low, high]
    less its holes (positions that were not in the outbox when their batch was read: a late
    commit, or a rolled-back append), or None when the range is sparse and the list itself is
    the shorter description.

    Rather than filter every row of the range through a NOT IN list (the index scan would fetch
    each in-flight row only to drop it, reading after reading), a read asks the index for three
    ranges: below `low`, the holes, and above `high`; a late commit still comes out in order.
    """
    low, high = min(skipped), max(skipped)
    if high - low + 1 == len(skipped):  # the usual case: one unbroken run of positions
        return low, high, []
    if high - low >= 4 * len(skipped):
        return None
    return low, high, sorted(set(range(low, high + 1)).difference(skipped))


async def read_outbox(connection: AsyncConnection, skipped: Sequence[int], limit: int) -> list[OutboxRecord]:
    """The lowest `limit` outbox rows whose position is not in `skipped`, in position order."""
    if connection.dialect.name == "postgresql":
        return await _read_postgres(connection, skipped, limit)
    # A read takes no write lock on SQLite, so it does not queue behind the delete.
    reader = await connection.execution_options(**READ_ONLY)
    rows = (await reader.execute(_portable_query(skipped, limit))).all()
    return [(row.position, row.topic, row.partition_key.encode(), row.body, row.headers) for row in rows]


async def _read_postgres(
    connection: AsyncConnection, skipped: Sequence[int], limit: int
) -> list[OutboxRecord]:
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if not skipped:
        found = await driver.fetch(_FROM_START, limit)
    elif (ranges := in_flight_ranges(skipped)) is None:
        found = await driver.fetch(_NOT_LISTED, list(skipped), limit)
    else:
        found = await driver.fetch(_AROUND, *ranges, limit)
    return cast(list[OutboxRecord], found)  # asyncpg's records index and unpack as these tuples do


def _portable_query(skipped: Sequence[int], limit: int) -> Select[Any]:
    position = outbox.c.position
    if not skipped:
        return select(*_RECORD).order_by(position).limit(limit)
    ranges = in_flight_ranges(skipped)
    if ranges is None:
        return select(*_RECORD).where(not_in("sqlite", position, skipped)).order_by(position).limit(limit)
    low, high, holes = ranges
    parts = [
        select(*_RECORD).where(position < low).order_by(position).limit(limit),
        select(*_RECORD).where(position > high).order_by(position).limit(limit),
    ]
    if holes:
        parts.append(select(*_RECORD).where(one_of("sqlite", position, holes)))
    # Each part as a subquery: SQLite allows no ORDER BY/LIMIT on a member of a UNION.
    rows = union_all(*(select(part.subquery()) for part in parts)).subquery()
    return select(rows).order_by(rows.c.position).limit(limit)


def forget(dialect: str, positions: Sequence[int]) -> Delete:
    """Delete a sent batch (`positions` ascending). A batch with a hole (a late commit that was not
    visible to its read) is deleted by its list: the range alone would take the late row with it."""
    position = outbox.c.position
    low, high = positions[0], positions[-1]
    if high - low + 1 == len(positions):  # one unbroken run: the range is the batch, exactly
        return delete(outbox).where(position.between(low, high))
    return delete(outbox).where(position.between(low, high), one_of(dialect, position, positions))
