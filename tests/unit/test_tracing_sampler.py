"""A provider with nowhere to send spans records none (each cost a third of a bare GET's CPU),
yet the trace context still exists to travel with the events; once a span processor is added
(an exporter), new traces are recorded. A broker gets FastStream's telemetry middleware only
while spans go somewhere."""

from __future__ import annotations

from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chassis.telemetry import kafka_telemetry, tracer_provider


def test_spans_are_recorded_only_once_something_receives_them() -> None:
    provider = tracer_provider("test")
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("unseen") as span:
        assert not span.is_recording()
        assert span.get_span_context().is_valid  # its context still goes with the events
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with tracer.start_as_current_span("seen") as span:
        assert span.is_recording()
    assert [finished.name for finished in exporter.get_finished_spans()] == ["seen"]


def test_a_broker_gets_faststreams_telemetry_only_while_spans_are_exported() -> None:
    provider = tracer_provider("test")
    assert kafka_telemetry(provider) == ()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    (exported,) = kafka_telemetry(provider)
    assert isinstance(exported, KafkaTelemetryMiddleware)
    (unknown,) = kafka_telemetry(TracerProvider())  # a deployment's own SDK: taken to export
    assert isinstance(unknown, KafkaTelemetryMiddleware)
