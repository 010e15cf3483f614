"""The HTTP boundary every service shares (shown on the registry): clear 4xx answers,
idempotent retries, and the caller's correlation id on the stored events."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.eventstore.schema import events
from services.registry.service import SPEC
from tests.service_support import http_client, migrated

pytestmark = pytest.mark.postgres

ENTERPRISE = {
    "enterprise_id": "weichai",
    "name": "Weichai Power",
    "region_id": "kuiwen",
    "industry": "equipment",
}


async def test_the_callers_correlation_id_is_stamped_on_the_events(engine: AsyncEngine) -> None:
    correlation_id = uuid.uuid4()
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        answer = await client.post(
            "/enterprises", json=ENTERPRISE, headers={"X-Correlation-ID": str(correlation_id)}
        )
    assert answer.status_code == 201
    assert answer.headers["X-Correlation-ID"] == str(correlation_id)
    async with engine.connect() as connection:
        stored = (await connection.execute(select(events.c.correlation_id))).scalars().all()
    assert stored == [str(correlation_id)]


async def test_bad_requests_get_a_4xx_that_says_what_is_wrong(engine: AsyncEngine) -> None:
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        malformed = await client.post(
            "/enterprises", content=b"{not json", headers={"content-type": "application/json"}
        )
        invalid = await client.post("/workers", json={"worker_id": "w 1", "skill_level": "guru"})
        unknown_enterprise = await client.post(
            "/workers",
            json={
                "worker_id": "w-1",
                "enterprise_id": "nope",
                "full_name": "Li Na",
                "trade": "fitter",
                "skill_level": "senior",
            },
        )
        missing = await client.get("/workers/w-404/profile")
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["type"] == "json_invalid"
    fields = {tuple(error["loc"]) for error in invalid.json()["detail"]}
    assert {("body", "worker_id"), ("body", "skill_level"), ("body", "full_name")} <= fields
    assert (
        unknown_enterprise.status_code == 422
        and "nope is not registered" in unknown_enterprise.json()["detail"]
    )
    assert missing.status_code == 404


async def test_the_same_idempotency_key_twice_acts_once(engine: AsyncEngine) -> None:
    key = str(uuid.uuid4())
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        first = await client.post("/enterprises", json=ENTERPRISE, headers={"Idempotency-Key": key})
        again = await client.post("/enterprises", json=ENTERPRISE, headers={"Idempotency-Key": key})
        other = await client.post("/enterprises", json=ENTERPRISE)
    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["replayed"] is True, again.text
    assert again.json()["events"] == first.json()["events"], "the first answer, not a second effect"
    assert other.status_code == 409 and other.json()["error"] == "AlreadyExists"
    async with engine.connect() as connection:
        assert len((await connection.execute(select(events.c.event_id))).all()) == 1
