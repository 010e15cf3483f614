"""The event store on SQLAlchemy 2 async; the same code runs on Postgres and SQLite.

Appends take the caller's session so that a command's events, its outbox rows and
anything else the command writes commit together or not at all: only the boundary
(unit of work, consumer) commits.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Table, Text, and_, bindparam, func, insert, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.db import outside_transactions
from chassis.dberrors import classify
from chassis.eventstore import pg_append, sqlite_append
from chassis.eventstore.group_commit import GroupCommit
from chassis.eventstore.schema import STREAM_VERSION_KEY, events, metadata, snapshots
from chassis.sqlutil import dialect_name, one_of, upsert_rows
from chassis.telemetry import trace_context
from contracts.catalog import decode
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.ids import derived_uuid
from contracts.topics import TOPIC_OF_PRODUCER


def command_event_id(command_id: UUID, number: int) -> UUID:
    """The id of a command's n-th event (from 1): the same command can only store it once."""
    return derived_uuid(command_id, str(number))


class ConcurrencyError(Exception):
    """Another writer appended to the stream since it was read; nothing was written."""

    def __init__(
        self, stream: StreamRef, expected: int, actual: int | None = None, *, identified: bool = True
    ) -> None:
        found = "a concurrent append" if actual is None else f"version {actual}"
        super().__init__(f"stream {stream} was expected at version {expected} but has {found}")
        self.stream = stream
        self.expected = expected
        self.actual = actual
        self.identified = identified  # False: the database did not say which stream; the first is named


@dataclass(frozen=True, slots=True)
class Append:
    """New events for one stream, to follow `expected_version`."""

    stream: StreamRef
    expected_version: int
    envelopes: Sequence[Envelope]
    # the trace of the command that made them, kept in their outbox rows' record headers
    trace: Mapping[str, str] = field(default_factory=trace_context)
    # other rows the command writes with these events (a vault record, an idempotency key):
    # stored all or none with them, on Postgres in the append's own statement
    rows: Sequence[Rows] = ()


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows for one table, inserted with an append (column name to value, the same columns each)."""

    table: Table
    values: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    envelope: Envelope  # upcast: carries the current schema_version
    event: Event


@dataclass(frozen=True, slots=True)
class Snapshot:
    stream: StreamRef
    version: int  # the stream version the state includes
    state: dict[str, Any]
    snapshot_version: int = 1  # the shape of `state` (Aggregate.snapshot_version when taken)


# Built once: a statement object keeps its compiled form's cache key, a new one per load does not.
_LOAD = (
    select(events)
    .where(
        events.c.stream_type == bindparam("stream_type"),
        events.c.stream_id == bindparam("stream_id"),
        events.c.stream_version > bindparam("after_version"),
    )
    .order_by(events.c.stream_version)
)


def topic_of_producer(envelope: Envelope) -> str:
    return str(TOPIC_OF_PRODUCER[envelope.producer])


class EventStore:
    def __init__(self, topic_of: Callable[[Envelope], str] = topic_of_producer) -> None:
        self._topic_of = topic_of
        self._groups: weakref.WeakKeyDictionary[AsyncEngine, GroupCommit] = weakref.WeakKeyDictionary()
        # Metrics, set by the composition root.
        self.on_appended: Callable[[int], None] | None = None
        self.on_conflict: Callable[[str], None] | None = None

    def appended(self, count: int) -> None:
        """A unit of work stored `count` events through this store (HTTP commands and policies alike)."""
        if self.on_appended is not None and count:
            self.on_appended(count)

    def conflicted(self, stream_type: str) -> None:
        """A unit of work's append met another writer's events on a stream of `stream_type`:
        it wrote nothing, and its command runs again or is refused as a conflict."""
        if self.on_conflict is not None:
            self.on_conflict(stream_type)

    async def current_version(self, session: AsyncSession, stream: StreamRef) -> int:
        found = await session.scalar(
            select(func.max(events.c.stream_version)).where(
                events.c.stream_type == stream.type, events.c.stream_id == stream.id
            )
        )
        return int(found or 0)

    async def append(
        self,
        session: AsyncSession,
        stream: StreamRef,
        expected_version: int,
        envelopes: Sequence[Envelope],
    ) -> list[int]:
        """Append after `expected_version`; returns the store positions given."""
        return await self.append_many(session, [Append(stream, expected_version, envelopes)])

    async def append_alone(
        self, engine: AsyncEngine, stream: StreamRef, expected_version: int, envelopes: Sequence[Envelope]
    ) -> list[int]:
        """Append in a transaction of its own (see commit_appends)."""
        return await self.commit_appends(engine, [Append(stream, expected_version, envelopes)])

    async def commit_appends(self, engine: AsyncEngine, appends: Sequence[Append]) -> list[int]:
        """Append in a transaction of its own, all or none. On Postgres that is one statement
        with no BEGIN/COMMIT around it, shared (group commit) with whatever other task of this
        process appends at the same moment; elsewhere a short transaction of its own."""
        if engine.dialect.name != "postgresql":
            async with AsyncSession(bind=engine) as session, session.begin():
                return await self.append_many(session, appends)
        for append in appends:
            _check_sequence(append.stream, append.expected_version, append.envelopes)
        group = self._groups.get(engine)
        if group is None:
            reads = outside_transactions(engine)

            async def write(together: Sequence[Append]) -> list[int]:
                async with AsyncSession(bind=reads) as session:
                    return await self.append_many(session, together)

            group = self._groups[engine] = GroupCommit(write, blame=_blame)
        return await group.append(appends)

    async def append_many(self, session: AsyncSession, appends: Sequence[Append]) -> list[int]:
        """Append to several streams at once, each after its expected version; all or none.

        Postgres: one statement for any number of streams (events, version check and
        outbox rows together, see pg_append). SQLite: a version check, the events, the
        outbox rows. Either way a conflict raises ConcurrencyError and the caller's
        transaction is left to roll back whole.
        """
        appends = [append for append in appends if append.envelopes]
        if not appends:
            return []
        for append in appends:
            _check_sequence(append.stream, append.expected_version, append.envelopes)
        try:
            if dialect_name(session) == "postgresql":
                return await self._append_postgres(session, appends)
            return await self._append_portable(session, appends)
        except IntegrityError as error:
            conflict = _conflict(error, appends)
            if conflict is None:
                raise
            raise conflict from error

    async def _append_postgres(self, session: AsyncSession, appends: Sequence[Append]) -> list[int]:
        also = [(rows.table, rows.values) for append in appends for rows in append.rows]
        return await pg_append.append(session, self._input_rows(appends), also)

    async def _append_portable(self, session: AsyncSession, appends: Sequence[Append]) -> list[int]:
        versions = await self._current_versions(session, [append.stream for append in appends])
        for append in appends:
            actual = versions.get((append.stream.type, append.stream.id), 0)
            if actual != append.expected_version:
                raise ConcurrencyError(append.stream, append.expected_version, actual)
        positions = await sqlite_append.append(session, self._input_rows(appends))
        await insert_rows(session, [rows for append in appends for rows in append.rows])
        return positions

    def _input_rows(self, appends: Sequence[Append]) -> list[tuple[Any, ...]]:
        """Every event of the appends as one row of pg_append.INPUT_COLUMNS, in append order."""
        envelopes = [envelope for append in appends for envelope in append.envelopes]
        return pg_append.input_rows(
            envelopes,
            [append.expected_version for append in appends for _ in append.envelopes],
            [self._topic_of(envelope) for envelope in envelopes],
            [append.trace for append in appends for _ in append.envelopes],
        )

    async def existing_streams(self, session: AsyncSession, stream_type: str, ids: Sequence[str]) -> set[str]:
        """The ids among `ids` whose stream of `stream_type` has an event (its version 1)."""
        if not ids:
            return set()
        result = await session.execute(
            select(events.c.stream_id).where(
                events.c.stream_type == stream_type,
                one_of(dialect_name(session), events.c.stream_id, sorted(set(ids))),
                events.c.stream_version == 1,
            )
        )
        return set(result.scalars().all())

    async def _current_versions(
        self, session: AsyncSession, streams: Sequence[StreamRef]
    ) -> dict[tuple[str, str], int]:
        if len(streams) == 1:
            return {(streams[0].type, streams[0].id): await self.current_version(session, streams[0])}
        ids_by_type: dict[str, list[str]] = {}
        for stream in streams:
            ids_by_type.setdefault(stream.type, []).append(stream.id)
        # By type, then ids: SQLite searches the (type, id, version) key for `type = ? AND id IN
        # (...)`, where for a row-value `(type, id) IN (VALUES ...)` it scanned the whole key, 50
        # ms per append at 289,000 events and growing with the store.
        dialect = dialect_name(session)
        result = await session.execute(
            select(events.c.stream_type, events.c.stream_id, func.max(events.c.stream_version))
            .where(
                or_(
                    *(
                        and_(events.c.stream_type == kind, one_of(dialect, events.c.stream_id, ids))
                        for kind, ids in ids_by_type.items()
                    )
                )
            )
            .group_by(events.c.stream_type, events.c.stream_id)
        )
        return {(kind, key): int(version) for kind, key, version in result.all()}

    async def load(
        self, session: AsyncSession, stream: StreamRef, *, after_version: int = 0
    ) -> list[StoredEvent]:
        result = await session.execute(
            _LOAD, {"stream_type": stream.type, "stream_id": stream.id, "after_version": after_version}
        )
        return [stored_event(row._mapping) for row in result]

    async def load_many(
        self, session: AsyncSession, stream_type: str, after_versions: Mapping[str, int]
    ) -> dict[str, list[StoredEvent]]:
        """Several streams of one type at once (stream id → the events after its version), in
        one statement: a batch policy loads every aggregate its batch touches together."""
        if not after_versions:
            return {}
        ids = sorted(after_versions)
        if dialect_name(session) == "postgresql":
            wanted = (
                func.unnest(
                    bindparam("ids", ids, type_=ARRAY(Text)),
                    bindparam("after", [after_versions[key] for key in ids], type_=ARRAY(Integer)),
                )
                .table_valued("stream_id", "after_version")
                .render_derived(name="wanted")
            )
            statement = select(events).join(
                wanted,
                and_(
                    events.c.stream_id == wanted.c.stream_id,
                    events.c.stream_version > wanted.c.after_version,
                ),
            )
        else:
            # Not the events every snapshot covers (read and decoded only to be dropped below):
            # those up to the lowest snapshot taken of these streams.
            statement = select(events).where(
                events.c.stream_id.in_(ids), events.c.stream_version > min(after_versions.values())
            )
        result = await session.execute(
            statement.where(events.c.stream_type == stream_type).order_by(
                events.c.stream_id, events.c.stream_version
            )
        )
        loaded: dict[str, list[StoredEvent]] = {}
        for row in result:
            mapping = row._mapping
            if mapping["stream_version"] > after_versions[mapping["stream_id"]]:
                loaded.setdefault(mapping["stream_id"], []).append(stored_event(mapping))
        return loaded

    async def load_snapshots(
        self, session: AsyncSession, stream_type: str, ids: Sequence[str]
    ) -> dict[str, Snapshot]:
        """The snapshots of several streams of one type (stream id → its snapshot), in one statement."""
        if not ids:
            return {}
        result = await session.execute(
            select(
                snapshots.c.stream_id,
                snapshots.c.stream_version,
                snapshots.c.snapshot_version,
                snapshots.c.state,
            ).where(
                snapshots.c.stream_type == stream_type,
                one_of(dialect_name(session), snapshots.c.stream_id, sorted(set(ids))),
            )
        )
        return {
            row.stream_id: Snapshot(
                stream=StreamRef(type=stream_type, id=row.stream_id),
                version=int(row.stream_version),
                state=dict(row.state),
                snapshot_version=int(row.snapshot_version),
            )
            for row in result
        }

    async def first_events(self, session: AsyncSession, stream_type: str) -> list[StoredEvent]:
        """The first event of every stream of one type, by stream id: a catalogue of what exists."""
        result = await session.execute(
            select(events)
            .where(events.c.stream_type == stream_type, events.c.stream_version == 1)
            .order_by(events.c.stream_id)
        )
        return [stored_event(row._mapping) for row in result]

    async def read_all(
        self, session: AsyncSession, *, after_position: int = 0, limit: int = 1000
    ) -> list[StoredEvent]:
        result = await session.execute(
            select(events).where(events.c.position > after_position).order_by(events.c.position).limit(limit)
        )
        return [stored_event(row._mapping) for row in result]

    async def save_snapshot(self, session: AsyncSession, snapshot: Snapshot) -> None:
        await self.save_snapshots(session, [snapshot])

    async def save_snapshots(self, session: AsyncSession, taken: Sequence[Snapshot]) -> None:
        """Snapshots of several streams in one statement (a batch that takes one per entry of a
        contest would otherwise send one statement per stream)."""
        if not taken:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "stream_type": snapshot.stream.type,
                "stream_id": snapshot.stream.id,
                "stream_version": snapshot.version,
                "snapshot_version": snapshot.snapshot_version,
                "state": snapshot.state,
                "taken_at": now,
            }
            for snapshot in taken
        ]
        await session.execute(
            upsert_rows(session, snapshots, list(rows[0]), keys=("stream_type", "stream_id")), rows
        )

    async def load_snapshot(self, session: AsyncSession, stream: StreamRef) -> Snapshot | None:
        row = (
            await session.execute(
                select(snapshots.c.stream_version, snapshots.c.snapshot_version, snapshots.c.state).where(
                    snapshots.c.stream_type == stream.type, snapshots.c.stream_id == stream.id
                )
            )
        ).first()
        if row is None:
            return None
        return Snapshot(
            stream=stream,
            version=int(row.stream_version),
            state=dict(row.state),
            snapshot_version=int(row.snapshot_version),
        )

    @staticmethod
    def outbox_row(
        position: int, envelope: Envelope, topic: str, trace: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The Kafka record, serialised once here so the relay only moves bytes."""
        return {
            "position": position,
            "topic": topic,
            "partition_key": envelope.key,
            "headers": pg_append.record_headers(envelope, trace=trace),
            "body": envelope.to_bytes(),
        }


def envelope_of_row(row: Any) -> Envelope:
    """The envelope exactly as stored (no upcasting): what the relay publishes."""
    occurred_at = row["occurred_at"]
    if occurred_at.tzinfo is None:  # SQLite hands back naive datetimes
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return Envelope(
        event_id=UUID(row["event_id"]),
        event_type=row["event_type"],
        schema_version=row["schema_version"],
        occurred_at=occurred_at,
        producer=row["producer"],
        stream=StreamRef(type=row["stream_type"], id=row["stream_id"]),
        stream_version=row["stream_version"],
        tenant=row["tenant"],
        correlation_id=UUID(row["correlation_id"]),
        causation_id=None if row["causation_id"] is None else UUID(row["causation_id"]),
        key=row["partition_key"],
        payload=row["payload"],
    )


def stored_event(row: Any) -> StoredEvent:
    as_stored = envelope_of_row(row)
    event = decode(as_stored)
    if as_stored.schema_version == event.schema_version:  # stored as the current model dumped it
        return StoredEvent(position=int(row["position"]), envelope=as_stored, event=event)
    current = as_stored.model_copy(
        update={"schema_version": event.schema_version, "payload": event.model_dump(mode="json")}
    )
    return StoredEvent(position=int(row["position"]), envelope=current, event=event)


async def insert_rows(session: AsyncSession, rows: Sequence[Rows]) -> None:
    """The rows, one INSERT per table and columns (the portable path, or rows with no events to
    go with), grouped as the Postgres append groups them."""
    grouped = pg_append.by_shape((each.table, each.values) for each in rows)
    for (table, _), values in grouped.items():
        await session.execute(insert(table), [dict(row) for row in values])


def _conflict(error: IntegrityError, appends: Sequence[Append]) -> ConcurrencyError | None:
    """The one place that reads a failed append. Classified by constraint (chassis.dberrors):
    the unique (stream, version) key, or Postgres's NOT NULL on stream_version for a writer
    ahead of its stream (see pg_append), is a concurrency conflict. The stream is the one the
    key's detail names, where the database names one."""
    violation = classify(error, [metadata])
    racing = (violation.kind, violation.constraint) == ("unique", STREAM_VERSION_KEY)
    ahead = (violation.kind, violation.column) == ("not_null", "stream_version")
    if not (racing or ahead):
        return None
    detail = str(getattr(getattr(error.orig, "orig", None), "detail", None) or error.orig)  # "Key (…)=(…)"
    named = next((a for a in appends if f"{a.stream.type}, {a.stream.id}, " in detail), None)
    collided = named or appends[0]
    return ConcurrencyError(collided.stream, collided.expected_version, identified=named is not None)


def _blame(error: Exception, queued: Sequence[Sequence[Append]]) -> int | None:
    """Which of the appends grouped into one statement caused its conflict, where that is certain."""
    if not isinstance(error, ConcurrencyError) or not error.identified:
        return None
    culprits = [
        index
        for index, appends in enumerate(queued)
        if any(a.stream == error.stream and a.expected_version == error.expected for a in appends)
    ]
    return culprits[0] if len(culprits) == 1 else None


def _check_sequence(stream: StreamRef, expected_version: int, envelopes: Sequence[Envelope]) -> None:
    for offset, envelope in enumerate(envelopes, start=1):
        if envelope.stream != stream or envelope.stream_version != expected_version + offset:
            raise ValueError(
                f"envelope {envelope.event_id} is {envelope.stream}@{envelope.stream_version}, "
                f"expected {stream}@{expected_version + offset}"
            )
