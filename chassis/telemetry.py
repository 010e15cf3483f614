"""OpenTelemetry tracing: one provider per process, named after the service, and the trace
context carried from an HTTP request through the stored event and Kafka to its consumers.

Spans go nowhere unless OTEL_TRACES_EXPORTER=console (or an SDK exporter set up by
the deployment) asks for them, and until then new traces are not recorded at all (only
their context travels), so a bare machine pays almost nothing.

The path of one trace (W3C `traceparent`):
1. FastAPI's own telemetry (0.165+, on the global provider set here): a server span per
   request, continuing the caller's `traceparent`; while the deployment exports spans
   (`OTEL_TRACES_EXPORTER`), also a span for each dependency, the endpoint and the answer's
   serialisation (`operation_spans`).
2. `trace_context()`: taken when a command's events are appended (`Append.trace`), kept in
   their outbox rows' headers in the same transaction. Taken at the append, not at the write:
   a group commit writes other requests' appends from one task.
3. The relay sends those headers as the Kafka record's headers, as stored.
4. `consuming()`: the consumer's span for one event is a child of the span that stored it,
   linked to the batch's span (FastStream's, made while spans are exported: `kafka_telemetry`),
   so one trace runs from the POST to the read model, and on through a policy's events, which
   the consumer's span stamps in turn.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from fastapi.telemetry import TelemetryConfig
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.types import BrokerMiddleware
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, Span, SpanKind, TraceState
from opentelemetry.util.types import Attributes

TRACER_NAME = "craftsman.chassis"


class _Provider(TracerProvider):
    """A provider that knows whether anything receives its spans (a processor was added)."""

    exporting = False

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        self.exporting = True
        super().add_span_processor(span_processor)


class _WhileExported(Sampler):
    """Records a new trace only while the provider has somewhere to send it. Without it, every
    request built a full span (attributes, events, ids) that no processor took: a third of the
    CPU of a bare GET. A trace not recorded still has a valid context (its id goes with the
    events to Kafka, unsampled); a caller's sampled `traceparent` is still followed (ParentBased)."""

    def __init__(self) -> None:
        self.provider: _Provider | None = None

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        chosen = ALWAYS_ON if self.provider is not None and self.provider.exporting else ALWAYS_OFF
        return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "WhileExported"


def tracer_provider(service: str) -> TracerProvider:
    """The process's provider: it records new traces once a span processor is added."""
    root = _WhileExported()
    provider = _Provider(resource=Resource.create({"service.name": service}), sampler=ParentBased(root))
    root.provider = provider
    return provider


def spans_exported() -> bool:
    """Whether the deployment asks for spans to be exported (`OTEL_TRACES_EXPORTER`, not "none")."""
    return os.environ.get("OTEL_TRACES_EXPORTER", "").lower() not in ("", "none")


def http_telemetry() -> TelemetryConfig:
    """FastAPI's telemetry settings. Its operation spans (one per dependency, the endpoint and
    the serialisation: six for a command) only while spans are exported: unexported they are
    never seen, yet made and entered they cost 7% of a command's CPU (measured on POST /workers).
    The server span, which carries the trace to the events, is always made."""
    return TelemetryConfig(operation_spans=spans_exported())


def configure_tracing(service: str) -> TracerProvider:
    provider = tracer_provider(service)
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


def exporting_spans(provider: trace.TracerProvider | None = None) -> bool:
    """Whether spans go anywhere (from the process's provider unless one is given): an unknown
    provider (a deployment's own SDK) is taken to export. A batch span's links (one header parse
    per record) cost 3% of a projection's CPU for nothing while no processor takes the span."""
    return getattr(provider or trace.get_tracer_provider(), "exporting", True) is not False


def kafka_telemetry(provider: trace.TracerProvider | None = None) -> tuple[BrokerMiddleware[Any, Any], ...]:
    """FastStream's telemetry middleware for a broker, while spans are exported (ask after
    `configure_tracing`). It makes a span per batch and per published dead letter, and reads
    every record's headers for baggage and links: 7% of a registry consumer process's CPU under
    the API-append load while no processor took a span (py-spy). Our own consumer spans
    (`consuming`, `consuming_together`) carry each record's trace either way, and FastStream's
    metrics went to no meter (the services' metrics are Prometheus's)."""
    return (KafkaTelemetryMiddleware(tracer_provider=provider),) if exporting_spans(provider) else ()


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
    """The span of a batch handler applying many events at once: linked to each event's trace.
    A batch of one (a live trickle) is a child of its event's trace, as `consuming` makes it,
    so one trace still runs from the command to the read model."""
    links = _batch_links()
    fields = propagate.get_global_textmap().fields
    parent = record_context(getattr(records[0], "headers", None), fields) if len(records) == 1 else None
    if len(records) > 1 and exporting_spans():  # links only matter to a span that goes somewhere
        contexts = (record_context(getattr(record, "headers", None), fields) for record in records)
        links.extend(Link(trace.get_current_span(c).get_span_context()) for c in contexts if c is not None)
    topics = {getattr(record, "topic", None) for record in records}
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": consumer,
        "messaging.batch.message_count": len(records),
        "craftsman.event_type": event_type,
    }
    if len(topics) == 1 and (topic := topics.pop()) is not None:
        attributes["messaging.destination.name"] = topic
    with tracer().start_as_current_span(
        f"{consumer} process {event_type}",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=links,
        attributes=attributes,
    ) as span:
        yield span
