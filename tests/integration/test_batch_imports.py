"""Batch imports: one request, one transaction, an answer per item; all of it or none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import ConcurrencyError, EventStore
from chassis.eventstore.schema import events, outbox
from chassis.http import COMMAND_ATTEMPTS
from chassis.imports import Decision, import_batch
from chassis.inbox import Handler
from chassis.unit_of_work import UnitOfWork
from contracts.events.registry import WorkerRegistered
from services.registry import handlers
from services.registry.commands import RegisterWorker
from services.registry.imports import register_workers
from services.registry.service import SPEC
from tests.service_support import event_of, http_client, migrated, registered

pytestmark = pytest.mark.postgres

ENTERPRISE = {"enterprise_id": "e-1", "name": "Weichai", "region_id": "weifang", "industry": "engines"}


def worker(worker_id: str, enterprise_id: str = "e-1") -> dict[str, str]:
    return {
        "worker_id": worker_id,
        "enterprise_id": enterprise_id,
        "full_name": "Wang Jianguo",
        "trade": "fitter",
        "skill_level": "senior",
    }


async def count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_a_thousand_workers_in_one_request_with_an_answer_each(engine: AsyncEngine) -> None:
    items = [worker(f"w-{n:04d}") for n in range(1000)]
    items[10] = worker("w-0003")  # the same worker twice in one batch
    items[20] = worker("w-x", enterprise_id="nope")
    items[30] = {**worker("w-bad"), "skill_level": "wizard"}
    items[40] = worker("w-old")  # registered before the batch
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        assert (await client.post("/enterprises", json=ENTERPRISE)).status_code == 201
        assert (await client.post("/workers", json=worker("w-old"))).status_code == 201
        answer = await client.post("/workers/import", json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (996, 4)
    refused = {item["index"]: item["reason"] for item in body["items"] if item["status"] == "refused"}
    assert refused[10] == "worker w-0003 is registered already"
    assert refused[20] == "enterprise nope is not registered"
    assert refused[30].startswith("invalid: skill_level:")
    assert refused[40] == "worker w-old is registered already"
    accepted = [item for item in body["items"] if item["status"] == "accepted"]
    assert all(
        len(item["events"]) == 1 and item["events"][0]["event_type"] == "WorkerRegistered"
        for item in accepted
    )
    assert len({item["events"][0]["event_id"] for item in accepted}) == 996
    assert await count(engine, events) == await count(engine, outbox) == 2 + 996


async def test_an_empty_or_oversized_request_is_refused_whole(engine: AsyncEngine) -> None:
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        empty = await client.post("/workers/import", json={"items": []})
        huge = await client.post("/workers/import", json={"items": [worker("w")] * 10_001})
    assert empty.status_code == 422
    assert huge.status_code == 413  # past the body limit (1 MiB) before its 10,001 items are counted
    assert huge.json()["error"]["code"] == "payload_too_large"


async def test_a_batch_that_lost_a_race_is_decided_again_on_the_winners_facts(pg_engine: AsyncEngine) -> None:
    """Another writer registers one of the batch's workers after the batch decided: the run that
    lost stores nothing, and the next run refuses that worker and accepts the rest."""
    await migrated(pg_engine, SPEC)
    sessions, store = session_factory(pg_engine), EventStore()

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="registry")

    from services.registry.commands import RegisterEnterprise

    await handlers.register_enterprise(uow(), RegisterEnterprise.model_validate(ENTERPRISE))
    runs = [0]

    async def racing_once(work: UnitOfWork, commands: Sequence[RegisterWorker]) -> list[Decision]:
        runs[0] += 1
        decided = await register_workers(work, commands)
        if runs[0] == 1:  # after the batch's existence check, someone else registers one of its workers
            await handlers.register_worker(uow(), RegisterWorker.model_validate(worker("w-0500")))
        return decided

    answer = await import_batch(uow, RegisterWorker, [worker(f"w-{n:04d}") for n in range(1000)], racing_once)

    assert runs[0] == 2
    assert (answer.accepted, answer.refused) == (999, 1)
    assert answer.items[500].reason == "worker w-0500 is registered already"
    assert await count(pg_engine, events) == 2 + 999, "the enterprise, the racing worker and the rest once"


async def test_a_batch_that_keeps_colliding_fails_whole(pg_engine: AsyncEngine) -> None:
    await migrated(pg_engine, SPEC)
    sessions, store = session_factory(pg_engine), EventStore()

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, store, producer="registry")

    from services.registry.commands import RegisterEnterprise

    await handlers.register_enterprise(uow(), RegisterEnterprise.model_validate(ENTERPRISE))
    rivals = iter(range(1000))

    async def racing(work: UnitOfWork, commands: Sequence[RegisterWorker]) -> list[Decision]:
        decided = await register_workers(work, commands)
        # after each run's existence check, someone else registers one of its workers
        await handlers.register_worker(uow(), RegisterWorker.model_validate(worker(f"w-{next(rivals):04d}")))
        return decided

    with pytest.raises(ConcurrencyError):
        await import_batch(uow, RegisterWorker, [worker(f"w-{n:04d}") for n in range(1000)], racing)
    attempts = next(rivals)
    assert attempts == COMMAND_ATTEMPTS
    assert await count(pg_engine, events) == 1 + attempts, "the enterprise and the rivals, none of the batch"


async def known(engine: AsyncEngine, handler: Handler, *worker_ids: str) -> None:
    """The workers as the service's own projection of WorkerRegistered keeps them."""
    async with session_factory(engine)() as session, session.begin():
        for worker_id in worker_ids:
            envelope = registered(worker_id, enterprise_id="ent-7")
            await handler(session, envelope, event_of(envelope, WorkerRegistered))


def completion(enrolment_id: str, worker_id: str) -> dict[str, Any]:
    return {
        "enrolment_id": enrolment_id,
        "worker_id": worker_id,
        "course_id": "course-robotics",
        "course_title": "Industrial robot system operation",
        "hours": 16,
        "completed_on": "2026-11-01",
        "provider": "Weifang academy",
    }


async def test_completions_in_bulk(engine: AsyncEngine) -> None:
    from services.training.projections import on_worker_registered
    from services.training.service import SPEC as TRAINING

    db = await migrated(engine, TRAINING)
    await known(db, on_worker_registered, "w-1", "w-2")
    items = [completion(f"enr-{n}", f"w-{1 + n % 2}") for n in range(100)]
    items += [
        completion("enr-0", "w-1"),
        completion("enr-x", "w-9"),
        {**completion("enr-y", "w-1"), "hours": -1},
    ]
    async with http_client(db, TRAINING) as client:
        answer = await client.post("/completions/import", json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (100, 3)
    assert body["items"][100]["reason"].startswith("enrolment enr-0 was completed already")
    assert body["items"][101]["reason"] == "worker w-9 is not known to training yet"
    assert body["items"][102]["reason"].startswith("invalid: hours:")
    assert await count(db, events) == 100


async def test_marks_in_bulk(engine: AsyncEngine) -> None:
    from services.competitions.projections import on_worker_registered
    from services.competitions.service import SPEC as COMPETITIONS
    from tests.competitions_support import mark_items, prepare_over_http

    db = await migrated(engine, COMPETITIONS)
    entrants = [f"w-{n}" for n in range(10)]
    await known(db, on_worker_registered, *entrants)
    async with http_client(db, COMPETITIONS) as client:
        await prepare_over_http(client, "c-robots", entrants)
        before = await count(db, events)
        items = [item for n, w in enumerate(entrants) for item in mark_items(w, (1, 0.0, (n % 2, n % 2, 1)))]
        items += [
            {"entrant_id": "w-3", "aspect_id": "M1", "judge_id": "judge-a", "score": 1},
            {"entrant_id": "w-4", "aspect_id": "M9", "judge_id": "judge-a", "score": 1},
            {"entrant_id": "w-99", "aspect_id": "M1", "judge_id": "judge-a", "score": 1},
        ]
        answer = await client.post("/contests/c-robots/marks/import", json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (50, 3)
    reasons = [item["reason"] for item in body["items"][50:]]
    assert "marked aspect M1 of w-3 already" in reasons[0]
    assert reasons[1:] == [
        "unknown aspect M9 in contest c-robots",
        "w-99 is not an entrant of contest c-robots",
    ]
    assert await count(db, events) == before + 50
