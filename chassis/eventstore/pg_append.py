"""The Postgres append: events, their version check and their outbox rows in ONE statement.

Rows travel as one array of `event_append_row` (`unnest`; the type is migration
chassis_0005), so one prepared statement serves a one-event command and a 100,000-event
import alike. Optimistic concurrency stays per
stream without a SELECT beforehand:

- a stale writer (the stream is past its expected version) collides with the unique
  (stream_type, stream_id, stream_version) constraint on its first new version;
- a writer ahead of the stream (its expected version does not exist) gets NULL as
  the version of its first row (the CASE below), which the NOT NULL constraint refuses.
  The expected version is looked up by the (stream, version) key, once per append (its
  first row), as a LATERAL with LIMIT 1: an EXISTS there was planned as a hash over a
  sequential scan of the whole events table, for every append (2.8 ms at 11,000 events,
  growing with the store).

Either way the statement fails as a whole (nothing of it is written) and the caller
raises ConcurrencyError. Positions are drawn from the events' sequence once per input
row, in input order (a CTE with a volatile function is materialised once), so a stream's
version n+1 always follows n; the events and their outbox rows are both inserted from
those numbered rows, with no join of the inserted rows back to the input.

Rows the command writes besides its events (a vault record, an idempotency key) go into
the same statement as one more data-modifying CTE per table, typed by the table itself
(`json_populate_recordset`): no BEGIN, no COMMIT and no round trip of their own, and they
fail or succeed with the events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

from pydantic_core import to_json
from sqlalchemy import Table, TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.db import WRITE
from contracts.envelope import Envelope

INPUT_COLUMNS = (
    "event_id",
    "stream_type",
    "stream_id",
    "stream_version",
    "expected",
    "event_type",
    "schema_version",
    "occurred_at",
    "producer",
    "tenant",
    "correlation_id",
    "causation_id",
    "partition_key",
    "topic",
    "payload",
    "headers",
    "body",
)
"""The attributes of the type `event_append_row` (migration chassis_0005), in its order."""

OUTBOX_CHANNEL = "craftsman_outbox"
"""Postgres NOTIFY channel: an append tells a relay in another process at its commit."""

_EVENT_COLUMNS = (
    "event_type, schema_version, occurred_at, producer, tenant, correlation_id, causation_id, "
    "partition_key, topic"
)

_HEAD = f"""
WITH input AS (
    SELECT nextval('events_position_seq') AS position, *
    FROM unnest(CAST(:rows AS event_append_row[]))
    WITH ORDINALITY AS i({", ".join(INPUT_COLUMNS)}, n)
),
stored AS (
    INSERT INTO events (position, event_id, stream_type, stream_id, stream_version, {_EVENT_COLUMNS}, payload)
    SELECT position, event_id, stream_type, stream_id,
        CASE WHEN expected = 0 OR stream_version > expected + 1 OR previous.found THEN stream_version END,
        {_EVENT_COLUMNS}, CAST(payload AS jsonb)
    FROM input LEFT JOIN LATERAL (
        SELECT true AS found FROM events AS known
        WHERE input.expected > 0 AND input.stream_version = input.expected + 1
          AND known.stream_type = input.stream_type AND known.stream_id = input.stream_id
          AND known.stream_version = input.expected
        LIMIT 1
    ) AS previous ON true
    RETURNING 1
),
queued AS (
    INSERT INTO outbox (position, topic, partition_key, headers, body)
    SELECT position, topic, partition_key, CAST(headers AS json), body FROM input
),
notified AS (SELECT pg_notify('{OUTBOX_CHANNEL}', '') AS sent)"""
# The main query reads `stored` first (the subquery), so the events' insert, and with it a
# version conflict, comes before the outbox rows and any `also` rows; `notified` is read so
# that it runs at all.
_TAIL = (
    "\nSELECT position FROM input CROSS JOIN notified WHERE (SELECT count(*) FROM stored) > 0 ORDER BY n\n"
)

APPEND = text(_HEAD + _TAIL)

Also = tuple[Table, Sequence[Mapping[str, Any]]]
"""Rows of one table to insert with the events."""


@cache
def _statement(shapes: tuple[tuple[Table, tuple[str, ...]], ...]) -> TextClause:
    """The append with one more CTE per (table, columns): made once per shape, so that the
    driver's prepared statement is reused as for the plain append. Data-modifying CTEs run to
    completion whether or not the main query reads them, after the events' insert that the
    main query reads, so a version conflict is still the error the caller sees first."""
    if not shapes:
        return APPEND
    extra = []
    for number, (table, columns) in enumerate(shapes):
        name = f'"{table.name}"' if table.schema is None else f'"{table.schema}"."{table.name}"'
        listed = ", ".join(f'"{column}"' for column in columns)
        extra.append(
            f",\nalso_{number} AS (INSERT INTO {name} ({listed}) SELECT {listed} "
            f"FROM json_populate_recordset(NULL::{name}, CAST(:also_{number} AS json)))"
        )
    return text(_HEAD + "".join(extra) + _TAIL)


def _json_value(value: Any) -> Any:
    """A value as Postgres reads it from JSON into the column's own type."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()  # bytea's hex input format
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def by_shape(also: Iterable[Also]) -> dict[tuple[Table, tuple[str, ...]], list[Mapping[str, Any]]]:
    """The rows grouped by (table, columns), in the order each shape first comes: one insert
    per group, however many commands each gave a few rows (a batch of 500 workers' vault
    records is two inserts, not a thousand)."""
    grouped: dict[tuple[Table, tuple[str, ...]], list[Mapping[str, Any]]] = {}
    for table, rows in also:
        for row in rows:
            grouped.setdefault((table, tuple(row)), []).append(row)
    return grouped


def also_parameters(also: Sequence[Also]) -> tuple[tuple[tuple[Table, tuple[str, ...]], ...], dict[str, str]]:
    """The rows grouped by (table, columns), as one JSON array parameter per group."""
    grouped = by_shape(also)
    shapes = tuple(grouped)
    return shapes, {
        f"also_{number}": json.dumps(rows, default=_json_value, ensure_ascii=False)
        for number, rows in enumerate(grouped.values())
    }


def input_rows(
    envelopes: Sequence[Envelope],
    expected: Sequence[int],
    topics: Sequence[str],
    traces: Sequence[Mapping[str, str]] | None = None,
) -> list[tuple[Any, ...]]:
    """One tuple per envelope, in append order, its values in the order of INPUT_COLUMNS."""
    made = []
    for envelope, expected_version, topic, trace in zip(
        envelopes, expected, topics, traces or [{}] * len(envelopes), strict=True
    ):
        event_id, correlation_id = _spelled_ids(envelope)
        body = envelope.to_bytes()
        made.append(
            (
                event_id,
                envelope.stream.type,
                envelope.stream.id,
                envelope.stream_version,
                expected_version,
                envelope.event_type,
                envelope.schema_version,
                envelope.occurred_at,
                envelope.producer,
                envelope.tenant,
                correlation_id,
                None if envelope.causation_id is None else str(envelope.causation_id),
                envelope.key,
                topic,
                payload_text(body),
                to_json(record_headers(envelope, event_id, correlation_id, trace)).decode(),
                body,
            )
        )
    return made


def _spelled_ids(envelope: Envelope) -> tuple[str, str]:
    """The event and correlation ids as text, spelled by pydantic_core in one call: str(UUID) is
    Python code, and the two took a tenth of a bulk append's time."""
    spelled = to_json((envelope.event_id, envelope.correlation_id))  # b'["<36 chars>","<36 chars>"]'
    return spelled[2:38].decode(), spelled[41:77].decode()


_PAYLOAD_KEY = b'"payload":'


def payload_text(body: bytes) -> str:
    """The payload's JSON, cut out of the serialised envelope rather than serialised again.

    `payload` is the envelope's last field, so its value runs from the first `"payload":`
    key (every field before it is a scalar or the stream reference, and a quote inside a
    JSON string is escaped) to the envelope's closing brace.
    """
    start = body.index(_PAYLOAD_KEY) + len(_PAYLOAD_KEY)
    return body[start:-1].decode()


def record_headers(
    envelope: Envelope,
    event_id: str | None = None,
    correlation_id: str | None = None,
    trace: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The Kafka headers of an event's record (also stored in its outbox row); the ids may
    come already spelled out by a caller that needed them too. `trace`: the W3C trace context
    of the command that appended it (chassis/telemetry.py), so its consumers join that trace."""
    return {
        "event_type": envelope.event_type,
        "schema_version": str(envelope.schema_version),
        "event_id": event_id or str(envelope.event_id),
        "correlation_id": correlation_id or str(envelope.correlation_id),
        **(trace or {}),
    }


async def append(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], also: Sequence[Also] = ()
) -> list[int]:
    """The positions given to `rows` (input_rows), in append order (raises IntegrityError on a
    version conflict); `also`: other rows written by the same statement."""
    shapes, extra = also_parameters(also)
    values: dict[str, Any] = {"rows": rows, **extra}
    result = await session.execute(_statement(shapes), values, execution_options=WRITE)
    return [int(position) for position in result.scalars()]
