"""The annual review sweep over HTTP on a real database (SQLite and Postgres): every tier and
title due on the day is reviewed or expires, per worker; a second run records nothing."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.db import session_factory
from contracts.catalog import decode
from contracts.events.registry import TitleConferred
from contracts.vocabulary import RegionKind, SkillLevel, TierRank, TitleLevel
from services.registry import handlers
from services.registry import selection_handlers as steps
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.domain import Worker
from services.registry.profiles import PROFILE_HANDLERS
from services.registry.read_models import worker_points
from services.registry.selection_commands import RegisterRegion
from services.registry.service import SPEC
from services.registry.talent import TALENT_HANDLERS
from tests.service_support import http_client, migrated, stored_envelopes, unit_of_work

REGIONS = [
    ("weifang", RegionKind.CITY, None),
    ("qingzhou", RegionKind.COUNTY, "weifang"),
    ("kuiwen", RegionKind.DISTRICT, "weifang"),
]
WORKERS = {  # worker: enterprise, craftsman since, points
    "w-kept": ("qz-cig", date(2024, 5, 1), 70),
    "w-lapsed": ("qz-cig", date(2024, 5, 1), 10),
    "w-term-over": ("qz-cig", date(2022, 5, 1), 90),
    "w-not-yet": ("qz-cig", date(2025, 3, 1), 70),
    "w-elsewhere": ("weichai", date(2024, 5, 1), 70),
}


async def project_streams(db: AsyncEngine, stream_type: str, ids: list[str]) -> None:
    """The talent and profile consumers' work, from the streams (Kafka is not running here)."""
    envelopes = [
        envelope for stream_id in ids for envelope in await stored_envelopes(db, stream_type, stream_id)
    ]
    async with session_factory(db)() as session, session.begin():
        for envelope in envelopes:
            event = decode(envelope)
            for table in (TALENT_HANDLERS, PROFILE_HANDLERS):
                if type(event) in table:
                    await table[type(event)](session, envelope, event)


async def city(engine: AsyncEngine) -> AsyncEngine:
    db = await migrated(engine, SPEC)
    for region_id, kind, parent in REGIONS:
        command = RegisterRegion(region_id=region_id, name=region_id, kind=kind, parent_id=parent)
        await steps.register_region(unit_of_work(db, SPEC), command)
    for enterprise, region in (("qz-cig", "qingzhou"), ("weichai", "kuiwen")):
        registration = RegisterEnterprise(
            enterprise_id=enterprise, name=enterprise, region_id=region, industry="x"
        )
        await handlers.register_enterprise(unit_of_work(db, SPEC), registration)
    for worker_id, (enterprise, since, points) in WORKERS.items():
        hire = RegisterWorker(
            worker_id=worker_id, enterprise_id=enterprise, trade="fitter", skill_level=SkillLevel.SENIOR
        )
        await handlers.register_worker(unit_of_work(db, SPEC), hire)
        async with unit_of_work(db, SPEC) as work:
            worker = await work.require(Worker, worker_id, "registered")
            worker.promote(
                TierRank.SEED, label="seed", effective_on=date(2020, 1, 1), reason="r", points=Decimal(0)
            )
            worker.promote(TierRank.CRAFTSMAN, label="c", effective_on=since, reason="r", points=Decimal(80))
            if worker_id == "w-kept":
                worker.record(
                    TitleConferred(
                        title_id="t-kept",
                        nomination_id="n-kept",
                        worker_id=worker_id,
                        enterprise_id=enterprise,
                        level=TitleLevel.COUNTY,
                        title_name="县级工匠",
                        conferred_by="qingzhou",
                        conferred_on=date(2021, 9, 1),
                        valid_until=date(2026, 9, 1),
                    )
                )
            await work.commit()
        async with session_factory(db)() as session, session.begin():
            await session.execute(worker_points.insert().values(worker_id=worker_id, points=points))
    await project_streams(db, "Enterprise", ["qz-cig", "weichai"])
    await project_streams(db, "Worker", list(WORKERS))
    return db


async def test_the_sweep_reviews_each_due_tier_and_title_once(engine: AsyncEngine) -> None:
    db = await city(engine)
    body = {"reviewed_on": "2025-11-01", "reviewed_by": "qingzhou-group", "region_id": "qingzhou"}
    county = Principal(Role.COUNTY_UNION, "qingzhou-union", region_id="qingzhou")
    async with http_client(db, SPEC, county) as client:
        first = await client.post("/reviews/annual", json=body)
        again = await client.post("/reviews/annual", json=body)
        elsewhere = await client.post("/reviews/annual", json={**body, "region_id": "kuiwen"})
    assert first.status_code == 200, first.text
    answers = {answer["worker_id"]: answer for answer in first.json()["workers"]}
    assert answers == {
        "w-kept": {"worker_id": "w-kept", "events": ["TierReviewed", "TitleReviewed"], "refused": None},
        "w-lapsed": {"worker_id": "w-lapsed", "events": ["TierExpired"], "refused": None},
        "w-term-over": {"worker_id": "w-term-over", "events": ["TierExpired"], "refused": None},
    }  # w-not-yet has no anniversary before November; w-elsewhere is not in 青州
    assert again.status_code == 200 and again.json()["workers"] == []
    assert elsewhere.status_code == 403
    lapsed = [e.event_type for e in await stored_envelopes(db, "Worker", "w-lapsed")]
    assert lapsed[-1] == "TierExpired" and lapsed.count("TierExpired") == 1
    expired = decode((await stored_envelopes(db, "Worker", "w-term-over"))[-1])
    assert getattr(expired, "reason", None) == "its term ended"


async def test_the_same_idempotency_key_replays_the_first_answer(engine: AsyncEngine) -> None:
    db = await city(engine)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"reviewed_on": "2025-11-01", "reviewed_by": "city-group"}
    async with http_client(db, SPEC) as client:
        first = await client.post("/reviews/annual", json=body, headers=key)
        replayed = await client.post("/reviews/annual", json=body, headers=key)
        reused = await client.post("/reviews/annual", json={**body, "reviewed_on": "2025-12-01"}, headers=key)
    assert first.status_code == 200 and len(first.json()["workers"]) == 4  # w-elsewhere too, city-wide
    assert replayed.status_code == 200 and replayed.json() == first.json()
    assert reused.status_code == 422
