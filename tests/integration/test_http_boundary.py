"""The HTTP boundary every service shares (shown on the registry and competitions): the one
error shape, idempotent retries of any size and at the same time, the body limit, NUL
characters, and the caller's correlation id on the stored events."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth_http import PUBLIC
from chassis.eventstore.schema import events, idempotency
from chassis.service import ServiceSpec, http_app
from chassis.settings import ServiceSettings
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.vocabulary import CertificateIssuerKind, ContestLevel, SkillLevel
from services.competitions.commands import OpenContest
from services.competitions.domain import Competitor, Contest
from services.competitions.handlers import open_contest
from services.competitions.service import SPEC as COMPETITIONS
from services.registry import handlers as registry_handlers
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.handlers import nominate_worker, register_enterprise, register_worker
from services.registry.selection_commands import CertifySkill
from services.registry.selection_handlers import certify_skill
from services.registry.service import SPEC
from tests.competitions_support import small_scheme
from tests.service_support import http_client, http_service, migrated, unit_of_work

pytestmark = pytest.mark.postgres

ENTERPRISE = {
    "enterprise_id": "weichai",
    "name": "Weichai Power",
    "region_id": "kuiwen",
    "industry": "equipment",
}


def is_error_shape(answer: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) <= {"code", "message", "rule", "field"} and {"code", "message"} <= set(error), error
    if code is not None:
        assert error["code"] == code, error
    return error


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


async def test_bad_requests_get_one_error_shape_that_says_what_is_wrong(engine: AsyncEngine) -> None:
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
        no_roster = await client.get("/enterprises/nope/roster")  # not an empty 200
        no_route = await client.get("/nowhere")
        wrong_method = await client.delete("/enterprises")
        await client.post("/enterprises", json=ENTERPRISE)
        twice = await client.post("/enterprises", json=ENTERPRISE)
    is_error_shape(malformed, 400, "malformed_json")
    assert is_error_shape(invalid, 422, "invalid_request")["field"] == "body.worker_id"
    assert "body.trade: Field required" in invalid.json()["error"]["message"]
    rule = is_error_shape(unknown_enterprise, 422, "rule_violated")
    assert "nope is not registered" in rule["message"]
    is_error_shape(missing, 404, "not_found")
    assert "nope is not registered" in is_error_shape(no_roster, 404, "not_found")["message"]
    is_error_shape(no_route, 404, "not_found")
    is_error_shape(wrong_method, 405, "method_not_allowed")
    is_error_shape(twice, 409, "already_exists")


async def test_a_422_never_echoes_the_whole_input(engine: AsyncEngine) -> None:
    huge = "x" * 200_000
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        answer = await client.post("/enterprises", json={**ENTERPRISE, "name": huge, "region_id": huge})
    error = is_error_shape(answer, 422, "invalid_request")
    assert len(answer.content) < 1_000, "a short excerpt at most"
    assert error["field"] == "body.name"


async def test_a_body_over_the_limit_gets_413(engine: AsyncEngine) -> None:
    settings = ServiceSettings(service_name=SPEC.name, max_request_bytes=4096)
    app = http_service(await migrated(engine, SPEC), SPEC, settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        declared = await client.post("/enterprises", json={**ENTERPRISE, "name": "n" * 5000})

        async def chunks() -> Any:  # no Content-Length: the limit counts the bytes as they come
            for _ in range(10):
                yield b" " * 1000

        streamed = await client.post("/enterprises", content=chunks())
    is_error_shape(declared, 413, "payload_too_large")
    is_error_shape(streamed, 413, "payload_too_large")
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(events)) == 0


@pytest.mark.parametrize(
    ("where", "request_of"),
    [
        ("body.name", lambda c: c.post("/enterprises", json={**ENTERPRISE, "name": "Wei\x00chai"})),
        (
            "body.tier_labels.seed",
            lambda c: c.post("/enterprises", json={**ENTERPRISE, "tier_labels": {"seed": "a\x00"}}),
        ),
        ("path", lambda c: c.get("/workers/w%001/profile")),
        ("query.enterprise_id", lambda c: c.get("/workers/w-1/profile?enterprise_id=a%00b")),
        ("header.x-note", lambda c: c.get("/health", headers=[("x-note", "a\x00b")])),
    ],
)
async def test_a_nul_character_anywhere_gets_422_naming_where(
    engine: AsyncEngine, where: str, request_of: Any
) -> None:
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        answer = await request_of(client)
    assert is_error_shape(answer, 422, "invalid_character")["field"] == where


async def test_the_same_idempotency_key_twice_acts_once(engine: AsyncEngine) -> None:
    key = str(uuid.uuid4())
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        first = await client.post("/enterprises", json=ENTERPRISE, headers={"Idempotency-Key": key})
        again = await client.post("/enterprises", json=ENTERPRISE, headers={"Idempotency-Key": key})
        other = await client.post("/enterprises", json=ENTERPRISE)
    assert first.status_code == 201 and first.json()["replayed"] is False
    assert again.status_code == 200 and again.json()["replayed"] is True, again.text
    assert again.json()["events"] == first.json()["events"], "the first answer, not a second effect"
    is_error_shape(other, 409, "already_exists")
    async with engine.connect() as connection:
        assert len((await connection.execute(select(events.c.event_id))).all()) == 1


async def test_a_key_used_for_another_request_is_refused(engine: AsyncEngine) -> None:
    key = str(uuid.uuid4())
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        first = await client.post("/enterprises", json=ENTERPRISE, headers={"Idempotency-Key": key})
        other = {**ENTERPRISE, "enterprise_id": "haier"}
        reused = await client.post("/enterprises", json=other, headers={"Idempotency-Key": key})
        # The same request spelled differently is the same request.
        respelled = await client.post(
            "/enterprises",
            content=b'{"industry": "equipment", "region_id": "kuiwen", "name": "Weichai Power",'
            b' "enterprise_id": "weichai"}',
            headers={"Idempotency-Key": key, "content-type": "application/json"},
        )
    assert first.status_code == 201
    assert "another request" in is_error_shape(reused, 422, "idempotency_key_reused")["message"]
    assert respelled.status_code == 200 and respelled.json()["events"] == first.json()["events"]
    async with engine.connect() as connection:
        assert len((await connection.execute(select(events.c.event_id))).all()) == 1


@pytest.mark.parametrize("key", ["null", "", "not-a-uuid"])
async def test_an_idempotency_key_must_be_a_uuid(engine: AsyncEngine, key: str) -> None:
    async with http_client(await migrated(engine, SPEC), SPEC) as client:
        answer = await client.post("/enterprises", json=ENTERPRISE, headers={"Idempotency-Key": key})
    assert is_error_shape(answer, 422, "invalid_request")["field"] == "header.Idempotency-Key"
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(events)) == 0


async def test_a_command_of_a_thousand_events_replays_whole(engine: AsyncEngine) -> None:
    """Standardising a contest of 1,000 entrants stores 1,001 events; its key replays all of them."""
    db = await migrated(engine, COMPETITIONS)
    await open_contest(
        unit_of_work(db, COMPETITIONS),
        OpenContest(
            contest_id="c-big",
            title="Welding",
            trade="welding",
            level=ContestLevel.CITY,
            organiser_id="federation",
            region_id="weifang",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 6, 3),
        ),
    )
    entrants = [f"w-{n:04}" for n in range(1000)]
    day = date(2026, 6, 1)
    async with unit_of_work(db, COMPETITIONS) as uow:  # the contest up to its locked marks, in one command
        contest = await uow.require(Contest, "c-big", "no contest")
        contest.lock_scheme(small_scheme())
        for judge in ("judge-a", "judge-b", "judge-c"):
            contest.assign_judge(judge, enterprise_id=None, aspect_ids=[])
        contest.open_registration(day)
        for worker_id in entrants:
            contest.register(worker_id, [Competitor(worker_id, "weichai", "welding")], day)
        contest.start(day)
        contest.start_marking(day)
        contest.lock_marks(day, mark_count=0, open_discrepancies=0)
        await uow.commit()

    key = str(uuid.uuid4())
    body = {"tie_margin": 0}
    async with http_client(db, COMPETITIONS) as client:
        first = await client.post(
            "/contests/c-big/standardisation", json=body, headers={"Idempotency-Key": key}
        )
        again = await client.post(
            "/contests/c-big/standardisation", json=body, headers={"Idempotency-Key": key}
        )
    assert first.status_code == 201, first.text
    assert len(first.json()["events"]) == 1001
    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "replayed": True}


@pytest.mark.slow
async def test_concurrent_requests_with_one_key_all_get_the_first_answer(pg_engine: AsyncEngine) -> None:
    """40 pairs, each pair sent at the same time with one key (a client retrying after a
    timeout while the first is still running): every answer is the stored answer."""
    db = await migrated(pg_engine, SPEC)
    await register_enterprise(unit_of_work(db, SPEC), RegisterEnterprise(**ENTERPRISE))
    workers = [f"w-{n}" for n in range(40)]
    for worker_id in workers:
        await register_worker(
            unit_of_work(db, SPEC),
            RegisterWorker(
                worker_id=worker_id,
                enterprise_id="weichai",
                full_name="Li Na",
                trade="fitter",
                skill_level=SkillLevel.SENIOR,
            ),
        )
    keys = {worker_id: str(uuid.uuid4()) for worker_id in workers}

    async with http_client(db, SPEC) as client:

        async def nominate(worker_id: str) -> httpx.Response:
            return await client.post(
                f"/workers/{worker_id}/nominations",
                json={"nomination_id": f"n-{worker_id}", "nominated_by": "hr", "reason": "skilled"},
                headers={"Idempotency-Key": keys[worker_id]},
            )

        answers = await asyncio.gather(*(nominate(w) for w in workers for _ in range(2)))

    by_worker: dict[str, list[httpx.Response]] = {}
    for worker_id, answer in zip([w for w in workers for _ in range(2)], answers, strict=True):
        by_worker.setdefault(worker_id, []).append(answer)
    for worker_id, (one, two) in by_worker.items():
        assert {one.status_code, two.status_code} <= {200, 201}, (worker_id, one.text, two.text)
        assert one.json()["events"] == two.json()["events"], worker_id
    async with db.connect() as connection:
        nominations = await connection.scalar(
            select(func.count()).select_from(events).where(events.c.event_type == "WorkerNominated")
        )
        recorded = await connection.scalar(select(func.count()).select_from(idempotency))
    assert (nominations, recorded) == (40, 40)


async def test_an_unexpected_failure_keeps_the_shape_and_says_nothing_inside() -> None:
    routes = APIRouter()

    @routes.get("/boom", dependencies=[PUBLIC])
    async def boom() -> None:
        raise RuntimeError("secret connection string postgres://user:pw@host")

    transport = httpx.ASGITransport(app=http_app(ServiceSpec("test", routes)), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/boom")
    assert "secret" not in is_error_shape(answer, 500, "internal_error")["message"]


@pytest.mark.parametrize("keyed", [False, True], ids=["no-key", "idempotency-key"])
async def test_a_command_that_loses_a_race_to_a_policy_runs_again_on_the_winners_facts(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    """Between the nomination's read of the worker and its append, another writer (here a
    certificate, as the ladder policy or another replica would write it) appends to the same
    stream. No client named a version, so the conflict is not the caller's: the boundary runs
    the command again on the new facts and answers 201 (it answered 409). Postgres only: SQLite holds its one writer's lock from read to append,
    so no rival can come between."""
    db = await migrated(pg_engine, SPEC)
    await register_enterprise(unit_of_work(db, SPEC), RegisterEnterprise(**ENTERPRISE))
    hire = RegisterWorker(
        worker_id="w-1",
        enterprise_id="weichai",
        full_name="Li Na",
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
    )
    await register_worker(unit_of_work(db, SPEC), hire)
    runs = 0

    async def racing(
        uow: UnitOfWork, command: NominateWorker, command_id: uuid.UUID | None
    ) -> list[Envelope]:
        nonlocal runs
        runs += 1
        if runs == 1:
            commit = uow.commit

            async def rival_first(**ids: Any) -> list[Envelope]:
                rival = CertifySkill(
                    worker_id="w-1",
                    certificate_id="cert-1",
                    skill_level=SkillLevel.TECHNICIAN,
                    occupation="fitter",
                    issuer_id="hr-bureau",
                    issuer_kind=CertificateIssuerKind.HR_BUREAU,
                    certified_on=date(2026, 3, 1),
                )
                await certify_skill(unit_of_work(db, SPEC), rival)
                return await commit(**ids)

            uow.commit = rival_first  # type: ignore[method-assign]
        return await nominate_worker(uow, command, command_id)

    monkeypatch.setattr(registry_handlers, "nominate_worker", racing)
    headers = {"Idempotency-Key": str(uuid.uuid4())} if keyed else {}
    async with http_client(db, SPEC) as client:
        answer = await client.post(
            "/workers/w-1/nominations",
            json={"nomination_id": "n-1", "nominated_by": "hr", "reason": "skilled"},
            headers=headers,
        )
    assert answer.status_code == 201, answer.text
    assert runs == 2
    async with db.connect() as connection:
        stream = (
            (
                await connection.execute(
                    select(events.c.event_type)
                    .where(events.c.stream_type == "Worker", events.c.stream_id == "w-1")
                    .order_by(events.c.stream_version)
                )
            )
            .scalars()
            .all()
        )
        recorded = await connection.scalar(select(func.count()).select_from(idempotency))
    assert stream == ["WorkerRegistered", "SkillLevelCertified", "WorkerNominated"]
    assert recorded == (1 if keyed else 0)


async def test_a_busy_database_is_a_503_to_send_again_not_a_failure() -> None:
    """SQLite's one writer past its lock wait (a province's contests met it 304 times): the request
    was fine and the same one later will do, so 503 with Retry-After, in the one shape."""
    routes = APIRouter()

    @routes.post("/busy", dependencies=[PUBLIC])
    async def busy() -> None:
        locked = sqlite3.OperationalError("database is locked")
        raise OperationalError("BEGIN IMMEDIATE", None, locked)

    transport = httpx.ASGITransport(app=http_app(ServiceSpec("test", routes)), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post("/busy")
    assert "send the request again" in is_error_shape(answer, 503, "unavailable")["message"]
    assert answer.headers["Retry-After"] == "1"
