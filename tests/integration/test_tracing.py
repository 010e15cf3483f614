"""One trace from the HTTP request to the consumer's handler, across the real Kafka: the
server span (continuing the caller's `traceparent`), the event's outbox row and Kafka record
headers, and the consumer's span as a child of the request's. Spans are caught with an
in-memory exporter on the process's tracer provider."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth_tokens import CITY_UNION, bearer_headers
from chassis.eventstore import Append, EventStore
from chassis.eventstore.schema import outbox
from chassis.service import http_app
from chassis.telemetry import consuming_together
from contracts.envelope import StreamRef
from services.training.queries import TrainingQueries
from services.training.service import SPEC
from tests.service_support import eventually, live_runtime, migrated, registered
from tests.support import envelopes_for

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # no service configured tracing in this process yet
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await migrated(engine, SPEC)


def of_trace(spans: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [span for span in spans.get_finished_spans() if f"{span.context.trace_id:032x}" == trace_id]


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[int]:
    by_id = {candidate.context.span_id: candidate for candidate in spans}
    found: list[int] = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span.context.span_id)
    return found


async def test_one_trace_runs_from_the_post_through_kafka_to_the_consumers_handler(
    db: AsyncEngine, kafka_bootstrap: str, topic: str, spans: InMemorySpanExporter
) -> None:
    caller_trace, caller_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]  # a caller's own trace
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        worker = registered("w-t", enterprise_id="ent-t")  # a record with no trace context
        await runtime.producer.send_and_wait(topic, worker.to_bytes(), key=b"w-t")

        async def known() -> bool:
            async with runtime.sessions() as session:
                return await TrainingQueries(session).known_worker("w-t") is not None

        await eventually(known)
        app = http_app(SPEC)
        app.state.runtime = runtime
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.post(
                "/completions",
                json={
                    "enrolment_id": "enr-t",
                    "worker_id": "w-t",
                    "course_id": "course-1",
                    "course_title": "Robotics",
                    "hours": 8,
                    "completed_on": "2026-05-01",
                    "provider": "Academy",
                },
                headers={**bearer_headers(CITY_UNION), "traceparent": f"00-{caller_trace}-{caller_span}-01"},
            )
        assert answer.status_code == 201, answer.text

        async def recorded() -> bool:
            async with runtime.sessions() as session:
                return bool(await TrainingQueries(session).completions("w-t"))

        await eventually(recorded)  # relay → Kafka → the learning-records consumer

    traced = of_trace(spans, caller_trace)
    (server,) = [span for span in traced if span.kind is SpanKind.SERVER]
    assert server.name == "POST /completions"
    assert server.attributes is not None and server.attributes["http.response.status_code"] == 201
    assert server.parent is not None and f"{server.parent.span_id:016x}" == caller_span
    consumers = [span for span in traced if span.kind is SpanKind.CONSUMER]
    (handled,) = [
        span for span in consumers if span.name.endswith("learning-records process TrainingCompleted")
    ]
    assert server.context.span_id in ancestors(handled, traced), (
        "the consumer's span descends from the POST's"
    )
    assert handled.attributes is not None and handled.attributes["messaging.destination.name"] == topic
    # the registration came without a trace: its consumer span is not in the caller's trace
    untraced = [span for span in spans.get_finished_spans() if span.name.endswith("process WorkerRegistered")]
    assert untraced and all(f"{span.context.trace_id:032x}" != caller_trace for span in untraced)


async def test_appends_grouped_into_one_statement_keep_each_their_own_trace(
    db: AsyncEngine, spans: InMemorySpanExporter
) -> None:
    """A group commit writes many requests' appends from one task: each outbox row must still
    carry the trace of the request that appended it, not of the one that wrote the statement."""
    store, tracer = EventStore(), trace.get_tracer(__name__)

    async def command(n: int) -> str:
        with tracer.start_as_current_span(f"command {n}") as span:
            stream = StreamRef(type="Enrolment", id=f"enr-{n}")
            await store.commit_appends(db, [Append(stream, 0, envelopes_for(stream, 1, 1))])
            return f"{span.get_span_context().trace_id:032x}"

    traces = await asyncio.gather(*(command(n) for n in range(24)))
    async with db.connect() as connection:
        rows = (await connection.execute(select(outbox.c.partition_key, outbox.c.headers))).all()
    by_stream = {key: headers["traceparent"].split("-")[1] for key, headers in rows}
    assert by_stream == {f"enr-{n}": trace_id for n, trace_id in enumerate(traces)}


def test_a_batch_span_links_each_records_trace_and_a_batch_of_one_continues_it(
    spans: InMemorySpanExporter,
) -> None:
    """While spans are exported, a batch handler's span links every record's trace; a batch of
    one is a child of its record's trace. (Unexported, the links are not even parsed.)"""
    traces = [uuid.uuid4().hex for _ in range(3)]
    records = [
        SimpleNamespace(topic="t", headers=[("traceparent", f"00-{t}-{uuid.uuid4().hex[:16]}-01".encode())])
        for t in traces
    ]
    with consuming_together(records, consumer="batch-links", event_type="E"):
        pass
    with consuming_together(records[:1], consumer="batch-of-one", event_type="E"):
        pass
    finished = {span.name: span for span in spans.get_finished_spans()}
    linked = finished["batch-links process E"].links
    assert sorted(f"{link.context.trace_id:032x}" for link in linked) == sorted(traces)
    assert f"{finished['batch-of-one process E'].context.trace_id:032x}" == traces[0]
