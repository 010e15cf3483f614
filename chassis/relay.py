"""The relay: publishes what the outbox holds to Kafka, in store order, then forgets it.

Gap safety comes from the outbox rather than from a "position > N" cursor: a
transaction that took an earlier position but commits last leaves its outbox row
behind, and the next poll publishes it. Per-stream order holds because version n of
a stream is inserted (and so numbered) before version n+1 can be appended.
A crash after publishing and before the delete republishes the batch; consumers
absorb that with their inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chassis.db import WRITE, outside_transactions
from chassis.eventstore.pg_append import OUTBOX_CHANNEL
from chassis.kafka_batches import BatchProducer, send_in_batches
from chassis.logging import get_logger
from chassis.outbox_reads import OutboxRecord, forget, kafka_headers, read_outbox

log = get_logger(__name__)


class RecordSender(Protocol):
    """What the relay needs of a sender; one that is also a `BatchProducer` (aiokafka's AIOKafkaProducer)
    is handed whole record batches (chassis/kafka_batches.py)."""

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]: ...


@dataclass(frozen=True, slots=True)
class _Flight:
    """A batch handed to the producer: its positions and its pending acknowledgements."""

    positions: list[int]
    acks: asyncio.Future[list[Any]]


class Relay:
    """Publishes the outbox as a pipeline: batch n+1 is read and sent while batch n's acks
    are still on their way; a batch leaves the outbox only once all of it is acknowledged.

    Each read starts again from the lowest position still in the outbox (skipping only
    what is in flight), so a transaction that committed late is picked up before anything
    that was appended after it; sends are issued in store order, and the idempotent
    producer keeps that order per partition.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        sender: RecordSender,
        *,
        name: str,
        batch_size: int = 500,
        idle_poll_seconds: float = 0.05,
        depth: int = 3,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._name = name
        self._batch_size = batch_size
        self._idle_poll_seconds = idle_poll_seconds
        self._depth = max(1, depth)
        self._wake = asyncio.Event()
        self._flights: deque[_Flight] = deque()
        self._prefetch: asyncio.Future[Sequence[OutboxRecord]] | None = None  # the next batch, read ahead
        self._deleting: list[int] = []  # an acknowledged batch whose delete is under way
        # Each read and each delete is one statement: on Postgres they need no BEGIN/COMMIT.
        self._bare = outside_transactions(engine) if engine.dialect.name == "postgresql" else engine
        self.published = 0

    def wake(self) -> None:
        """Something was just committed in this process: publish now, not at the next poll."""
        self._wake.set()

    async def publish_batch(self) -> int:
        """One pipeline step: send the next batch while earlier ones await their acks, and while
        the database already reads the batch after it. Once `depth` batches are in flight, the
        oldest must be acknowledged first; its delete then runs beside the read and the sends,
        and is done before this returns. When nothing new is found, the oldest batch is settled on
        its own. Returns the rows sent."""
        acked: _Flight | None = None
        forgetting: asyncio.Future[None] | None = None
        if len(self._flights) >= self._depth:
            acked = self._flights.popleft()
            await self._acknowledged(acked)
            self._deleting = acked.positions  # still in every read's snapshot until deleted
            forgetting = asyncio.ensure_future(self._delete(acked))
        try:
            rows = await self._next_rows()
            if rows:
                # The read after a full batch starts now: the database works while this task sends.
                # (A batch that was not full emptied the outbox: the next read comes fresh.)
                if len(rows) >= self._batch_size:
                    self._prefetch = asyncio.ensure_future(
                        self._read([*self._unsent(), *(row[0] for row in rows)])
                    )
                try:
                    self._flights.append(await self._send(rows))
                except BaseException:
                    self._drop_prefetch()  # it skips these rows: they must be read again first
                    raise
            elif self._flights:
                await self._settle(self._flights.popleft())
        finally:
            if acked is not None and forgetting is not None:
                try:
                    await forgetting
                except BaseException:
                    self._drop_prefetch()  # it skipped rows that are still in the outbox
                    raise
                finally:
                    self._deleting = []
                self.published += len(acked.positions)  # deleted, so published, whatever else failed
        return len(rows)

    async def drain(self) -> int:
        """Publish until the outbox is empty and every batch is acknowledged (tests, shutdown)."""
        total = 0
        while (sent := await self.publish_batch()) or self._flights:
            total += sent
        return total

    async def _next_rows(self) -> Sequence[OutboxRecord]:
        """The batch read ahead, if it found any; else a fresh read (the one read ahead may have
        started before a commit it could not see)."""
        prefetched, self._prefetch = self._prefetch, None
        if prefetched is not None:
            rows = await prefetched
            if rows:
                return rows
        return await self._read(self._unsent())

    def _drop_prefetch(self) -> None:
        if self._prefetch is not None:
            self._prefetch.cancel()
            self._prefetch.add_done_callback(_retrieved)  # a failed read ahead is read again anyway
            self._prefetch = None

    def _unsent(self) -> list[int]:
        """Positions handed to the producer and not yet deleted: in flight, or being deleted.

        A read must skip them as they are when it is *started*: a read ahead may run only after
        the next step popped the oldest batch to await its acks (then the batch is in no list,
        yet still in the outbox), and would send it twice."""
        in_flight = [position for flight in self._flights for position in flight.positions]
        return [*in_flight, *self._deleting]

    async def _read(self, skipped: Sequence[int]) -> Sequence[OutboxRecord]:
        """The lowest rows not in `skipped`."""
        async with self._bare.connect() as connection:
            rows = await read_outbox(connection, skipped, self._batch_size)
            await connection.commit()
        return rows

    async def _delete(self, flight: _Flight) -> None:
        async with self._bare.begin() as connection:  # one statement: no BEGIN/COMMIT on Postgres
            await connection.execute(
                forget(self._engine.dialect.name, flight.positions), execution_options=WRITE
            )

    async def _send(self, rows: Sequence[OutboxRecord]) -> _Flight:
        # Sending only enqueues. It is awaited here and not in a task, so that batch n+1 is never
        # enqueued before all of batch n: store order.
        records = [(topic, key, value, kafka_headers(headers)) for _, topic, key, value, headers in rows]
        if isinstance(self._sender, BatchProducer):  # Kafka's producer: a record batch per partition
            deliveries = await send_in_batches(self._sender, records)
        else:  # any other sender (the tests' stand-ins for a broker): record by record
            send = self._sender.send
            deliveries = [
                await send(topic, value=value, key=key, headers=headers)
                for topic, key, value, headers in records
            ]
        return _Flight([row[0] for row in rows], asyncio.ensure_future(_all_acked(deliveries)))

    async def _acknowledged(self, flight: _Flight) -> None:
        # Awaiting every ack before the delete is what makes "deleted from the outbox"
        # imply "acknowledged by all replicas". A failed batch stops the pipeline: what
        # is in flight behind it is awaited too, and all of it is read again later.
        try:
            await flight.acks
        except BaseException:
            await self._abandon()
            raise

    async def _settle(self, flight: _Flight) -> None:
        await self._acknowledged(flight)
        await self._delete(flight)
        self.published += len(flight.positions)

    async def _abandon(self) -> None:
        self._drop_prefetch()
        flights, self._flights = list(self._flights), deque()
        await asyncio.gather(*(flight.acks for flight in flights), return_exceptions=True)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish continuously while this process holds the relay lease; when the lease is lost
        (its connection failed), stop publishing and queue for it again."""
        while not stop.is_set():
            try:
                async with relay_lease(self._engine, self._name, stop) as held:
                    if held is None:
                        return
                    log.info("relay.started", relay=self._name)
                    async with self._notified():
                        await self._publish_until(held)
                    log.info("relay.stopped", relay=self._name, published=self.published)
            except Exception:  # the database went away: never leave the service without a relay
                log.exception("relay.lease_failed", relay=self._name)
                await _sleep_unless(stop, LEASE_RETRY_SECONDS)

    async def _publish_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.publish_batch()
            except Exception:
                log.exception("relay.batch_failed", relay=self._name)
                sent = 0
                await _sleep_unless(stop, 1.0)
            if sent < self._batch_size and not self._flights:
                await self._idle(stop)
        self._drop_prefetch()
        with contextlib.suppress(Exception):
            while self._flights:  # leave nothing acknowledged but undeleted
                await self._settle(self._flights.popleft())

    @contextlib.asynccontextmanager
    async def _notified(self) -> AsyncIterator[None]:
        """On Postgres, LISTEN for appends committed by other processes (an API-only process
        NOTIFYs in its append), so a relay running apart publishes at once, not at its next poll."""
        if self._engine.dialect.name != "postgresql":
            yield
            return
        async with self._engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None

            def wake(*_: Any) -> None:
                self._wake.set()

            await raw.add_listener(OUTBOX_CHANNEL, wake)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    await raw.remove_listener(OUTBOX_CHANNEL, wake)

    async def _idle(self, stop: asyncio.Event) -> None:
        """Until a wake-up, the next poll, or the stop: whichever comes first."""
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, timeout=self._idle_poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        self._wake.clear()


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


async def _all_acked(deliveries: list[asyncio.Future[Any]]) -> list[Any]:
    # One by one rather than gather(): a partition's acks arrive in order, so most are
    # done by the time they are looked at, and no callback per delivery is scheduled.
    return [await delivery for delivery in deliveries]


LEASE_RETRY_SECONDS = 1.0  # how often a waiting replica asks for the lease
LEASE_CHECK_SECONDS = 2.0  # how often the holder checks that its lease connection still lives
# Server-side keepalives on the lease's session: a holder whose host vanished (no FIN, no RST)
# is noticed within about idle + interval * count seconds, and its advisory lock released.
# A SIGKILLed holder on a live host is noticed at once (the kernel closes its socket).
LEASE_KEEPALIVES = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "10000",
}


@contextlib.asynccontextmanager
async def relay_lease(
    engine: AsyncEngine, name: str, stop: asyncio.Event
) -> AsyncIterator[asyncio.Event | None]:
    """One publishing relay per database: replicas wait on a Postgres advisory lock.

    Yields an event that is set when the holder must stop publishing (the service stops, or the
    lease's connection failed, so another replica may hold the lock by now), or None when the
    service stopped before the lease was granted. SQLite is single-process by nature: there the
    lease is always granted.
    """
    if engine.dialect.name != "postgresql":
        yield stop
        return
    async with engine.connect() as connection:
        for setting, value in LEASE_KEEPALIVES.items():
            await connection.execute(text(f"SET {setting} = {value}"))
        await connection.commit()
        while not stop.is_set():
            if await _try_lock(connection, name):
                over = asyncio.Event()
                watch = asyncio.create_task(_watch_lease(connection, name, stop, over))
                try:
                    yield over
                finally:
                    over.set()
                    lost = await watch
                    if not lost:
                        await connection.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
                        await connection.commit()
                return
            await _sleep_unless(stop, LEASE_RETRY_SECONDS)
        yield None


async def _watch_lease(
    connection: AsyncConnection, name: str, stop: asyncio.Event, over: asyncio.Event
) -> bool:
    """Until `over`: end the lease when the service stops, or when the lease's session fails
    (returns True then: the lock went with the session)."""
    while not over.is_set():
        await _first_of(stop, over, timeout=LEASE_CHECK_SECONDS)
        if stop.is_set() or over.is_set():
            over.set()
            return False
        try:
            async with asyncio.timeout(LEASE_CHECK_SECONDS):
                await connection.scalar(text("SELECT 1"))
                await connection.commit()
        except Exception as error:
            log.warning("relay.lease_lost", relay=name, error=repr(error))
            over.set()
            return True
    return False


async def _try_lock(connection: AsyncConnection, name: str) -> bool:
    locked = await connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": name})
    await connection.commit()
    return bool(locked)


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
