"""A running service (its lifespan on real Kafka) serves at /asyncapi.json the document that
FastStream generates from its broker: the same one `python -m deploy.asyncapi` writes."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from chassis.asyncapi import asyncapi_document
from chassis.service import create_app, declared
from chassis.settings import ServiceSettings
from services.training.service import SPEC

pytestmark = pytest.mark.kafka


async def test_the_running_service_serves_the_document_of_its_own_wiring(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    settings = ServiceSettings(
        service_name=SPEC.name,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'training.db'}",
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=f"test-{run}.",
        consumer_group_prefix=f"test-{run}-",
    )
    app = create_app(SPEC, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.get("/asyncapi.json")
    assert answer.status_code == 200
    served = answer.json()

    async with declared(SPEC, settings) as runtime:
        offline = asyncapi_document(runtime.broker, title=f"craftsman {SPEC.name}")
    assert served == offline
    addresses = {channel["address"] for channel in served["channels"].values()}
    assert f"test-{run}.craftsman.registry.events" in addresses, "the run's own topics, as wired"
    assert f"test-{run}.craftsman.registry.events.dlq" in addresses
