"""The inbox consumer: applies events to read models exactly once per consumer.

For a batch of records it applies every new event and records its id in the inbox
in ONE database transaction; the caller commits the Kafka offsets only after that.
A redelivered event finds its id in the inbox and changes nothing. A record that
cannot be decoded, or whose handler keeps failing, becomes a dead letter and the
batch goes on without it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.deadletter import DeadLetter, DeadLetterPublisher, KafkaRecord
from chassis.eventstore.schema import inbox
from chassis.logging import get_logger
from chassis.metrics import ConsumerMetrics
from chassis.provenance import RecordCheck, TypeHeader, topic_ownership, typed_by_header
from chassis.sqlutil import dialect_name, insert_ignoring_duplicates
from chassis.telemetry import consuming, consuming_together
from contracts.catalog import parse_record
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.events.base import Event

log = get_logger(__name__)

CLAIM_COLUMNS = ("event_id", "topic", "partition", "position")
"""The attributes of the type `inbox_claim_row` (migration chassis_0005), in its order."""

# Answers the ids that were there before (the few a redelivery brings), not the thousands a
# batch inserts; a twin inside the batch is inserted once and so answered by neither.
CLAIM = text(
    """
WITH claimed AS (SELECT * FROM unnest(CAST(:rows AS inbox_claim_row[]))),
inserted AS (
    INSERT INTO inbox (consumer, event_id, topic, partition, "offset", processed_at)
    SELECT :consumer, event_id, topic, partition, position, :now FROM claimed
    ON CONFLICT DO NOTHING
    RETURNING event_id
)
SELECT event_id FROM claimed EXCEPT SELECT event_id FROM inserted
"""
)

Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]

# Passes of a failing batch that isolate only the deliveries whose handler failed; after that,
# every delivery of the batch goes in a savepoint of its own.
ISOLATE_ALL_AFTER_PASSES = 3


class _HandlerFailed(Exception):
    """A handler failed outside a savepoint: the batch's transaction is lost; `indexes` are the
    deliveries that handler held (raised from the handler's error)."""

    def __init__(self, indexes: set[int]) -> None:
        super().__init__(f"handler failed for deliveries {sorted(indexes)}")
        self.indexes = indexes


class InfrastructureUnavailable(Exception):
    """The database (or another dependency) failed, not the event: retry the batch later."""


def is_transient(error: BaseException) -> bool:
    """Errors that say nothing about the event: an outage must not turn events into dead letters."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError)


@dataclass(frozen=True, slots=True)
class Delivery:
    record: KafkaRecord
    envelope: Envelope
    event: Event


# Applies all of a batch's fresh events of one type at once (set-based SQL: one statement
# per batch instead of one per event). For read models whose rows do not depend on the
# order of this type's events relative to other types in the same batch. One handler given
# for several types gets all of them together, in the batch's order: a policy that loads
# every aggregate a batch touches at once and decides event by event (chassis/unit_of_work.py).
BatchHandler = Callable[[AsyncSession, Sequence[Delivery]], Awaitable[None]]


@dataclass(slots=True)
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """A batch after decoding: the deliveries to apply; the outcome holds what was set aside
    (dead letters, records of types this consumer does not handle)."""

    records: tuple[KafkaRecord, ...]
    deliveries: list[Delivery]
    outcome: BatchOutcome


class InboxConsumer:
    def __init__(
        self,
        *,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[type[Event], Handler],
        dead_letters: DeadLetterPublisher,
        batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
        max_attempts: int = 3,
        max_event_bytes: int = 512 * 1024,
        retry_backoff_seconds: float = 0.05,
        after_commit: Callable[[BatchOutcome], Awaitable[None]] | None = None,
        record_check: RecordCheck | None = None,
        type_header: TypeHeader | None = None,
        metrics: ConsumerMetrics | None = None,
    ) -> None:
        self.name = name
        self.metrics = metrics
        self._sessions = sessions
        self._handlers = {event_type.event_type: handler for event_type, handler in handlers.items()}
        self._batch_handlers = {kind.event_type: handler for kind, handler in (batch_handlers or {}).items()}
        self._taken = frozenset(self._handlers) | frozenset(self._batch_handlers)  # every type applied
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._max_event_bytes = max_event_bytes
        self._retry_backoff_seconds = retry_backoff_seconds
        self._after_commit = after_commit
        # Who may have written a record (chassis/provenance.py); pluggable, apart from the parsing.
        self._record_check = record_check or topic_ownership()
        # Which records name their type in a header it can trust: one of a type no handler here
        # takes is passed over unread (most of what a consumer of a busy topic sees: the city's
        # marks, for every consumer of the contests' topic but the leaderboards).
        self._type_header = type_header or typed_by_header()

    @property
    def event_types(self) -> set[str]:
        return set(self._taken)

    def decode(self, records: Sequence[KafkaRecord]) -> DecodedBatch:
        """Decode each record once: the deliveries to apply, and what was set aside."""
        outcome = BatchOutcome()
        return DecodedBatch(tuple(records), self._decode(records, outcome), outcome)

    async def process(self, records: Sequence[KafkaRecord]) -> BatchOutcome:
        """Decode and apply a batch (FastStream decodes in its decoder hook, then calls `apply`)."""
        return await self.apply(self.decode(records))

    async def apply(self, batch: DecodedBatch) -> BatchOutcome:
        """Apply a decoded batch in one transaction; dead letters are sent before this returns."""
        began = time.perf_counter()
        outcome = await self._apply(batch)
        if self.metrics is not None:
            self.metrics.batch_applied(
                time.perf_counter() - began, outcome.duplicates, len(outcome.dead_letters)
            )
        if outcome.duplicates:
            log.info("inbox.duplicates_absorbed", consumer=self.name, duplicates=outcome.duplicates)
        return outcome

    async def _apply(self, batch: DecodedBatch) -> BatchOutcome:
        outcome, deliveries = batch.outcome, batch.deliveries
        if deliveries:
            await self._apply_isolating_failures(deliveries, outcome)
        if self._after_commit is not None:
            await self._after_commit(outcome)
        if outcome.dead_letters:
            try:
                await self._dead_letters.publish(outcome.dead_letters)
            except Exception as error:
                # Kafka did not take the letters: retry the batch (its applied events come
                # back as duplicates) rather than commit offsets past records parked nowhere.
                raise InfrastructureUnavailable(f"dead letters not sent: {error!r}") from error
        return outcome

    async def _apply_isolating_failures(self, deliveries: Sequence[Delivery], outcome: BatchOutcome) -> None:
        """The batch in ONE transaction, whatever fails. A handler that fails rolls the transaction
        back; the batch is applied again with the deliveries it held (a per-event handler's one
        event, a batch handler's whole group) each in a savepoint of its own, retried there, and a
        dead letter if it keeps failing: the rest of the batch applies, and savepoints cost round
        trips only where a handler failed. After a few such passes every delivery goes alone, so a
        batch of many poison events costs one more pass, not one per poison event."""
        suspects: set[int] = set()
        for passes in range(1, len(deliveries) + 2):
            this_pass = BatchOutcome()
            try:
                await self._apply_together(deliveries, this_pass, suspects)
            except _HandlerFailed as failed:
                error = failed.__cause__ or failed
                if is_transient(error):
                    raise InfrastructureUnavailable(repr(error)) from error
                log.warning("inbox.handler_failed_isolating", consumer=self.name, error=repr(error))
                fresh_suspects = failed.indexes - suspects
                if not fresh_suspects:  # cannot happen: a suspect's failure stays in its savepoint
                    raise InfrastructureUnavailable(repr(error)) from error
                suspects |= (
                    fresh_suspects if passes < ISOLATE_ALL_AFTER_PASSES else set(range(len(deliveries)))
                )
                continue
            except Exception as error:  # the claim or the commit: nothing names an event
                if is_transient(error) or len(suspects) == len(deliveries):
                    raise InfrastructureUnavailable(repr(error)) from error
                log.warning("inbox.batch_failed_isolating_all", consumer=self.name, error=repr(error))
                suspects = set(range(len(deliveries)))
                continue
            outcome.applied += this_pass.applied
            outcome.duplicates += this_pass.duplicates
            outcome.dead_letters.extend(this_pass.dead_letters)
            return
        raise InfrastructureUnavailable("the batch failed in every pass")  # retried later, never lost

    def _decode(self, records: Sequence[KafkaRecord], outcome: BatchOutcome) -> list[Delivery]:
        deliveries: list[Delivery] = []
        taken = self._taken
        for record in records:
            named = self._type_header(record)
            if named is not None and named not in taken:
                outcome.ignored += 1
                continue
            value = record.value or b""
            if len(value) > self._max_event_bytes:
                detail = f"{len(value)} bytes exceeds the limit of {self._max_event_bytes}"
                outcome.dead_letters.append(DeadLetter(record, "oversized", detail))
                continue
            try:
                envelope, event = parse_record(value)
            except ContractError as error:
                outcome.dead_letters.append(DeadLetter(record, error.reason, str(error)))
                continue
            if self._refused(record, envelope, event, outcome):
                continue
            if envelope.event_type not in taken:
                outcome.ignored += 1
                continue
            deliveries.append(Delivery(record, envelope, event))
        return deliveries

    def _refused(self, record: KafkaRecord, envelope: Envelope, event: Event, outcome: BatchOutcome) -> bool:
        refusal = self._record_check(record, envelope, event)
        if refusal is not None:
            outcome.dead_letters.append(DeadLetter(record, refusal.reason, refusal.detail))
        return refusal is not None

    async def _apply_together(
        self, deliveries: Sequence[Delivery], outcome: BatchOutcome, suspects: set[int]
    ) -> None:
        """Applies the batch in one transaction; a failure outside a suspect's savepoint is raised
        as `_HandlerFailed`, naming the deliveries the failing handler held."""
        async with self._sessions() as session, session.begin():
            event_ids = [str(delivery.envelope.event_id) for delivery in deliveries]  # once per event
            trusted = [index for index in range(len(deliveries)) if index not in suspects]
            fresh = (
                await self._claim(session, [deliveries[i] for i in trusted], [event_ids[i] for i in trusted])
                if trusted
                else set()
            )
            # By handler, not by type: a handler serving several types sees them in order.
            in_bulk: dict[BatchHandler, list[int]] = {}
            for index, delivery in enumerate(deliveries):
                if index in suspects:
                    await self._apply_alone(session, delivery, outcome)
                    continue
                event_id = event_ids[index]
                if event_id not in fresh:
                    outcome.duplicates += 1
                    continue
                fresh.discard(event_id)  # a twin later in the batch is a duplicate
                bulk = self._batch_handlers.get(delivery.envelope.event_type)
                if bulk is not None:
                    in_bulk.setdefault(bulk, []).append(index)
                else:
                    try:
                        await self._handle(session, delivery)
                    except Exception as error:
                        raise _HandlerFailed({index}) from error
                outcome.applied += 1
            for handler, indexes in in_bulk.items():
                together = [deliveries[index] for index in indexes]
                records = [delivery.record for delivery in together]
                event_type = "|".join(dict.fromkeys(delivery.envelope.event_type for delivery in together))
                try:
                    with consuming_together(records, consumer=self.name, event_type=event_type):
                        await handler(session, together)
                except Exception as error:
                    raise _HandlerFailed(set(indexes)) from error

    async def _apply_alone(self, session: AsyncSession, delivery: Delivery, outcome: BatchOutcome) -> None:
        """One delivery in a savepoint of the batch's transaction, retried there; a dead letter
        (and no inbox row: its claim rolls back with it) when every attempt failed."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with session.begin_nested():
                    if not await self._claim(session, [delivery]):
                        outcome.duplicates += 1
                        return
                    await self._handle(session, delivery)
                outcome.applied += 1
                return
            except Exception as error:
                if is_transient(error):
                    raise InfrastructureUnavailable(repr(error)) from error
                if attempt == self._max_attempts:
                    detail = f"{type(error).__name__}: {error} (after {attempt} attempts)"
                    outcome.dead_letters.append(DeadLetter(delivery.record, "handler_failed", detail))
                    return
                await asyncio.sleep(self._retry_backoff_seconds * attempt)

    async def _claim(
        self, session: AsyncSession, deliveries: Sequence[Delivery], ids: list[str] | None = None
    ) -> set[str]:
        """Record the event ids in the inbox; returns the ids (as text) that were not there before.

        One statement per batch: an array of rows through `unnest` on Postgres, a multi-row insert
        elsewhere.
        """
        now = datetime.now(UTC)
        ids = ids if ids is not None else [str(delivery.envelope.event_id) for delivery in deliveries]
        if dialect_name(session) == "postgresql":
            claimed = [
                (event_id, delivery.record.topic, delivery.record.partition, delivery.record.offset)
                for event_id, delivery in zip(ids, deliveries, strict=True)
            ]
            result = await session.execute(CLAIM, {"consumer": self.name, "now": now, "rows": claimed})
            return set(ids).difference(result.scalars().all())
        rows = [
            {
                "consumer": self.name,
                "event_id": event_id,
                "topic": delivery.record.topic,
                "partition": delivery.record.partition,
                "offset": delivery.record.offset,
                "processed_at": now,
            }
            for event_id, delivery in zip(ids, deliveries, strict=True)
        ]
        statement = insert_ignoring_duplicates(session, inbox).returning(inbox.c.event_id)
        result = await session.execute(statement, rows)
        return set(result.scalars().all())

    async def _handle(self, session: AsyncSession, delivery: Delivery) -> None:
        envelope = delivery.envelope
        if envelope.event_type in self._batch_handlers:
            await self._batch_handlers[envelope.event_type](session, [delivery])
            return
        event_id = str(envelope.event_id)
        with (
            structlog.contextvars.bound_contextvars(
                event_id=event_id, correlation_id=str(envelope.correlation_id)
            ),
            consuming(delivery.record, consumer=self.name, event_type=envelope.event_type, event_id=event_id),
        ):
            await self._handlers[envelope.event_type](session, envelope, delivery.event)
