"""OpenTelemetry tracing: one provider per process, named after the service, and the trace
context carried from an HTTP request through the stored event and Kafka to its consumers.

Spans go nowhere unless OTEL_TRACES_EXPORTER=console (or an SDK exporter set up by
the deployment) asks for them, so a bare machine pays almost nothing.

The path of one trace (W3C `traceparent`):
1. FastAPI's own telemetry (0.165+, on the global provider set here): a server span per
   request, continuing the caller's `traceparent`, and a span for the endpoint.
2. `trace_context()`: taken when a command's events are appended (`Append.trace`), kept in
   their outbox rows' headers in the same transaction. Taken at the append, not at the write:
   a group commit writes other requests' appends from one task.
3. The relay sends those headers as the Kafka record's headers, as stored.
4. `consuming()`: the consumer's span for one event is a child of the span that stored it,
   linked to the batch's span (FastStream's), so one trace runs from the POST to the
   read model, and on through a policy's events, which the consumer's span stamps in turn.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Link, Span, SpanKind

TRACER_NAME = "craftsman.chassis"


def configure_tracing(service: str) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if os.environ.get("OTEL_TRACES_EXPORTER", "").lower() == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


@cache
def tracer() -> trace.Tracer:
    """The chassis's tracer, made on first use (a proxy until a provider is set, then that one's)."""
    return trace.get_tracer(TRACER_NAME)


def trace_context() -> dict[str, str]:
    """The current span's trace context as headers (`traceparent`, `tracestate`) to keep with
    an event; empty outside any span (a script, a replay), which costs one lookup."""
    if not trace.get_current_span().get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def record_context(
    headers: Sequence[tuple[str, bytes]] | None, fields: Collection[str] | None = None
) -> Context | None:
    """The trace context a Kafka record carries in its headers, or None when it has none
    (`fields`: the propagator's header names, when the caller looked them up once for a batch)."""
    fields = propagate.get_global_textmap().fields if fields is None else fields
    carrier = {name: value.decode("latin-1") for name, value in headers or () if name in fields and value}
    return propagate.extract(carrier) if carrier else None


def _batch_links() -> list[Link]:
    batch = trace.get_current_span().get_span_context()
    return [Link(batch)] if batch.is_valid else []


@contextmanager
def consuming(record: Any, *, consumer: str, event_type: str, event_id: str) -> Iterator[Span]:
    """The span of a consumer applying one event: a child of the span that stored the event
    (its context came in the record's headers), linked to the batch's span; a record without
    trace context gets a child of the batch's span."""
    with tracer().start_as_current_span(
        f"{consumer} process {event_type}",
        context=record_context(getattr(record, "headers", None)),
        kind=SpanKind.CONSUMER,
        links=_batch_links(),
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": consumer,
            "messaging.destination.name": record.topic,
            "messaging.destination.partition.id": str(record.partition),
            "messaging.kafka.offset": record.offset,
            "messaging.message.id": event_id,
            "craftsman.event_type": event_type,
        },
    ) as span:
        yield span


@contextmanager
def consuming_together(records: Sequence[Any], *, consumer: str, event_type: str) -> Iterator[Span]:
    """The span of a batch handler applying many events at once: linked to each event's trace."""
    links = _batch_links()
    fields = propagate.get_global_textmap().fields
    for record in records:
        context = record_context(getattr(record, "headers", None), fields)
        if context is not None:
            links.append(Link(trace.get_current_span(context).get_span_context()))
    with tracer().start_as_current_span(
        f"{consumer} process {event_type}",
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": consumer,
            "messaging.batch.message_count": len(records),
            "craftsman.event_type": event_type,
        },
    ) as span:
        yield span
