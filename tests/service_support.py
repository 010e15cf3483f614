"""Builders for the service tests: a service's database, its HTTP app without Kafka, the
service's consumers and relay on real Kafka, registry facts as envelopes, and Kafka records
for the inbox consumer without a broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis import migrate
from chassis.auth import Principal
from chassis.auth_tokens import CITY_UNION, bearer_headers
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore import EventStore
from chassis.inbox import BatchHandler, Delivery, Handler, InboxConsumer
from chassis.kafka import create_producer, ensure_topics
from chassis.kafka_security import faststream_security
from chassis.relay import Relay
from chassis.service import Runtime, ServiceSpec, http_app, wire_subscriptions
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


def runtime_without_kafka(engine: AsyncEngine, spec: ServiceSpec) -> Runtime:
    """A runtime with a real database and no Kafka: commits wake a relay that nothing runs."""
    return Runtime(
        settings=ServiceSettings(service_name=spec.name),
        engine=engine,
        sessions=session_factory(engine),
        store=EventStore(),
        producer=None,
        broker=None,  # type: ignore[arg-type]
        relay=Relay(engine, FakeSender(), name="not-running"),
    )


def http_service(engine: AsyncEngine, spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    """The service's routes on a runtime with a real database and no Kafka (nothing relays)."""
    app = http_app(spec, settings=settings)
    app.state.runtime = runtime_without_kafka(engine, spec)
    return app


def http_service_at(database_url: str, spec: ServiceSpec) -> FastAPI:
    """As `http_service`, but the engine is made by the app's lifespan, on the loop that
    serves it (for a server in a thread of its own)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = await migrated(create_engine(database_url, pool_size=10), spec)
        app.state.runtime = runtime_without_kafka(engine, spec)
        try:
            yield
        finally:
            await engine.dispose()

    return http_app(spec, lifespan)


@asynccontextmanager
async def http_client(
    engine: AsyncEngine, spec: ServiceSpec, principal: Principal | None = CITY_UNION
) -> AsyncIterator[httpx.AsyncClient]:
    """The service's HTTP app without Kafka, called as `principal` (the city union unless said;
    None: no credentials)."""
    transport = httpx.ASGITransport(app=http_service(engine, spec))
    headers = {} if principal is None else bearer_headers(principal)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
        yield client


@asynccontextmanager
async def live_runtime(
    engine: AsyncEngine, spec: ServiceSpec, bootstrap: str, topic: str
) -> AsyncIterator[Runtime]:
    """The service as `create_app` runs it (its subscriptions, its relay) on real Kafka, except that
    every event, its own and others', travels on the one test `topic`."""
    settings = ServiceSettings(
        service_name=spec.name,
        kafka_bootstrap_servers=bootstrap,
        consumer_group_prefix=f"test-{uuid.uuid4().hex[:8]}-",
        consumer_batch_timeout_ms=50,
    )
    producer = create_producer(bootstrap, client_id=f"test-{spec.name}")
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        store=EventStore(topic_of=lambda _: topic),
        producer=producer,
        broker=KafkaBroker(bootstrap.split(","), security=faststream_security()),
        relay=Relay(engine, producer, name=f"relay:{spec.name}:{topic}", idle_poll_seconds=0.02),
    )
    subscriptions = [  # the inbound consumers read enterprises' topics, not this one
        replace(sub, topics=(topic,)) for sub in spec.subscriptions(runtime) if sub.pattern is None
    ]
    wire_subscriptions(runtime, subscriptions)
    await ensure_topics(bootstrap, [topic])
    await producer.start()
    await runtime.broker.start()
    stop = asyncio.Event()
    relay = asyncio.create_task(runtime.relay.run(stop))
    try:
        yield runtime
    finally:
        await runtime.in_flight.drain()
        await runtime.broker.stop()
        stop.set()
        await relay
        await producer.stop()


async def eventually(condition: Callable[[], Awaitable[bool]], *, timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.1)


async def count_rows(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


def registered(worker_id: str, enterprise_id: str = "ent-1") -> Envelope:
    """The registry's WorkerRegistered, as another service receives it (no personal data)."""
    event = WorkerRegistered(
        worker_id=worker_id,
        enterprise_id=enterprise_id,
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


async def stored_envelopes(engine: AsyncEngine, stream_type: str, stream_id: str) -> list[Envelope]:
    """A stream's events, as the relay would publish them."""
    async with session_factory(engine)() as session:
        return [
            stored.envelope
            for stored in await EventStore().load(session, StreamRef(type=stream_type, id=stream_id))
        ]


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


async def apply_as_a_batch(
    session: AsyncSession, handlers: Mapping[type[Event], BatchHandler], envelopes: Sequence[Envelope]
) -> None:
    """The envelopes as one batch through a subscription's batch handlers, as its consumer applies
    them (without the inbox): the types it has no handler for are skipped."""
    kinds = {kind.event_type: kind for kind in handlers}
    together: dict[BatchHandler, list[Delivery]] = {}
    for offset, envelope in enumerate(envelopes):
        kind = kinds.get(envelope.event_type)
        if kind is not None:
            delivery = Delivery(record_of(envelope, offset), envelope, event_of(envelope, kind))
            together.setdefault(handlers[kind], []).append(delivery)
    for handler, deliveries in together.items():
        await handler(session, deliveries)


def inbox_consumer(
    engine: AsyncEngine,
    name: str,
    handlers: dict[type[Event], Handler],
    batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
) -> InboxConsumer:
    return InboxConsumer(
        name=name,
        sessions=session_factory(engine),
        handlers=handlers,
        batch_handlers=batch_handlers,
        dead_letters=DeadLetterPublisher(FakeSender(), consumer=name),
        max_attempts=1,
    )
