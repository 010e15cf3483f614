"""POST /enterprises/import on SQLite and Postgres: a city's enterprises in one request, one
transaction, an answer each, by the same rule as POST /enterprises; a county only its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.eventstore.schema import events
from services.registry.service import SPEC
from tests.service_support import http_client, migrated

QINGZHOU = Principal(Role.COUNTY_UNION, "qingzhou-union", region_id="qingzhou")


def enterprise(enterprise_id: str, region_id: str = "qingzhou") -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "name": enterprise_id,
        "region_id": region_id,
        "industry": "engines",
    }


async def registered(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).where(events.c.event_type == "EnterpriseRegistered")
        return int(await connection.scalar(query) or 0)


async def test_enterprises_in_bulk_with_an_answer_each_and_a_resent_batch_changes_nothing(
    engine: AsyncEngine,
) -> None:
    await migrated(engine, SPEC)
    items = [enterprise(f"e-{n:03d}", region_id=("qingzhou", "kuiwen")[n % 2]) for n in range(300)]
    items[5] = enterprise("e-003")  # twice in one batch
    items[7] = {**enterprise("e-bad"), "name": ""}
    items[9] = enterprise("e-old")  # registered before, one by one
    async with http_client(engine, SPEC) as client:
        assert (await client.post("/enterprises", json=enterprise("e-old"))).status_code == 201
        answer = await client.post("/enterprises/import", json={"items": items})
        again = await client.post("/enterprises/import", json={"items": items})
        roster = await client.get("/enterprises/e-000/roster")
    assert answer.status_code == again.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (297, 3)
    refused = {item["index"]: item["reason"] for item in body["items"] if item["status"] == "refused"}
    assert refused[5] == "enterprise e-003 is registered already"
    assert refused[7].startswith("invalid: name:")
    assert refused[9] == "enterprise e-old is registered already"
    assert (again.json()["accepted"], again.json()["refused"]) == (0, 300)
    assert await registered(engine) == 1 + 297
    assert roster.status_code in (200, 404)  # the roster follows from the projection (not run here)


async def test_a_county_registers_its_own_enterprises_and_only_them(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    async with http_client(engine, SPEC, principal=QINGZHOU) as client:
        foreign = await client.post(
            "/enterprises/import", json={"items": [enterprise("e-1"), enterprise("e-2", region_id="kuiwen")]}
        )
        own = await client.post("/enterprises/import", json={"items": [enterprise("e-1"), enterprise("e-2")]})
    assert foreign.status_code == 403, foreign.text
    assert own.status_code == 200 and own.json()["accepted"] == 2, own.text
    assert await registered(engine) == 2, "the refused request stored nothing"
