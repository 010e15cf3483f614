"""Builders for the service tests: a service's database, its HTTP app without Kafka,
registry facts as envelopes, and Kafka records for the inbox consumer without a broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrate
from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore import EventStore
from chassis.inbox import Handler, InboxConsumer
from chassis.service import Runtime, ServiceSpec, install_error_handlers
from chassis.settings import ServiceSettings
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import WorkerRegistered
from contracts.topics import TOPIC_OF_PRODUCER
from contracts.vocabulary import SkillLevel


async def migrated(engine: AsyncEngine, spec: ServiceSpec) -> AsyncEngine:
    await migrate.upgrade(engine, spec.migrations)
    return engine


def unit_of_work(engine: AsyncEngine, spec: ServiceSpec) -> UnitOfWork:
    return UnitOfWork(session_factory(engine), EventStore(), producer=spec.name)


@asynccontextmanager
async def http_client(engine: AsyncEngine, spec: ServiceSpec) -> AsyncIterator[httpx.AsyncClient]:
    """The service's routes on a runtime with a real database and no Kafka (nothing relays)."""
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(spec.routes)
    app.state.runtime = Runtime(
        settings=ServiceSettings(service_name=spec.name),
        engine=engine,
        sessions=session_factory(engine),
        store=EventStore(),
        producer=None,  # type: ignore[arg-type]
        broker=None,  # type: ignore[arg-type]
        relay=None,  # type: ignore[arg-type]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def count_rows(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


def registered(worker_id: str, enterprise_id: str = "ent-1", full_name: str = "Wang Fang") -> Envelope:
    """The registry's WorkerRegistered, as another service receives it."""
    event = WorkerRegistered(
        worker_id=worker_id,
        enterprise_id=enterprise_id,
        full_name=full_name,
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
    )
    return Envelope.wrap(
        event,
        producer="registry",
        stream=StreamRef(type="Worker", id=worker_id),
        stream_version=1,
        tenant=enterprise_id,
    )


async def stored_envelope(engine: AsyncEngine, stream_type: str, stream_id: str) -> Envelope:
    """The one event of a stream, as the relay would publish it."""
    async with session_factory(engine)() as session:
        (stored,) = await EventStore().load(session, StreamRef(type=stream_type, id=stream_id))
    return stored.envelope


def event_of(envelope: Envelope, kind: type[Event]) -> Any:
    return kind.model_validate(envelope.payload)


@dataclass(frozen=True, slots=True)
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


def record_of(envelope: Envelope, offset: int = 0) -> FakeRecord:
    return FakeRecord(
        topic=TOPIC_OF_PRODUCER[envelope.producer],
        partition=0,
        offset=offset,
        key=envelope.key.encode(),
        value=envelope.to_bytes(),
    )


@dataclass
class FakeSender:
    """Stands in for the producer the dead-letter publisher sends with."""

    sent: list[tuple[str, bytes | None]] = field(default_factory=list)

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]:
        self.sent.append((topic, value))
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def inbox_consumer(engine: AsyncEngine, name: str, handlers: dict[type[Event], Handler]) -> InboxConsumer:
    return InboxConsumer(
        name=name,
        sessions=session_factory(engine),
        handlers=handlers,
        dead_letters=DeadLetterPublisher(FakeSender(), consumer=name),
        max_attempts=1,
    )
