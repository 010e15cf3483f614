"""POST /careers/import over HTTP, on SQLite and Postgres: each worker's tiers and titles from
before the platform, one transaction, an answer each; what it records lets the selection go on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events
from chassis.unit_of_work import UnitOfWork
from contracts.vocabulary import TierRank, TitleLevel
from services.registry.domain import Worker
from services.registry.service import SPEC
from tests.service_support import http_client, migrated

ENTERPRISE = {"enterprise_id": "e-1", "name": "Weichai", "region_id": "weifang", "industry": "engines"}
REGION = {"region_id": "weifang", "name": "潍坊市", "kind": "city"}


def hired(worker_id: str) -> dict[str, str]:
    return {"worker_id": worker_id, "enterprise_id": "e-1", "trade": "fitter", "skill_level": "junior"}


CRAFTSMAN = [{"rank": "seed", "since": "2019-03-01"}, {"rank": "craftsman", "since": "2021-06-01"}]


async def stored_types(engine: AsyncEngine, worker_id: str) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(events.c.event_type)
            .where(events.c.stream_type == "Worker", events.c.stream_id == worker_id)
            .order_by(events.c.stream_version)
        )
        return [row.event_type for row in rows]


async def test_careers_are_imported_with_an_answer_each_and_the_county_pipeline_can_follow(
    engine: AsyncEngine,
) -> None:
    items: list[dict[str, Any]] = [
        {
            "worker_id": "w-city",
            "tiers": CRAFTSMAN,
            "titles": [
                {"title_id": "t-county", "level": "county", "year": 2022},
                {"title_id": "t-city", "level": "city", "year": 2024, "conferred_by": "weifang-union"},
            ],
        },
        {"worker_id": "w-craftsman", "tiers": CRAFTSMAN},
        {
            "worker_id": "w-gap",
            "tiers": [{"rank": "seed", "since": "2020-01-01"}],
            "titles": [{"title_id": "t-x", "level": "county", "year": 2023}],
        },
        {"worker_id": "w-nobody", "tiers": CRAFTSMAN},
        {"worker_id": "w-craftsman", "tiers": CRAFTSMAN},
        {"worker_id": "w-future", "tiers": [{"rank": "chief", "since": "2099-01-01"}]},
        {"worker_id": "w-bad", "tiers": [{"rank": "grandmaster", "since": "2020-01-01"}]},
    ]
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        assert (await client.post("/regions", json=REGION)).status_code == 201
        assert (await client.post("/enterprises", json=ENTERPRISE)).status_code == 201
        for worker_id in ("w-city", "w-craftsman", "w-gap", "w-future"):
            assert (await client.post("/workers", json=hired(worker_id))).status_code == 201
        answer = await client.post("/careers/import", json={"items": items})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        again = await client.post("/careers/import", json={"items": items[1:2]})
        nominated = await client.post(
            "/workers/w-craftsman/nominations",
            json={"nomination_id": "n-1", "nominated_by": "e-1", "reason": "toolmaker", "level": "county"},
        )
    assert (body["accepted"], body["refused"]) == (2, 5), body
    refused = {item["index"]: item["reason"] for item in body["items"] if item["status"] == "refused"}
    assert "needs the enterprise tier craftsman" in refused[2]
    assert refused[3] == "worker w-nobody is not registered"
    assert refused[4] == "worker w-craftsman appears twice in the import: send one career each"
    assert refused[5] == "an imported record cannot be dated after today (2099-01-01)"
    assert refused[6].startswith("invalid: tiers.0.rank")
    assert [e["event_type"] for e in body["items"][0]["events"]] == ["TierPromoted"] * 2 + [
        "TitleConferred"
    ] * 2
    assert again.json()["items"][0]["reason"].startswith(
        "worker w-craftsman holds the craftsman tier already"
    )
    assert nominated.status_code == 201, nominated.text  # today's rules apply from here on

    # Nothing of a refused item was recorded; the accepted ones are on their workers' streams.
    assert await stored_types(engine, "w-gap") == ["WorkerRegistered"]
    assert await stored_types(engine, "w-city") == [
        "WorkerRegistered",
        *["TierPromoted"] * 2,
        *["TitleConferred"] * 2,
    ]
    async with UnitOfWork(session_factory(engine), EventStore(), producer="registry") as work:
        worker = await work.require(Worker, "w-city", "imported")
    assert worker.tier is TierRank.CRAFTSMAN
    assert worker.career.held_levels() == {TitleLevel.COUNTY, TitleLevel.CITY}
