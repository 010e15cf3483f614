"""`craftsman rebuild dashboard read-model`: the officials' read model built anew from the log
beside the live dashboard, on the real Kafka and PostgreSQL, while new facts keep arriving."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth_tokens import CITY_UNION, bearer_headers
from chassis.eventstore.schema import inbox
from chassis.service import Runtime
from chassis.settings import ServiceSettings
from contracts.envelope import Envelope
from ops.bus import Bus
from ops.read_models import ReadModel, find_read_model, read_model_of
from ops.rebuild import Rebuild
from services.dashboard import read_models as m
from services.dashboard.service import SPEC
from tests.dashboard_city import build_city
from tests.service_support import count_rows, eventually, http_service, live_runtime, migrated

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


def read_model(runtime: Runtime, topic: str) -> ReadModel:
    """The dashboard's read model as the live runtime wires it (every fact on `topic`)."""
    (subscription,) = SPEC.subscriptions(runtime)
    return read_model_of(SPEC, runtime.settings, replace(subscription, topics=(topic,)))


async def publish(runtime: Runtime, topic: str, envelopes: Sequence[Envelope]) -> None:
    sent = [
        await runtime.producer.send(topic, envelope.to_bytes(), key=envelope.key.encode())
        for envelope in envelopes
    ]
    await asyncio.gather(*sent)


async def applied(db: AsyncEngine, count: int) -> None:
    async def reached() -> bool:
        return await count_rows(db, inbox) == count

    await eventually(reached)


async def pyramid(db: AsyncEngine, **params: str | int) -> dict[str, int]:
    transport = httpx.ASGITransport(app=http_service(db, SPEC))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/api/pyramid", params=params, headers=bearer_headers(CITY_UNION))
    assert answer.status_code == 200, answer.text
    return {level["level"]: level["count"] for level in answer.json()["levels"] if level["count"]}


async def test_the_rebuilt_dashboard_equals_the_live_one_and_the_live_dashboard_goes_on(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    db = await migrated(pg_engine, SPEC)
    city = build_city(workers=120, enterprises=8, counties=3, contests=3)
    first, rest = city.envelopes[:-150], city.envelopes[-150:]
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        await publish(runtime, topic, first)
        await applied(db, len(first))
        model = read_model(runtime, topic)
        arriving = asyncio.create_task(publish(runtime, topic, rest))  # during the build and switch
        bus = replace(Bus.from_environment(), bootstrap=kafka_bootstrap)
        report = await Rebuild(model, db, bus).run()
        await arriving
        await applied(db, len(city.envelopes))  # the rest, onto the new tables

        assert report.equal and report.switched, report.differences
        assert report.records >= len(first) and report.dead_letters == 0
        assert await pyramid(db) == city.pyramid()
        assert await pyramid(db, year=2025) == city.pyramid(2025)
        assert await pyramid(db, region="county-1") == city.pyramid(county="county-1")
        async with db.connect() as connection:
            retired = await connection.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :schema"),
                {"schema": report.retired_schema},
            )
        assert retired == len(m.metadata.tables) + 1  # every table of the read model, and the switch


async def test_the_dashboard_read_model_is_found_as_the_service_wires_it() -> None:
    model = await find_read_model("dashboard", "read-model", ServiceSettings(service_name="dashboard"))
    assert model.group.endswith("dashboard.read-model")
    assert set(model.tables) == set(m.metadata.tables.values())
    assert len(model.topics) == 4  # every public topic
