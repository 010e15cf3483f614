"""The service app factory: FastAPI and FastStream in one process per service.

`create_app` is the composition root's tool: nothing here creates an engine, a
producer or a broker at import time; the lifespan builds them and tears them down.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaBroker, KafkaRouter
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from chassis import migrate
from chassis.aggregate_cache import AggregateCache
from chassis.asyncapi import asyncapi_document
from chassis.auth_http import PUBLIC, document_public_endpoints
from chassis.auth_tokens import Authenticator
from chassis.boundary import RequestGuard
from chassis.correlation import CorrelationMiddleware
from chassis.db import READ_ONLY, create_engine, outside_transactions, read_only, session_factory
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
from chassis.eventstore.schema import outbox
from chassis.eventstore.store import ConcurrencyError, EventStore, topic_of_producer
from chassis.inbox import BatchHandler, BatchOutcome, Handler, InboxConsumer, is_transient
from chassis.kafka import (
    PRODUCER_OPTIONS,
    DeadLetterTopics,
    InFlight,
    bind_inbox_consumer,
    create_producer,
    ensure_topics,
)
from chassis.kafka_link import KafkaLink
from chassis.kafka_security import KafkaCredentials, faststream_security
from chassis.logging import configure_logging, get_logger
from chassis.metrics import CONTENT_TYPE_LATEST, HttpMetrics, ServiceMetrics
from chassis.provenance import topic_ownership, typed_by_header
from chassis.relay import Relay
from chassis.roles import Roles
from chassis.settings import LOCAL_JWT_SECRET, ServiceSettings
from chassis.telemetry import configure_tracing, http_telemetry, kafka_telemetry
from chassis.unit_of_work import DuplicateCommand, UnitOfWork
from contracts.events.base import Event
from contracts.schemas import channel_message, events_of_producer
from contracts.topics import TOPIC_OF_PRODUCER

log = get_logger(__name__)
SETTLED_KEPT = 10_000
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class Subscription:
    """One consumer group of the service: the topics it reads and its handlers."""

    name: str
    topics: tuple[str, ...]
    handlers: Mapping[type[Event], Handler]
    pattern: str | None = None  # a regular expression of topics instead (the run's prefix goes in front)
    # The read model's tables, when this subscription is a projection whose handlers write only
    # these: what `craftsman rebuild` builds anew beside the live ones. Empty for a policy.
    tables: tuple[Table, ...] = ()
    batch_handlers: Mapping[type[Event], BatchHandler] = field(
        default_factory=dict
    )  # a type's whole batch at once


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    routes: APIRouter
    subscriptions: Callable[[Runtime], Sequence[Subscription]] = lambda _: ()
    migrations: Sequence[Path] = ()
    # False for a read-only service (the dashboard): it stores no events, so it runs no relay
    # (an idle one would poll an empty outbox and hold the relay lease for nothing).
    appends_events: bool = True


def runs_relay(spec: ServiceSpec, roles: Roles) -> bool:
    return roles.relay and spec.appends_events


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
    kafka: KafkaLink | None = None  # set by the lifespan; None where nothing connects to Kafka
    metrics: ServiceMetrics | None = None
    # facts that never change once known (chassis.http.read_settled), bounded
    settled: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    aggregates: AggregateCache = field(default_factory=AggregateCache, repr=False)

    _readers: async_sessionmaker[AsyncSession] | None = field(default=None, init=False, repr=False)
    _one_query_readers: async_sessionmaker[AsyncSession] | None = field(default=None, init=False, repr=False)

    def readers(self) -> AsyncSession:
        """A session for queries; on SQLite it reads without waiting for the writer."""
        if self._readers is None:
            self._readers = session_factory(read_only(self.engine))
        return self._readers()

    def one_query_reader(self) -> AsyncSession:
        """A session for ONE query: on Postgres outside a transaction (the statement is its own
        snapshot), so the query costs one round trip instead of BEGIN, query, ROLLBACK."""
        if self.engine.dialect.name != "postgresql":
            return self.readers()
        if self._one_query_readers is None:
            self._one_query_readers = session_factory(outside_transactions(self.engine))
        return self._one_query_readers()

    def keep_settled(self, key: Hashable, value: Any) -> None:
        if len(self.settled) >= SETTLED_KEPT:
            self.settled.clear()  # forgetting them all costs one read each
        self.settled[key] = value

    def unit_of_work(self, session: AsyncSession | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.store,
            producer=self.settings.service_name,
            session=session,
            after_commit=self.relay.wake,
            cache=self.aggregates,
        )


def build_runtime(spec: ServiceSpec, settings: ServiceSettings) -> Runtime:
    """The service's parts, connected to nothing yet (the lifespan starts them)."""
    engine = create_engine(settings.resolved_database_url())
    credentials = KafkaCredentials.from_settings(settings)
    producer = create_producer(
        settings.kafka_bootstrap_servers, client_id=settings.service_name, credentials=credentials
    )
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers.split(","),  # FastStream does not split "host1,host2" itself
        client_id=settings.service_name,
        security=faststream_security(credentials),
        allow_auto_create_topics=not credentials.uses_sasl,  # on a secured bus deploy/ creates them
        log_level=logging.DEBUG,  # a line per message is for debugging, not for INFO logs
        middlewares=kafka_telemetry(),
        description=f"The {spec.name} service's consumers, dead letters and events",
        **PRODUCER_OPTIONS,  # its producer sends the dead letters
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
    runtime = Runtime(settings, engine, session_factory(engine), store, producer, broker, relay)
    runtime.aggregates.max_entries = settings.aggregate_cache_size
    return runtime


def consumer_group(settings: ServiceSettings, subscription: Subscription) -> str:
    """The consumer group of a subscription, which is also its inbox's consumer name."""
    return f"{settings.consumer_group_prefix}{settings.service_name}.{subscription.name}"


def wire_subscriptions(runtime: Runtime, subscriptions: Sequence[Subscription]) -> list[str]:
    """Declare the service's FastStream router on its broker: a typed batch subscriber per
    subscription, a dead-letter publisher per topic read, and the publisher of its own
    events. Returns the topics read. The AsyncAPI document is generated from this router."""
    settings = runtime.settings
    router = KafkaRouter()
    topics: list[str] = []
    for subscription in subscriptions:
        group = consumer_group(settings, subscription)
        topics_of_run = [settings.topic_prefix + topic for topic in subscription.topics]
        dead_letters = DeadLetterTopics.declare(router, topics_of_run, consumer=group, broker=runtime.broker)
        consumer = InboxConsumer(
            name=group,
            sessions=runtime.sessions,
            handlers=subscription.handlers,
            batch_handlers=subscription.batch_handlers,
            dead_letters=DeadLetterPublisher(dead_letters, consumer=group),
            max_attempts=settings.handler_max_attempts,
            max_event_bytes=settings.max_event_bytes,
            after_commit=_waking(runtime.relay),  # a policy's events go out at once
            record_check=topic_ownership(settings.topic_prefix),
            type_header=typed_by_header(settings.topic_prefix),
            metrics=None if runtime.metrics is None else runtime.metrics.consumer(group),
        )
        bind_inbox_consumer(
            router,
            consumer,
            topics=topics_of_run,
            pattern=re.escape(settings.topic_prefix) + subscription.pattern if subscription.pattern else None,
            group_id=group,
            batch_size=settings.resolved_consumer_batch_size(),
            batch_timeout_ms=settings.consumer_batch_timeout_ms,
            in_flight=runtime.in_flight,
        )
        topics.extend(topics_of_run)
    _declare_own_events(router, settings)
    runtime.broker.include_router(router)
    return topics


def _declare_own_events(router: KafkaRouter, settings: ServiceSettings) -> None:
    """The channel the service writes: its events, as the relay sends them from the outbox.

    Declared for the document only: the relay moves the outbox's stored bytes with its own
    idempotent producer (chassis/relay.py), one aiokafka send per row, because a FastStream
    publish per record would add its command, header and middleware work to the hot path.
    """
    own_topic = TOPIC_OF_PRODUCER.get(settings.service_name)
    if own_topic is None:
        return
    router.publisher(
        settings.topic_prefix + own_topic,
        title=f"{settings.service_name}:events",
        description=f"Events of the {settings.service_name} service, relayed from its outbox in store order",
        schema=channel_message(events_of_producer(settings.service_name)),
    )


async def _relay_once_connected(runtime: Runtime, link: KafkaLink, stop: asyncio.Event) -> None:
    """Commands fill the outbox while Kafka is away; the relay publishes once it answers."""
    if await link.when_connected(stop):
        await runtime.relay.run(stop)


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
        if settings.auth_jwt_secret.get_secret_value() == LOCAL_JWT_SECRET:
            log.warning("auth.local_signing_key", hint="set CRAFTSMAN_AUTH_JWT_SECRET outside local runs")
        runtime = build_runtime(spec, settings)
        runtime.metrics = app.state.metrics
        runtime.metrics.watch_relay(lambda: runtime.relay.published)
        cache = runtime.aggregates
        runtime.metrics.watch_aggregate_cache(lambda: (cache.hits, cache.misses, len(cache)))
        runtime.store.on_appended = runtime.metrics.events_appended.inc
        runtime.store.on_conflict = runtime.metrics.version_conflict
        app.state.runtime = runtime
        await migrate.upgrade(runtime.engine, spec.migrations)
        stop = asyncio.Event()
        subscribed = wire_subscriptions(runtime, spec.subscriptions(runtime)) if roles.consumers else []
        own_topic = TOPIC_OF_PRODUCER.get(settings.service_name)
        link = runtime.kafka = KafkaLink(
            runtime.producer,
            runtime.broker,
            functools.partial(
                ensure_topics,
                settings.kafka_bootstrap_servers,
                [*subscribed, *([settings.topic_prefix + own_topic] if own_topic else [])],
                credentials=KafkaCredentials.from_settings(settings),
            ),
            consumers=roles.consumers,
        )
        connecting = await link.start(stop)  # the broker may be down: serve, connect later
        relay_task = asyncio.create_task(
            _relay_once_connected(runtime, link, stop) if runs_relay(spec, roles) else stop.wait()
        )
        log.info("service.started", http_port=settings.http_port, roles=str(roles))
        try:
            yield
        finally:
            # Finish the batches in flight, then stop taking new ones, then flush.
            await runtime.in_flight.drain()
            await runtime.broker.stop()
            stop.set()
            if connecting is not None:
                await connecting
            await relay_task
            await runtime.producer.stop()
            await runtime.engine.dispose()
            log.info("service.stopped")

    return http_app(spec if roles.api else replace(spec, routes=APIRouter()), lifespan, settings)


def http_app(
    spec: ServiceSpec, lifespan: Lifespan | None = None, settings: ServiceSettings | None = None
) -> FastAPI:
    """The HTTP side of a service; `create_app` adds the lifespan that builds the runtime."""
    settings = settings or ServiceSettings(service_name=spec.name)
    app = FastAPI(title=f"craftsman {spec.name}", lifespan=lifespan, telemetry=http_telemetry())
    app.state.metrics = ServiceMetrics(spec.name)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_request_bytes)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(HttpMetrics, metrics=app.state.metrics)  # outermost: it sees every answer
    app.state.authenticator = Authenticator(settings)
    install_error_handlers(app)
    app.include_router(health_routes())
    app.include_router(asyncapi_routes(spec))
    app.include_router(spec.routes)
    document_public_endpoints(app)
    return app


def asyncapi_routes(spec: ServiceSpec) -> APIRouter:
    """The Kafka side's document is for integrators, public like /openapi.json."""
    router = APIRouter(
        tags=["operations"],
        dependencies=[PUBLIC],
        responses={401: {"model": ErrorAnswer, "description": "Credentials sent that do not verify"}},
    )

    @router.get("/asyncapi.json")
    async def asyncapi(request: Request) -> dict[str, Any]:
        """The AsyncAPI 3 document of this service's Kafka side, generated from its running broker."""
        runtime = current_runtime(request)
        if runtime.broker is not None:
            return asyncapi_document(runtime.broker, title=f"craftsman {spec.name}")
        async with declared(spec, runtime.settings) as wired:  # an HTTP-only process has no broker
            return asyncapi_document(wired.broker, title=f"craftsman {spec.name}")

    return router


@asynccontextmanager
async def declared(spec: ServiceSpec, settings: ServiceSettings | None = None) -> AsyncIterator[Runtime]:
    """The service wired as it runs (its broker with every subscriber and publisher), connected
    to nothing: for documents generated from the code without Kafka or a database."""
    settings = settings or ServiceSettings(service_name=spec.name, database_url="sqlite+aiosqlite://")
    runtime = build_runtime(spec, settings)
    try:
        wire_subscriptions(runtime, spec.subscriptions(runtime))
        yield runtime
    finally:
        await runtime.producer.stop()  # never started; stopping it closes its client quietly
        await runtime.engine.dispose()


def current_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _runtime_dependency(request: Request) -> Runtime:
    # A coroutine: FastAPI would run a plain function in its thread pool, per request.
    return current_runtime(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime_dependency)]


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

    # Prometheus's text format, for the scraper rather than API clients: not in the OpenAPI
    # document (whose 2xx answers are JSON), still public and in the access matrix.
    @router.get("/metrics", response_class=Response, include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics of this process (request rates and latencies, relay and consumer lag, ...)."""
        collected: ServiceMetrics = request.app.state.metrics
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        if runtime is not None and (waiting := await _outbox_rows(runtime)) is not None:
            collected.relay_lag.set(waiting)
        return Response(collected.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _outbox_rows(runtime: Runtime) -> int | None:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as connection:
                reader = await connection.execution_options(**READ_ONLY)
                return int(await reader.scalar(select(func.count()).select_from(outbox)) or 0)
    except Exception:
        return None  # the database is away: /ready says so; the gauge keeps its last value


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
    if runtime.kafka is None or not runtime.kafka.connected.is_set():
        return False  # not connected yet: the producer has no cluster to ask
    try:
        async with asyncio.timeout(2):
            await runtime.producer.client.fetch_all_metadata()
        return True
    except Exception:
        return False


UNAVAILABLE = (
    "the database is busy or unreachable; send the request again (a command with the same "
    "Idempotency-Key is applied once)"
)


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
        if is_transient(error):
            # The database was busy (SQLite's one writer past its lock wait) or unreachable: the
            # caller's request was fine, and the same request later will do (a province's year
            # met this 304 times, then answered 500 as if the service had failed).
            log.warning("http.database_unavailable", error_type=type(error).__name__, error=str(error)[:300])
            body = error_body("unavailable", UNAVAILABLE)
            return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
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
