"""The training service against a real database (SQLite and Postgres): commands, projections,
the inbox under redelivery, and the HTTP answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.errors import DomainRuleViolated
from chassis.eventstore.schema import events
from chassis.inbox import Delivery
from contracts.envelope import Envelope
from contracts.events.registry import WorkerRegistered
from contracts.events.training import TrainingCompleted
from services.training.commands import RecordCompletion
from services.training.handlers import record_completion
from services.training.projections import on_worker_registered
from services.training.queries import TrainingQueries
from services.training.read_models import known_workers, learning_records
from services.training.registers import apply_registers
from services.training.service import SPEC
from tests.service_support import (
    count_rows,
    event_of,
    eventually,
    http_client,
    inbox_consumer,
    live_runtime,
    migrated,
    record_of,
    registered,
    stored_envelopes,
    unit_of_work,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await migrated(engine, SPEC)


def completion(enrolment_id: str = "enr-1", worker_id: str = "w-1", hours: float = 16) -> RecordCompletion:
    return RecordCompletion(
        enrolment_id=enrolment_id,
        worker_id=worker_id,
        course_id="course-robotics",
        course_title="Industrial robot system operation",
        hours=hours,
        completed_on=date(2026, 11, 1),
        provider="Weifang model-worker & craftsman academy",
    )


async def project(db: AsyncEngine, envelope: Envelope) -> None:
    async with session_factory(db)() as session, session.begin():
        if envelope.event_type == WorkerRegistered.event_type:
            await on_worker_registered(session, envelope, event_of(envelope, WorkerRegistered))
        else:  # as the learning-records consumer applies it, bypassing the inbox
            event = event_of(envelope, TrainingCompleted)
            await apply_registers(session, [Delivery(record_of(envelope), envelope, event)])


async def test_a_completion_for_an_unknown_worker_is_refused(db: AsyncEngine) -> None:
    with pytest.raises(DomainRuleViolated, match="worker w-1 is not known to training yet"):
        await record_completion(unit_of_work(db, SPEC), completion())
    assert await count_rows(db, events) == 0


async def test_a_known_worker_completes_once(db: AsyncEngine) -> None:
    await project(db, registered("w-1", enterprise_id="ent-7"))
    (stored,) = await record_completion(unit_of_work(db, SPEC), completion())
    assert (stored.event_type, stored.tenant, stored.key, stored.producer) == (
        "TrainingCompleted",
        "ent-7",
        "w-1",
        "training",
    )
    assert stored.stream.type == "Enrolment"
    with pytest.raises(DomainRuleViolated, match="enrolment enr-1 was completed already"):
        await record_completion(unit_of_work(db, SPEC), completion())
    assert await count_rows(db, events) == 1


async def test_the_known_worker_projection_is_idempotent_under_redelivery(db: AsyncEngine) -> None:
    consumer = inbox_consumer(db, "training.workers", {WorkerRegistered: on_worker_registered})
    record = record_of(registered("w-1"), offset=41)
    first = await consumer.process([record])
    again = await consumer.process([record])
    assert (first.applied, first.duplicates) == (1, 0)
    assert (again.applied, again.duplicates, again.dead_letters) == (0, 1, [])
    assert await count_rows(db, known_workers) == 1
    async with session_factory(db)() as session:
        worker = await TrainingQueries(session).known_worker("w-1")
    assert worker is not None
    assert (worker.enterprise_id, worker.erased, worker.skill_level) == ("ent-1", False, "senior")


async def test_learning_record_projection_is_idempotent_and_sums_hours(db: AsyncEngine) -> None:
    await project(db, registered("w-1"))
    (first,) = await record_completion(unit_of_work(db, SPEC), completion("enr-1", hours=16))
    (second,) = await record_completion(unit_of_work(db, SPEC), completion("enr-2", hours=2.5))
    for envelope in (first, second, first):  # the first delivered twice, even without an inbox
        await project(db, envelope)
    assert await count_rows(db, learning_records) == 2
    async with session_factory(db)() as session:
        completions = await TrainingQueries(session).completions("w-1")
    assert [(c.enrolment_id, c.hours, c.event_id) for c in completions] == [
        ("enr-1", 16, str(first.event_id)),
        ("enr-2", 2.5, str(second.event_id)),
    ]


async def test_http_answers(db: AsyncEngine) -> None:
    body: dict[str, Any] = completion().model_dump(mode="json")
    async with http_client(db, SPEC) as client:
        refused = await client.post("/completions", json=body)
        assert refused.status_code == 422
        assert refused.json() == {
            "error": {"code": "rule_violated", "message": "worker w-1 is not known to training yet"}
        }
        assert (await client.get("/workers/w-1")).status_code == 404
        assert (await client.post("/completions", json={**body, "hours": 0})).status_code == 422

        await project(db, registered("w-1"))
        assert (await client.get("/workers/w-1")).json() == {
            "worker_id": "w-1",
            "enterprise_id": "ent-1",
            "erased": False,
            "skill_level": "senior",
        }
        created = await client.post(
            "/completions", json=body, headers={"Idempotency-Key": "0190a000-0000-7000-8000-0000000000aa"}
        )
        assert created.status_code == 201
        (accepted,) = created.json()["events"]
        assert accepted["event_type"] == "TrainingCompleted"
        assert (await client.post("/completions", json=body)).status_code == 422

        (stored,) = await stored_envelopes(db, "Enrolment", "enr-1")
        await project(db, stored)
        record = (await client.get("/workers/w-1/learning-record")).json()
    assert record["total_hours"] == 16
    (entry,) = record["completions"]
    assert entry["enrolment_id"] == "enr-1"
    assert entry["event_id"] == accepted["event_id"]
    assert entry["xapi"]["actor"]["account"]["name"] == "w-1" and "name" not in entry["xapi"]["actor"]
    assert entry["xapi"]["result"] == {"completion": True, "duration": "PT16H"}


@pytest.mark.kafka
async def test_on_real_kafka_a_registered_worker_completes_and_gets_a_learning_record(
    db: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        worker = registered("w-k", enterprise_id="ent-k")
        for _ in range(2):  # the registry's fact, and a redelivery of it
            await runtime.producer.send_and_wait(topic, worker.to_bytes(), key=b"w-k")

        async def known() -> bool:
            async with runtime.sessions() as session:
                return await TrainingQueries(session).known_worker("w-k") is not None

        await eventually(known)
        (completed,) = await record_completion(runtime.unit_of_work(), completion(worker_id="w-k"))

        async def recorded() -> bool:
            async with runtime.sessions() as session:
                return bool(await TrainingQueries(session).completions("w-k"))

        await eventually(recorded)  # relay → Kafka → the learning-records consumer
    async with session_factory(db)() as session:
        (entry,) = await TrainingQueries(session).completions("w-k")
    assert entry.event_id == str(completed.event_id)
    assert await count_rows(db, known_workers) == 1
    assert await count_rows(db, learning_records) == 1
