"""POST /skill-certificates/import on SQLite and Postgres: many certificates in one request, one
transaction, an answer each, by the same rule as POST /skill-certificates; all of it or none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.db import session_factory
from chassis.eventstore import ConcurrencyError, EventStore
from chassis.eventstore.schema import events, outbox
from chassis.imports import Decision, import_batch
from chassis.unit_of_work import UnitOfWork
from contracts.events.registry import WorkerRegistered
from services.registry.imports import certify_skills
from services.registry.profiles import project_one
from services.registry.selection_commands import CertifySkill
from services.registry.selection_handlers import certify_skill
from services.registry.service import SPEC
from tests.service_support import event_of, http_client, migrated, registered

ENTERPRISES = [
    {"enterprise_id": e, "name": e, "region_id": "weifang", "industry": "engines"} for e in ("e-1", "e-2")
]
HR_OF_E1 = Principal(Role.ENTERPRISE_HR, "hr-e1", enterprise_id="e-1")


def hired(worker_id: str, enterprise_id: str = "e-1") -> dict[str, str]:
    return {
        "worker_id": worker_id,
        "enterprise_id": enterprise_id,
        "trade": "fitter",
        "skill_level": "junior",
    }


def certificate(worker_id: str, certificate_id: str, level: str = "senior") -> dict[str, str]:
    return {
        "worker_id": worker_id,
        "certificate_id": certificate_id,
        "skill_level": level,
        "occupation": "fitter",
        "issuer_id": "hr-bureau",
        "issuer_kind": "hr_bureau",
        "certified_on": "2024-05-01",
    }


async def count(engine: AsyncEngine, table: Any, event_type: str | None = None) -> int:
    query = select(func.count()).select_from(table)
    if event_type is not None:
        query = query.where(table.c.event_type == event_type)
    async with engine.connect() as connection:
        return int(await connection.scalar(query) or 0)


async def city_with_workers(engine: AsyncEngine, *workers: tuple[str, str]) -> None:
    """The enterprises and workers in the event store (and, for the scope checks, in the profiles)."""
    async with http_client(engine, SPEC) as client:
        for enterprise in ENTERPRISES:
            assert (await client.post("/enterprises", json=enterprise)).status_code == 201
        for worker_id, enterprise_id in workers:
            assert (await client.post("/workers", json=hired(worker_id, enterprise_id))).status_code == 201
    async with session_factory(engine)() as session, session.begin():
        for worker_id, enterprise_id in workers:
            envelope = registered(worker_id, enterprise_id=enterprise_id)
            await project_one(session, envelope, event_of(envelope, WorkerRegistered))


async def test_certificates_in_bulk_with_an_answer_each_and_a_resent_batch_changes_nothing(
    engine: AsyncEngine,
) -> None:
    await migrated(engine, SPEC)
    await city_with_workers(engine, ("w-1", "e-1"), ("w-2", "e-1"), ("w-3", "e-2"))
    items: list[dict[str, Any]] = [
        certificate("w-1", "c-1"),
        certificate("w-1", "c-1"),  # the same certificate twice in one batch
        certificate("w-1", "c-1b", "technician"),  # a second one of the same worker
        certificate("w-nobody", "c-x"),
        {**certificate("w-2", "c-bad"), "skill_level": "wizard"},
        certificate("w-2", "c-2"),  # recorded before, one by one
        certificate("w-3", "c-3"),
    ]
    async with http_client(engine, SPEC) as client:
        single = await client.post("/skill-certificates", json=certificate("w-2", "c-2"))
        assert single.status_code == 201, single.text
        answer = await client.post("/skill-certificates/import", json={"items": items})
        again = await client.post("/skill-certificates/import", json={"items": items})
        profile = await client.get("/workers/w-1/profile")
    assert answer.status_code == again.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (3, 4), body
    refused = {item["index"]: item["reason"] for item in body["items"] if item["status"] == "refused"}
    assert refused == {
        1: "certificate c-1 is recorded for worker w-1 already",
        3: "worker w-nobody is not registered",
        4: refused[4],
        5: "certificate c-2 is recorded for worker w-2 already",
    }
    assert refused[4].startswith("invalid: skill_level:")
    accepted = [item for item in body["items"] if item["status"] == "accepted"]
    assert [item["index"] for item in accepted] == [0, 2, 6]
    assert [[e["event_type"] for e in item["events"]] for item in accepted] == [["SkillLevelCertified"]] * 3
    assert (again.json()["accepted"], again.json()["refused"]) == (0, 7), "a re-sent batch adds nothing"
    assert await count(engine, events, "SkillLevelCertified") == 1 + 3
    assert await count(engine, outbox) == await count(engine, events)
    assert profile.status_code == 200


async def test_an_enterprise_certifies_its_own_workers_and_only_them(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    await city_with_workers(engine, ("w-1", "e-1"), ("w-3", "e-2"))
    async with http_client(engine, SPEC, principal=HR_OF_E1) as client:
        foreign = await client.post(
            "/skill-certificates/import",
            json={"items": [certificate("w-1", "c-1"), certificate("w-3", "c-3")]},
        )
        own = await client.post(
            "/skill-certificates/import",
            json={"items": [certificate("w-1", "c-1"), certificate("w-unseen", "c-u")]},
        )
    assert foreign.status_code == 403, foreign.text
    assert own.status_code == 200, own.text
    reasons = [item["reason"] for item in own.json()["items"]]
    # a worker the read models do not know yet may be anyone's: refused on its own, sent again later
    assert reasons == [None, "worker w-unseen is not known to the registry's profiles yet"]
    assert await count(engine, events, "SkillLevelCertified") == 1, "the refused request stored nothing"


@pytest.mark.postgres
async def test_a_batch_that_keeps_colliding_fails_whole(pg_engine: AsyncEngine) -> None:
    await migrated(pg_engine, SPEC)
    await city_with_workers(pg_engine, *((f"w-{n}", "e-1") for n in range(50)))
    sessions, store = session_factory(pg_engine), EventStore()

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="registry")

    rivals = iter(range(50))

    async def racing(work: UnitOfWork, commands: Sequence[CertifySkill]) -> list[Decision]:
        decided = await certify_skills(work, commands)
        # after each run loaded its workers, someone else certifies one of them
        rival = next(rivals)
        await certify_skill(uow(), CertifySkill.model_validate(certificate(f"w-{rival}", f"c-other-{rival}")))
        return decided

    with pytest.raises(ConcurrencyError):
        await import_batch(uow, CertifySkill, [certificate(f"w-{n}", f"c-{n}") for n in range(50)], racing)
    rivals_run = next(rivals)
    assert await count(pg_engine, events, "SkillLevelCertified") == rivals_run, (
        "the rivals, none of the batch"
    )
