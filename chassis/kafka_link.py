"""The service's connection to Kafka, made when the broker answers, not only at start.

A service starts while the broker is down: its HTTP commands go on into the outbox (they need
only the database), `/ready` says 503 with `kafka: false`, and this keeps trying to connect
with a growing pause. Once the broker answers it starts the producer, checks the topics, starts
the consumers and lets the relay publish what waited in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker

from chassis.logging import get_logger

log = get_logger(__name__)

TopicsCheck = Callable[[], Awaitable[None]]


@dataclass
class KafkaLink:
    """Connects the producer, then the topics check, then the consumers; each step once."""

    producer: AIOKafkaProducer
    broker: KafkaBroker
    check_topics: TopicsCheck
    consumers: bool
    first_pause_seconds: float = 0.5
    max_pause_seconds: float = 5.0
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _done: list[str] = field(default_factory=list)

    async def connect(self) -> None:
        """One attempt at every step not done yet; raises what stopped it."""
        if "producer" not in self._done:
            await self.producer.start()
            self._done.append("producer")
        if "topics" not in self._done:
            await self.check_topics()
            self._done.append("topics")
        if self.consumers and "consumers" not in self._done:
            await self.broker.start()
            self._done.append("consumers")
        self.connected.set()

    async def keep_connecting(self, stop: asyncio.Event) -> None:
        """Retry `connect` until it succeeds or the service stops."""
        pause = self.first_pause_seconds
        while not stop.is_set() and not self.connected.is_set():
            try:
                await self.connect()
            except (KafkaError, OSError) as error:
                log.warning("kafka.unavailable_retrying", error=repr(error), retry_in_seconds=pause)
            except Exception:  # e.g. topics refused: say it, stay not ready, try again
                log.exception("kafka.connect_failed_retrying", retry_in_seconds=pause)
            else:
                log.info("kafka.connected")
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
            pause = min(pause * 2, self.max_pause_seconds)

    async def start(self, stop: asyncio.Event) -> asyncio.Task[None] | None:
        """Connect now if the broker answers; else go on connecting in the background (the task)."""
        try:
            await self.connect()
            return None
        except (KafkaError, OSError) as error:
            log.warning("kafka.unavailable_at_start", error=repr(error), hint="serving; connecting later")
            return asyncio.create_task(self.keep_connecting(stop))

    async def when_connected(self, stop: asyncio.Event) -> bool:
        """Wait until connected (True) or stopped first (False)."""
        waits = [asyncio.ensure_future(self.connected.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self.connected.is_set()
