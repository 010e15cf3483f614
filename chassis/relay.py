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
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chassis.eventstore.schema import outbox
from chassis.logging import get_logger

log = get_logger(__name__)


class RecordSender(Protocol):
    """What the relay needs of a producer (aiokafka's AIOKafkaProducer fits)."""

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]: ...


class Relay:
    def __init__(
        self,
        engine: AsyncEngine,
        sender: RecordSender,
        *,
        name: str,
        batch_size: int = 500,
        idle_poll_seconds: float = 0.05,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._name = name
        self._batch_size = batch_size
        self._idle_poll_seconds = idle_poll_seconds
        self._wake = asyncio.Event()
        self.published = 0

    def wake(self) -> None:
        """Something was just committed in this process: publish now, not at the next poll."""
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish up to one batch; returns how many events went out."""
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(select(outbox).order_by(outbox.c.position).limit(self._batch_size))
            ).all()
            await connection.rollback()
        if not rows:
            return 0
        await self._send_all(rows)
        positions = [row.position for row in rows]
        async with self._engine.begin() as connection:
            await connection.execute(delete(outbox).where(outbox.c.position.in_(positions)))
        self.published += len(rows)
        return len(rows)

    async def _send_all(self, rows: Sequence[Any]) -> None:
        # send() only enqueues; awaiting every delivery future before the delete is
        # what makes "deleted from the outbox" imply "acknowledged by all replicas".
        deliveries = [
            await self._sender.send(
                row.topic,
                value=row.body,
                key=row.partition_key.encode(),
                headers=[(name, value.encode()) for name, value in row.headers.items()],
            )
            for row in rows
        ]
        await asyncio.gather(*deliveries)

    async def drain(self) -> int:
        """Publish until the outbox is empty (tests, demos, shutdown)."""
        total = 0
        while sent := await self.publish_batch():
            total += sent
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Publish continuously while this process holds the relay lease."""
        async with relay_lease(self._engine, self._name, stop) as leased:
            if not leased:
                return
            log.info("relay.started", relay=self._name)
            while not stop.is_set():
                try:
                    sent = await self.publish_batch()
                except Exception:
                    log.exception("relay.batch_failed", relay=self._name)
                    sent = 0
                    await _sleep_unless(stop, 1.0)
                if sent < self._batch_size:
                    await self._idle()
            log.info("relay.stopped", relay=self._name, published=self.published)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._idle_poll_seconds)
        self._wake.clear()


@contextlib.asynccontextmanager
async def relay_lease(engine: AsyncEngine, name: str, stop: asyncio.Event) -> AsyncIterator[bool]:
    """One publishing relay per database: replicas wait on a Postgres advisory lock.

    SQLite is single-process by nature, so there the lease is always granted.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as connection:
        while not stop.is_set():
            if await _try_lock(connection, name):
                try:
                    yield True
                finally:
                    await connection.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
                    await connection.commit()
                return
            await _sleep_unless(stop, 1.0)
        yield False


async def _try_lock(connection: AsyncConnection, name: str) -> bool:
    locked = await connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": name})
    await connection.commit()
    return bool(locked)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
