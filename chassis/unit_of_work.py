"""Unit of work: loads aggregates, and on commit appends every new event atomically.

Only the boundary commits. A command either stores all its events (with their outbox
rows) or none: the append and anything else written share one transaction. An HTTP
command owns its unit of work; a policy runs on the inbox consumer's session
(`session=`), so its events commit together with the inbox record of the causing event.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import replace
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy import event as orm_events
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from chassis.aggregate import Aggregate
from chassis.aggregate_cache import AggregateCache
from chassis.correlation import current_correlation
from chassis.db import outside_transactions, read_only
from chassis.dberrors import violates
from chassis.errors import AlreadyExists, NotFound
from chassis.eventstore.schema import EVENT_ID_KEY, metadata
from chassis.eventstore.store import (
    Append,
    ConcurrencyError,
    EventStore,
    Rows,
    Snapshot,
    StoredEvent,
    command_event_id,
    insert_rows,
)
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.ids import derived_uuid

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
AlsoWrite = Callable[[AsyncSession, list[Envelope]], Awaitable[None]]
RowsOf = Callable[[list[Envelope]], Sequence[Mapping[str, Any]]]


class DuplicateCommand(Exception):
    """A command with this id was applied before (its derived event ids exist)."""


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: EventStore,
        *,
        producer: str,
        snapshot_every: int = 50,
        session: AsyncSession | None = None,
        after_commit: Callable[[], None] | None = None,
        cache: AggregateCache | None = None,
    ) -> None:
        self._sessions = sessions
        self._cache = cache
        self._after_commit = after_commit
        self._borrowed = session
        self._store = store
        self._producer = producer
        self._snapshot_every = snapshot_every
        self._seen: dict[tuple[str, str], Aggregate] = {}
        self._staged: dict[tuple[str, str], list[Envelope]] = {}  # decided, not yet appended
        self._commands: list[UUID] = []  # the command ids of the staged decisions
        self._also: list[AlsoWrite] = []
        self._rows: list[tuple[Table, RowsOf]] = []
        self._must_be_new: dict[tuple[str, str], str] = {}  # stream → the caller's words if it exists
        self.session: AsyncSession | None = None
        self._lean = False  # reads outside the write's transaction, writes at commit
        self._reading: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Self:
        # Each entry starts clean: a retried command reloads what it decides on.
        self._seen, self._must_be_new, self._staged, self._commands = {}, {}, {}, []
        engine = self._sessions.kw.get("bind")
        if self._borrowed is not None:
            self.session = self._borrowed
        elif isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
            # Reads need no transaction of their own: the expected-version append catches
            # whatever changed since. A command whose only write is its append then takes
            # no BEGIN and no COMMIT: the append statement is atomic by itself.
            self._reading = reading_slots(engine)
            await self._reading.acquire()
            self.session = AsyncSession(bind=outside_transactions(engine), expire_on_commit=False)
            self._lean = True
        elif isinstance(engine, AsyncEngine):
            # SQLite has one writer at a time: read from a snapshot (a deferred BEGIN, no lock)
            # and take the write lock only at commit, for the append, whose expected versions
            # catch whatever changed since, as on Postgres. Commands had held the lock through
            # their loads and decisions (22 ms each in the contests' competitions service, 80%
            # of the phase's time under its lock).
            self.session = AsyncSession(bind=read_only(engine), expire_on_commit=False)
            self._lean = True
        else:
            self.session = self._sessions()
            await self.session.begin()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.session is not None
        if self._borrowed is None:
            if self.session.in_transaction():
                await self.session.rollback()
            await self.session.close()
        self._done_reading()
        self._give_back()
        self.session = None

    def _give_back(self) -> None:
        """Keep in the cache what is exactly as stored: loaded and left unchanged, or committed
        (on a borrowed session, once the caller's transaction commits: until then the database
        may yet roll it back). What was recorded and not committed is dropped."""
        if self._cache is None or not self._seen:
            return
        stored = [
            aggregate
            for key, aggregate in self._seen.items()
            if key not in self._staged and not aggregate.pending
        ]
        self._seen = {}
        if not stored:
            return
        if self._borrowed is None:
            self._cache.keep(stored)
            return
        cache = self._cache
        orm_events.listen(
            self._borrowed.sync_session, "after_commit", lambda _: cache.keep(stored), once=True
        )

    def _done_reading(self) -> None:
        if self._reading is not None:
            self._reading.release()
            self._reading = None

    @property
    def active(self) -> AsyncSession:
        if self.session is None:
            raise RuntimeError("the unit of work is not entered")
        return self.session

    async def get(self, kind: type[A], aggregate_id: str) -> A | None:
        stream = kind(aggregate_id).stream
        aggregate = self._kept(kind, [aggregate_id]).get(aggregate_id)
        if aggregate is None:
            snapshot = await self._store.load_snapshot(self.active, stream) if kind.snapshots() else None
            aggregate = _restored(kind, aggregate_id, snapshot)
        history = await self._store.load(self.active, stream, after_version=aggregate.version)
        return self._folded(aggregate, history, restored=aggregate.version > 0)

    async def load_many(self, kind: type[A], aggregate_ids: Iterable[str]) -> dict[str, A]:
        """Every one of these aggregates that exists (by id), tracked, in two statements (their
        snapshots, then every stream's later events) instead of two per aggregate: for a batch
        policy, which then decides event by event on them and records each decision (`decided`)."""
        ids = sorted(set(aggregate_ids))
        kept = self._kept(kind, ids)
        cold = [key for key in ids if key not in kept]
        taken = (
            await self._store.load_snapshots(self.active, kind.stream_type, cold)
            if kind.snapshots() and cold
            else {}
        )
        restored = {key: kept[key] if key in kept else _restored(kind, key, taken.get(key)) for key in ids}
        histories = await self._store.load_many(
            self.active, kind.stream_type, {key: aggregate.version for key, aggregate in restored.items()}
        )
        found = {
            key: self._folded(aggregate, histories.get(key, []), restored=aggregate.version > 0)
            for key, aggregate in restored.items()
        }
        return {key: aggregate for key, aggregate in found.items() if aggregate is not None}

    def _kept(self, kind: type[A], aggregate_ids: Sequence[str]) -> dict[str, A]:
        """The cache's copies, not yet tracked elsewhere in this unit of work (a second load of
        one stream in a unit of work reads the store, as it always did)."""
        if self._cache is None:
            return {}
        wanted = [key for key in aggregate_ids if (kind.stream_type, key) not in self._seen]
        return self._cache.take(kind, wanted)

    def _folded(self, aggregate: A, history: Sequence[StoredEvent], *, restored: bool) -> A | None:
        if not restored and not history:
            return None
        for stored in history:
            aggregate.tenant = stored.envelope.tenant
            aggregate.apply(stored.event)
            aggregate.version = stored.envelope.stream_version
        self.track(aggregate)
        return aggregate

    async def first_events(self, kind: type[Aggregate]) -> list[Event]:
        """The first event of every stream of `kind`, by id: e.g. every programme as it opened."""
        return [stored.event for stored in await self._store.first_events(self.active, kind.stream_type)]

    async def require(self, kind: type[A], aggregate_id: str, missing: str) -> A:
        """The aggregate, or NotFound with the caller's words."""
        found = await self.get(kind, aggregate_id)
        if found is None:
            raise NotFound(missing)
        return found

    async def ensure_new(self, kind: type[Aggregate], aggregate_id: str, exists: str) -> None:
        """AlreadyExists (with the caller's words) when the stream has events already.

        Checked by the append itself, not by a query now: a new aggregate appends at
        expected version 0, which the store refuses for a stream that has events.
        """
        self._must_be_new[(kind.stream_type, aggregate_id)] = exists

    async def existing(self, kind: type[Aggregate], aggregate_ids: Sequence[str]) -> set[str]:
        """Which of these aggregates have events already (one query: for batch decisions)."""
        return await self._store.existing_streams(self.active, kind.stream_type, aggregate_ids)

    def also_write(self, write: AlsoWrite) -> None:
        """Write something more in the commit's transaction, given the events it stores (the
        HTTP boundary's idempotency record): it commits with the events or not at all."""
        self._also.append(write)

    def also_insert(self, table: Table, rows_of: RowsOf) -> None:
        """Insert rows with the commit's events (`rows_of` makes them from the events stored):
        all or none with them, like `also_write`, but on Postgres inside the append's own
        statement, so a command that writes a vault record or an idempotency key still takes
        one round trip to store, not BEGIN, an INSERT per row and COMMIT."""
        self._rows.append((table, rows_of))

    def track(self, aggregate: Aggregate) -> None:
        self._seen[(aggregate.stream_type, aggregate.id)] = aggregate

    async def commit(
        self,
        *,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
        command_id: UUID | None = None,
    ) -> list[Envelope]:
        """Append every tracked aggregate's new events, then commit.

        With a command_id, event ids derive from it, so the same command run twice
        (a redelivered policy trigger, a retried HTTP call) hits the unique event id
        and is reported as DuplicateCommand instead of acting twice.
        """
        session = self.active
        self.decided(correlation_id=correlation_id, causation_id=causation_id, command_id=command_id)
        changed = [self._seen[key] for key in self._staged]
        appends = [
            Append(aggregate.stream, aggregate.version, self._staged[key])
            for key, aggregate in zip(self._staged, changed, strict=True)
        ]
        snapshots = [
            snapshot
            for aggregate, append in zip(changed, appends, strict=True)
            if (snapshot := self._due_snapshot(aggregate, len(append.envelopes))) is not None
        ]
        rows = self._rows_of([envelope for append in appends for envelope in append.envelopes])
        if appends and rows:
            appends[0] = replace(appends[0], rows=rows)  # written by the same statement
        alone = rows if not appends else []  # no events to carry them
        try:
            if self._lean:
                # The reads are done: give their connection back before waiting for the
                # write's (with many commands in flight, holding it starves the pool).
                await session.close()
                self._done_reading()
            if self._lean and not snapshots and not self._also and not alone:
                await self._store.commit_appends(self._engine(), appends)  # one statement, no BEGIN
            elif self._lean:
                async with self._sessions() as writing, writing.begin():
                    await self._write(writing, appends, snapshots, alone)
            else:
                # On a borrowed session a savepoint keeps a duplicate command from dooming
                # the caller's whole transaction.
                scope = session.begin_nested() if self._borrowed is not None else contextlib.nullcontext()
                async with scope:
                    await self._write(session, appends, snapshots, alone)
                if self._borrowed is None:
                    await session.commit()
            for aggregate, append in zip(changed, appends, strict=True):
                aggregate.version += len(append.envelopes)
            self._staged, self._commands = {}, []
            # The events-appended metric; on a borrowed session they commit with the caller's batch.
            self._store.appended(sum(len(append.envelopes) for append in appends))
            if self._borrowed is None and self._after_commit is not None:
                self._after_commit()
        except IntegrityError as error:
            if self._commands and violates(error, EVENT_ID_KEY, [metadata]):
                # one of the decisions ran before; a batch cannot tell which (see `decided`)
                raise DuplicateCommand(", ".join(map(str, self._commands))) from error
            raise
        except ConcurrencyError as error:
            exists = self._must_be_new.get((error.stream.type, error.stream.id))
            if exists is not None and error.expected == 0:
                raise AlreadyExists(exists) from error
            self._store.conflicted(error.stream.type)
            raise
        return [envelope for append in appends for envelope in append.envelopes]

    def decided(
        self,
        *changed: Aggregate,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
        command_id: UUID | None = None,
    ) -> None:
        """Seal the events recorded since the last decision as one command's: they get its
        envelopes (ids from `command_id`, its correlation and causation) and wait for `commit`,
        which appends every decision at once. A batch policy calls this once per causing event,
        so its events are exactly those the same event would have stored alone. `changed`: the
        tracked aggregates the decision recorded on, in tracking order (default: all of them;
        naming them spares a batch of thousands a scan of every aggregate per decision)."""
        correlation_id = correlation_id or current_correlation.get()
        recorded = [aggregate for aggregate in changed or self._seen.values() if aggregate.pending]
        if command_id is not None and recorded:
            self._commands.append(command_id)
        number = 0  # the command's n-th event, across aggregates
        for aggregate in recorded:
            key = (aggregate.stream_type, aggregate.id)
            if self._seen.get(key) is not aggregate:
                raise ValueError(f"{aggregate.stream} is not tracked by this unit of work")
            staged = self._staged.setdefault(key, [])
            for event in aggregate.pending:
                number += 1
                envelope = Envelope.wrap(
                    event,
                    producer=self._producer,
                    stream=aggregate.stream,
                    stream_version=aggregate.version + len(staged) + 1,
                    tenant=aggregate.tenant,
                    correlation_id=correlation_id,
                    causation_id=causation_id,
                    event_id=None if command_id is None else command_event_id(command_id, number),
                )
                correlation_id = correlation_id or envelope.correlation_id  # one flow for all
                staged.append(envelope)
            aggregate.pending.clear()

    def _engine(self) -> AsyncEngine:
        engine = self._sessions.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        return engine

    def _rows_of(self, stored: list[Envelope]) -> list[Rows]:
        made = [Rows(table, rows_of(stored)) for table, rows_of in self._rows]
        return [rows for rows in made if rows.values]

    async def _write(
        self, session: AsyncSession, appends: list[Append], snapshots: list[Snapshot], rows: list[Rows]
    ) -> None:
        """Everything a commit writes, in the caller's transaction: all of it or none."""
        await self._store.append_many(session, appends)  # with the rows that go with its events
        await insert_rows(session, rows)
        await self._store.save_snapshots(session, snapshots)
        stored = [envelope for append in appends for envelope in append.envelopes]
        for write in self._also:
            await write(session, stored)

    def _due_snapshot(self, aggregate: Aggregate, added: int) -> Snapshot | None:
        """A snapshot of the state after this commit, when its version crosses a multiple of
        the stream's snapshot interval (the pending events are applied already: record()
        applies them)."""
        after = aggregate.version + added
        interval = snapshot_interval(after, self._snapshot_every)
        if after // interval == aggregate.version // interval:
            return None
        state = aggregate.snapshot_state()
        return None if state is None else Snapshot(aggregate.stream, after, state, aggregate.snapshot_version)


def snapshot_interval(version: int, every: int) -> int:
    """`every` events while a stream is short; about a sixteenth of its length once it is long.
    A stream whose state grows with it (a programme lists every grant) would otherwise pay a
    snapshot of its whole state every `every` events, quadratic over its life; this way its
    snapshots cost a few times its length in all, and a load that finds it in no cache folds
    at most a sixteenth of the stream after the snapshot."""
    return max(every, 1 << max(version.bit_length() - 5, 0))


def policy_command(causing: Envelope, policy: str) -> dict[str, UUID]:
    """The ids a policy's decision on `causing` commits with (`commit` or `decided`): the
    command id derives from the causing event, so a redelivered trigger cannot act twice."""
    return {
        "correlation_id": causing.correlation_id,
        "causation_id": causing.event_id,
        "command_id": derived_uuid(causing.event_id, policy),
    }


async def commit_decisions(uow: UnitOfWork, deliveries: Sized) -> None:
    """Commit a batch policy's decisions (`decided`). A decision taken before (its derived event
    ids are stored: an inbox lost or reset) is absorbed as the per-event path absorbs it when the
    batch is one event; in a larger batch it is not known which, so the error goes up and the
    inbox applies the batch one event at a time."""
    try:
        await uow.commit()
    except DuplicateCommand:
        if len(deliveries) > 1:
            raise


def _restored(kind: type[A], aggregate_id: str, snapshot: Snapshot | None) -> A:
    """The aggregate as its snapshot left it, or new (a snapshot of another shape is ignored:
    the events are the truth, fold them all)."""
    if snapshot is None or snapshot.snapshot_version != kind.snapshot_version:
        return kind(aggregate_id)
    return kind.from_snapshot(aggregate_id, snapshot.version, snapshot.state)


async def retrying_conflicts(decide: Callable[[], Awaitable[T]], *, attempts: int = 5) -> T:
    """Run a command again when a concurrent writer got to one of its streams first.

    Each run reloads what it decides on (a unit of work starts clean on entry), so the
    retry decides on the winner's facts: e.g. the last seat of a quota is found taken.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await decide()
        except ConcurrencyError:
            if attempt == attempts:
                raise
    raise ValueError("attempts must be at least 1")


_reading_slots: weakref.WeakKeyDictionary[AsyncEngine, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def reading_slots(engine: AsyncEngine) -> asyncio.Semaphore:
    """How many commands may read at once: fewer than the pool holds, so that the shared
    write (group commit) always finds a connection instead of queueing behind every read
    in flight (which, with hundreds of requests waiting, stalls them all)."""
    slots = _reading_slots.get(engine)
    if slots is None:
        size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 5
        slots = _reading_slots[engine] = asyncio.Semaphore(max(1, size - 1))
    return slots


class UnitOfWorkFactory(Protocol):
    """Makes a unit of work; on a given session for policies inside a consumer's transaction."""

    def __call__(self, session: AsyncSession | None = None) -> UnitOfWork: ...
