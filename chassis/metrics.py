"""Prometheus metrics of a service process, served on `/metrics` (deploy/ documents the names).

One registry per app, made by the composition root (nothing at import time, so tests and
several apps in one process do not share counters). The hot paths touch only pre-bound label
children: an HTTP request costs one counter and one histogram observation, a consumer batch
a few. The relay's published count and its outbox lag are read when scraped, not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_TYPE_LATEST", "ConsumerMetrics", "HttpMetrics", "ServiceMetrics"]

HTTP_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"  # requests no route took: one label value, whatever the path


@dataclass(slots=True)
class ConsumerMetrics:
    """One subscriber's children, bound once (its consumer group is the `subscriber` label)."""

    processing: Any
    duplicates: Any
    dead_letters: Any
    lag: Any
    _lag_of: dict[tuple[str, int], int] = field(default_factory=dict)

    def batch_applied(self, seconds: float, duplicates: int, dead_letters: int) -> None:
        self.processing.observe(seconds)
        if duplicates:
            self.duplicates.inc(duplicates)
        if dead_letters:
            self.dead_letters.inc(dead_letters)

    def lag_after(
        self,
        last_offsets: dict[tuple[str, int], int],
        highwater: Callable[[str, int], int | None],
        assigned: Iterable[tuple[str, int]],
    ) -> None:
        """Records still behind the batch just applied, summed over the partitions this member holds."""
        for (topic, partition), offset in last_offsets.items():
            end = highwater(topic, partition)
            if end is not None:
                self._lag_of[(topic, partition)] = max(0, end - offset - 1)
        held = set(assigned)
        self.lag.set(sum(lag for partition, lag in self._lag_of.items() if partition in held))


class _Published(Collector):
    """The relay's own count, read at scrape time (nothing added to the relay's loop)."""

    def __init__(self, service: str) -> None:
        self._service = service
        self.published: Callable[[], int] = lambda: 0  # until a relay is watched

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "craftsman_relay_published", "Outbox rows this process published to Kafka", labels=["service"]
        )
        family.add_metric([self._service], self.published())
        yield family


class _AggregateCache(Collector):
    """The aggregate cache's hits, misses and size (chassis/aggregate_cache.py), read at scrape time."""

    def __init__(self, service: str) -> None:
        self._service = service
        self.read: Callable[[], tuple[int, int, int]] = lambda: (0, 0, 0)  # until a cache is watched

    def collect(self) -> Iterable[Metric]:
        hits, misses, size = self.read()
        for name, value, text in (
            ("hits", hits, "Loads that found the aggregate kept in memory"),
            ("misses", misses, "Loads that rebuilt the aggregate from its snapshot and events"),
        ):
            family = CounterMetricFamily(f"craftsman_aggregate_cache_{name}", text, labels=["service"])
            family.add_metric([self._service], value)
            yield family
        kept = GaugeMetricFamily(
            "craftsman_aggregate_cache_size", "Aggregates kept in memory", labels=["service"]
        )
        kept.add_metric([self._service], size)
        yield kept


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=False)
        registry = self.registry
        self._http_requests = Counter(
            "craftsman_http_requests",
            "HTTP requests answered",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self._http_duration = Histogram(
            "craftsman_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["service", "method", "route"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.events_appended = Counter(
            "craftsman_events_appended",
            "Events this process appended to its store",
            ["service"],
            registry=registry,
        ).labels(service)
        self._conflicts = Counter(
            "craftsman_version_conflicts",
            "Appends refused because another writer had appended to one of their streams since "
            "it was read (the command runs again, or answers 409 once its retries ran out)",
            ["service", "stream_type"],
            registry=registry,
        )
        self._conflict_children: dict[str, Any] = {}
        self.relay_lag = Gauge(
            "craftsman_relay_lag_events",
            "Outbox rows waiting to be published",
            ["service"],
            registry=registry,
        ).labels(service)
        self._consumer_lag = Gauge(
            "craftsman_consumer_lag_records",
            "Records behind the last applied batch, over this member's partitions",
            ["service", "subscriber"],
            registry=registry,
        )
        self._processing = Histogram(
            "craftsman_consumer_processing_seconds",
            "Time to apply a batch (one database transaction) and commit its offsets",
            ["service", "subscriber"],
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self._duplicates = Counter(
            "craftsman_duplicates_absorbed",
            "Redelivered events the inbox recognised and did not apply again",
            ["service", "subscriber"],
            registry=registry,
        )
        self._dead_letters = Counter(
            "craftsman_dead_letters",
            "Records set aside to <topic>.dlq",
            ["service", "subscriber"],
            registry=registry,
        )
        self._http_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._relay = _Published(service)
        registry.register(self._relay)
        self._aggregates = _AggregateCache(service)
        registry.register(self._aggregates)

    def consumer(self, subscriber: str) -> ConsumerMetrics:
        labels = (self.service, subscriber)
        return ConsumerMetrics(
            processing=self._processing.labels(*labels),
            duplicates=self._duplicates.labels(*labels),
            dead_letters=self._dead_letters.labels(*labels),
            lag=self._consumer_lag.labels(*labels),
        )

    def version_conflict(self, stream_type: str) -> None:
        child = self._conflict_children.get(stream_type)
        if child is None:
            child = self._conflict_children[stream_type] = self._conflicts.labels(self.service, stream_type)
        child.inc()

    def watch_relay(self, published: Callable[[], int]) -> None:
        self._relay.published = published

    def watch_aggregate_cache(self, read: Callable[[], tuple[int, int, int]]) -> None:
        """`read` gives the cache's hits, misses and size."""
        self._aggregates.read = read

    def request_answered(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._http_children.get(key)
        if children is None:
            children = (
                self._http_requests.labels(self.service, method, route, str(status)),
                self._http_duration.labels(self.service, method, route),
            )
            self._http_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class HttpMetrics:
    """Pure ASGI middleware: counts and times each request by its route template (not its path)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = scope.get("route")  # the router writes the matched route into the scope
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.request_answered(scope["method"], template, status, time.perf_counter() - began)


def last_offsets(records: Sequence[Any]) -> dict[tuple[str, int], int]:
    """The last offset of each partition in a batch."""
    return {(record.topic, record.partition): record.offset for record in records}
