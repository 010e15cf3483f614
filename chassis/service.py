"""The service app factory: FastAPI and FastStream in one process per service.

`create_app` is the composition root's tool: nothing here creates an engine, a
producer or a broker at import time; the lifespan builds them and tears them down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis import migrate
from chassis.correlation import CorrelationMiddleware
from chassis.db import READ_ONLY, create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.errors import AlreadyExists, DomainRuleViolated, NotFound
from chassis.eventstore.store import ConcurrencyError, EventStore, topic_of_producer
from chassis.http import CommandAlreadyApplied, accepted
from chassis.inbox import BatchOutcome, Handler, InboxConsumer
from chassis.kafka import InFlight, bind_inbox_consumer, create_producer, ensure_topics
from chassis.logging import configure_logging, get_logger
from chassis.relay import Relay
from chassis.roles import Roles
from chassis.settings import ServiceSettings
from chassis.telemetry import configure_tracing
from chassis.unit_of_work import DuplicateCommand, UnitOfWork
from contracts.events.base import Event
from contracts.topics import TOPIC_OF_PRODUCER

log = get_logger(__name__)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class Subscription:
    """One consumer group of the service: the topics it reads and its handlers."""

    name: str
    topics: tuple[str, ...]
    handlers: Mapping[type[Event], Handler]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    routes: APIRouter
    subscriptions: Callable[[Runtime], Sequence[Subscription]] = lambda _: ()
    migrations: Sequence[Path] = ()


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: EventStore
    producer: AIOKafkaProducer
    broker: KafkaBroker
    relay: Relay
    in_flight: InFlight = field(default_factory=InFlight)

    def readers(self) -> AsyncSession:
        """A session for queries; on SQLite it reads without waiting for the writer."""
        return session_factory(self.engine.execution_options(**READ_ONLY))()

    def unit_of_work(self, session: AsyncSession | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.store,
            producer=self.settings.service_name,
            session=session,
            after_commit=self.relay.wake,
        )


async def build_runtime(spec: ServiceSpec, settings: ServiceSettings) -> Runtime:
    engine = create_engine(settings.resolved_database_url())
    await migrate.upgrade(engine, spec.migrations)
    producer = create_producer(settings.kafka_bootstrap_servers, client_id=settings.service_name)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        log_level=logging.DEBUG,  # a line per message is for debugging, not for INFO logs
        middlewares=(KafkaTelemetryMiddleware(),),
    )
    relay = Relay(
        engine,
        producer,
        name=f"relay:{settings.service_name}",
        batch_size=settings.relay_batch_size,
        idle_poll_seconds=settings.relay_idle_poll_seconds,
    )
    prefix = settings.topic_prefix
    store = EventStore(topic_of=lambda envelope: prefix + topic_of_producer(envelope))
    return Runtime(settings, engine, session_factory(engine), store, producer, broker, relay)


def wire_subscriptions(runtime: Runtime, subscriptions: Sequence[Subscription]) -> list[str]:
    settings = runtime.settings
    topics: list[str] = []
    for subscription in subscriptions:
        group = f"{settings.consumer_group_prefix}{settings.service_name}.{subscription.name}"
        consumer = InboxConsumer(
            name=group,
            sessions=runtime.sessions,
            handlers=subscription.handlers,
            dead_letters=DeadLetterPublisher(runtime.producer, consumer=group),
            max_attempts=settings.handler_max_attempts,
            max_event_bytes=settings.max_event_bytes,
            after_commit=_waking(runtime.relay),  # a policy's events go out at once
        )
        topics_of_run = [settings.topic_prefix + topic for topic in subscription.topics]
        bind_inbox_consumer(
            runtime.broker,
            consumer,
            topics=topics_of_run,
            group_id=group,
            batch_size=settings.consumer_batch_size,
            batch_timeout_ms=settings.consumer_batch_timeout_ms,
            in_flight=runtime.in_flight,
        )
        topics.extend(topics_of_run)
    return topics


def _waking(relay: Relay) -> Callable[[BatchOutcome], Awaitable[None]]:
    async def wake(outcome: BatchOutcome) -> None:
        if outcome.applied:
            relay.wake()

    return wake


def create_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings(service_name=spec.name)
    roles = Roles.parse(settings.roles)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, level=settings.log_level, json=settings.log_json)
        configure_tracing(settings.service_name)
        runtime = await build_runtime(spec, settings)
        app.state.runtime = runtime
        stop = asyncio.Event()
        await runtime.producer.start()
        subscribed = wire_subscriptions(runtime, spec.subscriptions(runtime)) if roles.consumers else []
        own_topic = TOPIC_OF_PRODUCER.get(settings.service_name)
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            [*subscribed, *([settings.topic_prefix + own_topic] if own_topic else [])],
        )
        if roles.consumers:
            await runtime.broker.start()
        relay_task = asyncio.create_task(runtime.relay.run(stop) if roles.relay else stop.wait())
        log.info("service.started", http_port=settings.http_port, roles=str(roles))
        try:
            yield
        finally:
            # Finish the batches in flight, then stop taking new ones, then flush.
            await runtime.in_flight.drain()
            await runtime.broker.stop()
            stop.set()
            await relay_task
            await runtime.producer.stop()
            await runtime.engine.dispose()
            log.info("service.stopped")

    return http_app(spec if roles.api else replace(spec, routes=APIRouter()), lifespan)


def http_app(spec: ServiceSpec, lifespan: Lifespan | None = None) -> FastAPI:
    """The HTTP side of a service; `create_app` adds the lifespan that builds the runtime."""
    app = FastAPI(title=f"craftsman {spec.name}", lifespan=lifespan)
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    app.include_router(health_routes())
    app.include_router(spec.routes)
    return app


def current_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(current_runtime)]


def health_routes() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        runtime = current_runtime(request)
        checks = {"database": await _database_ok(runtime), "kafka": await _kafka_ok(runtime)}
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)

    return router


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as connection:
                reader = await connection.execution_options(**READ_ONLY)
                await reader.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _kafka_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2):
            await runtime.producer.client.fetch_all_metadata()
        return True
    except Exception:
        return False


def install_error_handlers(app: FastAPI) -> None:
    def answer(status: int) -> Callable[[Request, Exception], JSONResponse]:
        def handle(_: Request, error: Exception) -> JSONResponse:
            return JSONResponse({"error": type(error).__name__, "detail": str(error)}, status_code=status)

        return handle

    app.add_exception_handler(ConcurrencyError, answer(409))
    app.add_exception_handler(ValidationError, answer(422))  # an event's own invariant, raised in the domain
    app.add_exception_handler(AlreadyExists, answer(409))
    app.add_exception_handler(DomainRuleViolated, answer(422))
    app.add_exception_handler(NotFound, answer(404))

    def already_applied(_: Request, error: Exception) -> JSONResponse:
        # The same Idempotency-Key again: the first call's effect stands, nothing new happened.
        return JSONResponse({"events": [], "already_applied": str(error)}, status_code=200)

    app.add_exception_handler(DuplicateCommand, already_applied)

    def replayed(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CommandAlreadyApplied)
        return JSONResponse({**accepted(error.envelopes), "replayed": True}, status_code=200)

    app.add_exception_handler(CommandAlreadyApplied, replayed)
