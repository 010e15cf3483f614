"""Prometheus metrics: the names deploy/ documents, on `/metrics` of every service, and the
inbox's redeliveries counted per subscriber (the chaos run found them visible only in debug logs)."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth_tokens import bearer_headers
from chassis.db import session_factory
from chassis.errors import AlreadyExists
from chassis.eventstore import ConcurrencyError, EventStore
from chassis.metrics import ServiceMetrics
from chassis.unit_of_work import UnitOfWork
from contracts.events.registry import WorkerRegistered
from contracts.vocabulary import SkillLevel
from services.registry import handlers
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.domain import Worker
from services.registry.service import SPEC as REGISTRY
from services.training.service import SPEC as TRAINING
from tests.service_support import FakeRecord, http_service, inbox_consumer, migrated, record_of, registered


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def ignore(*_: object) -> None:
    return None


async def test_redeliveries_and_dead_letters_are_counted_per_subscriber(engine: AsyncEngine) -> None:
    await migrated(engine, TRAINING)
    metrics = ServiceMetrics("training")
    consumer = inbox_consumer(engine, "training.workers", {WorkerRegistered: ignore})
    consumer.metrics = metrics.consumer("training.workers")
    other = inbox_consumer(engine, "training.other", {WorkerRegistered: ignore})
    other.metrics = metrics.consumer("training.other")
    first, second = record_of(registered("w-1"), offset=0), record_of(registered("w-2"), offset=1)
    garbage = FakeRecord(topic=first.topic, partition=0, offset=2, key=b"w-3", value=b"not json")

    await consumer.process([first, second])
    await consumer.process([first, second, garbage])  # a redelivery, and a record that cannot be read
    await other.process([first])

    seen = samples(metrics.exposition().decode())
    assert (
        seen[
            (
                "craftsman_duplicates_absorbed_total",
                (("service", "training"), ("subscriber", "training.workers")),
            )
        ]
        == 2
    )
    assert (
        seen[("craftsman_dead_letters_total", (("service", "training"), ("subscriber", "training.workers")))]
        == 1
    )
    assert (
        seen[
            (
                "craftsman_duplicates_absorbed_total",
                (("service", "training"), ("subscriber", "training.other")),
            )
        ]
        == 0
    )
    processing = (
        "craftsman_consumer_processing_seconds_count",
        (("service", "training"), ("subscriber", "training.workers")),
    )
    assert seen[processing] == 2


async def test_every_documented_metric_is_served_on_metrics(engine: AsyncEngine) -> None:
    await migrated(engine, REGISTRY)
    app = http_service(engine, REGISTRY)
    app.state.runtime.metrics = app.state.metrics  # as the lifespan connects them
    app.state.runtime.store.on_appended = app.state.metrics.events_appended.inc
    cache = app.state.runtime.aggregates
    app.state.metrics.watch_aggregate_cache(lambda: (cache.hits, cache.misses, len(cache)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers=bearer_headers()
    ) as client:
        body = {"enterprise_id": "acme", "name": "Acme", "region_id": "r1", "industry": "equipment"}
        assert (await client.post("/enterprises", json=body)).status_code in (200, 201)
        await client.get("/enterprises/acme/roster")
        await client.get("/no/such/path/123")
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    for name in (
        "craftsman_http_requests_total",
        "craftsman_http_request_duration_seconds",
        "craftsman_events_appended_total",
        "craftsman_version_conflicts_total",
        "craftsman_relay_lag_events",
        "craftsman_relay_published_total",
        "craftsman_consumer_lag_records",
        "craftsman_consumer_processing_seconds",
        "craftsman_duplicates_absorbed_total",
        "craftsman_dead_letters_total",
        "craftsman_aggregate_cache_hits_total",
        "craftsman_aggregate_cache_misses_total",
        "craftsman_aggregate_cache_size",
    ):
        assert f"# TYPE {name} " in text, name
    seen = samples(text)
    posted = (("method", "POST"), ("route", "/enterprises"), ("service", "registry"), ("status", "201"))
    assert (
        seen.get(("craftsman_http_requests_total", posted)) == 1
        or seen.get(("craftsman_http_requests_total", (*posted[:3], ("status", "200")))) == 1
    )
    assert seen[("craftsman_events_appended_total", (("service", "registry"),))] == 1
    assert seen[("craftsman_aggregate_cache_size", (("service", "registry"),))] == 1  # the new enterprise
    assert seen[("craftsman_relay_lag_events", (("service", "registry"),))] == 1  # nothing relays here
    routes = set(re.findall(r'route="([^"]+)"', text))
    assert "/enterprises/{enterprise_id}/roster" in routes and "unmatched" in routes
    assert not any("123" in route or "acme" in route for route in routes)  # templates, not paths


async def test_a_version_conflict_is_counted_by_stream_type_and_a_duplicate_hire_is_not(
    engine: AsyncEngine,
) -> None:
    """Two commands decide on the same worker; the later append meets the earlier one's event,
    writes nothing and is counted. A hire of a worker who exists is a refusal (AlreadyExists),
    not a conflict between writers, and is not counted."""
    await migrated(engine, REGISTRY)
    metrics, store = ServiceMetrics("registry"), EventStore()
    store.on_conflict = metrics.version_conflict

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(session_factory(engine), store, producer="registry")

    enterprise = RegisterEnterprise(
        enterprise_id="e-1", name="Weichai", region_id="weifang", industry="engines"
    )
    hire = RegisterWorker(worker_id="w-1", enterprise_id="e-1", trade="fitter", skill_level=SkillLevel.SENIOR)
    await handlers.register_enterprise(unit_of_work(), enterprise)
    await handlers.register_worker(unit_of_work(), hire)
    with pytest.raises(AlreadyExists):
        await handlers.register_worker(unit_of_work(), hire)

    later, earlier = unit_of_work(), unit_of_work()
    async with later:
        late = await later.require(Worker, "w-1", "missing")
        async with earlier:
            (await earlier.require(Worker, "w-1", "missing")).forget(date(2026, 12, 1))
            await earlier.commit()
        late.forget(date(2026, 12, 2))
        with pytest.raises(ConcurrencyError):
            await later.commit()

    seen = samples(metrics.exposition().decode())
    assert (
        seen[("craftsman_version_conflicts_total", (("service", "registry"), ("stream_type", "Worker")))] == 1
    )
    assert [name for name, _ in seen if name == "craftsman_version_conflicts_total"] == [
        "craftsman_version_conflicts_total"
    ]
