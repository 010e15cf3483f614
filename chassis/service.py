"""The service app factory: FastAPI and FastStream in one process per service.

`create_app` is the composition root's tool: nothing here creates an engine, a
producer or a broker at import time; the lifespan builds them and tears them down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from chassis import migrate
from chassis.auth_http import PUBLIC, document_public_endpoints
from chassis.auth_tokens import Authenticator
from chassis.boundary import RequestGuard
from chassis.correlation import CorrelationMiddleware
from chassis.db import READ_ONLY, create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.errors import (
    AlreadyExists,
    DomainRuleViolated,
    ErrorAnswer,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    Unauthenticated,
    error_body,
)
from chassis.eventstore.store import ConcurrencyError, EventStore, topic_of_producer
from chassis.inbox import BatchOutcome, Handler, InboxConsumer
from chassis.kafka import InFlight, bind_inbox_consumer, create_producer, ensure_topics
from chassis.logging import configure_logging, get_logger
from chassis.relay import Relay
from chassis.settings import LOCAL_JWT_SECRET, ServiceSettings
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, level=settings.log_level, json=settings.log_json)
        configure_tracing(settings.service_name)
        if settings.auth_jwt_secret.get_secret_value() == LOCAL_JWT_SECRET:
            log.warning("auth.local_signing_key", hint="set CRAFTSMAN_AUTH_JWT_SECRET outside local runs")
        runtime = await build_runtime(spec, settings)
        app.state.runtime = runtime
        stop = asyncio.Event()
        await runtime.producer.start()
        subscribed = wire_subscriptions(runtime, spec.subscriptions(runtime))
        own_topic = TOPIC_OF_PRODUCER.get(settings.service_name)
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            [*subscribed, *([settings.topic_prefix + own_topic] if own_topic else [])],
        )
        await runtime.broker.start()
        relay_task = asyncio.create_task(runtime.relay.run(stop))
        log.info("service.started", http_port=settings.http_port)
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

    return http_app(spec, lifespan, settings)


def http_app(
    spec: ServiceSpec, lifespan: Lifespan | None = None, settings: ServiceSettings | None = None
) -> FastAPI:
    """The HTTP side of a service; `create_app` adds the lifespan that builds the runtime."""
    settings = settings or ServiceSettings(service_name=spec.name)
    app = FastAPI(title=f"craftsman {spec.name}", lifespan=lifespan)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_request_bytes)
    app.add_middleware(CorrelationMiddleware)
    app.state.authenticator = Authenticator(settings)
    install_error_handlers(app)
    app.include_router(health_routes())
    app.include_router(spec.routes)
    document_public_endpoints(app)
    return app


def current_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(current_runtime)]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]


def health_routes() -> APIRouter:
    router = APIRouter(
        tags=["operations"],
        dependencies=[PUBLIC],
        responses={401: {"model": ErrorAnswer, "description": "Credentials sent that do not verify"}},
    )

    @router.get("/health")
    async def health() -> Health:
        return Health(status="ok")

    @router.get(
        "/ready",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency is down"}},
    )
    async def ready(request: Request) -> JSONResponse:
        runtime = current_runtime(request)
        checks = {"database": await _database_ok(runtime), "kafka": await _kafka_ok(runtime)}
        status = 200 if all(checks.values()) else 503
        answer = Readiness(ready=status == 200, checks=checks)
        return JSONResponse(answer.model_dump(), status_code=status)

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
    """Every error the boundary answers, in the one shape (chassis.errors.ErrorAnswer)."""

    def answer(status: int, code: str) -> Callable[[Request, Exception], JSONResponse]:
        def handle(_: Request, error: Exception) -> JSONResponse:
            return JSONResponse(error_body(code, str(error)), status_code=status)

        return handle

    app.add_exception_handler(ConcurrencyError, answer(409, "conflict"))
    app.add_exception_handler(AlreadyExists, answer(409, "already_exists"))
    app.add_exception_handler(DuplicateCommand, answer(409, "duplicate_command"))
    app.add_exception_handler(NotFound, answer(404, "not_found"))
    app.add_exception_handler(Forbidden, answer(403, "forbidden"))
    app.add_exception_handler(IdempotencyKeyReused, answer(422, "idempotency_key_reused"))

    def rule_violated(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainRuleViolated)
        return JSONResponse(error_body("rule_violated", str(error), rule=error.rule), status_code=422)

    def unauthenticated(_: Request, error: Exception) -> JSONResponse:
        body = error_body("unauthenticated", str(error))
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    def invalid(_: Request, error: Exception) -> JSONResponse:
        # A pydantic error from a model built in the domain (an event's own shape), or
        # FastAPI's validation of the request: name the first field, never echo the input.
        assert isinstance(error, ValidationError | RequestValidationError)
        problems = error.errors()
        if any(problem.get("type") == "json_invalid" for problem in problems):
            return JSONResponse(error_body("malformed_json", "the body is not well-formed JSON"), 400)
        return JSONResponse(validation_answer(problems), status_code=422)

    def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)), status_code=error.status_code, headers=error.headers
        )

    app.add_exception_handler(DomainRuleViolated, rule_violated)
    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.add_exception_handler(ValidationError, invalid)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)

    def unexpected(_: Request, error: Exception) -> JSONResponse:
        # The shape holds even here; the details go to the log, not to the caller.
        log.error("http.unexpected_error", error_type=type(error).__name__, exc_info=error)
        return JSONResponse(error_body("internal_error", "the service failed; it is logged"), status_code=500)

    app.add_exception_handler(Exception, unexpected)


def validation_answer(problems: Sequence[Any]) -> dict[str, Any]:
    """The first few problems in words (their messages, never the input they refused)."""

    def where(problem: Any) -> str:
        return ".".join(str(part) for part in problem.get("loc", ()))

    shown = [f"{where(problem)}: {problem.get('msg', 'invalid')}" for problem in problems[:3]]
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    first = where(problems[0]) if problems else None
    return error_body("invalid_request", "; ".join(shown) + more, field=first or None)
