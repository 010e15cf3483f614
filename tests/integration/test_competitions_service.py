"""The competitions service against a real database (SQLite and Postgres): commands,
projections, the inbox under redelivery, and the HTTP answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.errors import AlreadyExists, DomainRuleViolated, NotFound
from chassis.eventstore.schema import events
from chassis.inbox import Handler
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened, MarkRecorded
from contracts.events.registry import WorkerRegistered
from contracts.vocabulary import ContestLevel
from services.competitions import projections
from services.competitions.commands import ConcludeContest, OpenContest, RecordMark
from services.competitions.handlers import conclude_contest, open_contest, record_mark
from services.competitions.queries import CompetitionsQueries
from services.competitions.read_models import known_workers, results
from services.competitions.service import SPEC
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

HANDLERS: dict[type[Event], Handler] = {
    WorkerRegistered: projections.on_worker_registered,
    ContestOpened: projections.on_contest_opened,
    MarkRecorded: projections.on_mark_recorded,
    CompetitionScored: projections.on_competition_scored,
    ContestConcluded: projections.on_contest_concluded,
}


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await migrated(engine, SPEC)


def contest(contest_id: str = "c-robots") -> OpenContest:
    return OpenContest(
        contest_id=contest_id,
        title="Industrial robot system operation",
        trade="robotics",
        level=ContestLevel.CITY,
        organiser_id="wf-federation",
        region_id="weifang",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 6, 3),
        theory_weight=0.3,
    )


async def project(db: AsyncEngine, *envelopes: Envelope) -> None:
    async with session_factory(db)() as session, session.begin():
        for envelope in envelopes:
            kind = next(kind for kind in HANDLERS if kind.event_type == envelope.event_type)
            await HANDLERS[kind](session, envelope, event_of(envelope, kind))


async def mark(db: AsyncEngine, worker_id: str, raw_score: float) -> list[Envelope]:
    command = RecordMark(contest_id="c-robots", worker_id=worker_id, raw_score=raw_score)
    return await record_mark(unit_of_work(db, SPEC), command)


async def conclude(db: AsyncEngine) -> list[Envelope]:
    command = ConcludeContest(contest_id="c-robots", concluded_on=date(2026, 6, 3))
    return await conclude_contest(unit_of_work(db, SPEC), command)


async def leaderboard(db: AsyncEngine, contest_id: str = "c-robots") -> dict[str, Any] | None:
    async with session_factory(db)() as session:
        return await CompetitionsQueries(session).leaderboard(contest_id)


async def test_a_mark_needs_an_open_contest_and_a_known_worker(db: AsyncEngine) -> None:
    command = RecordMark(contest_id="c-robots", worker_id="w-1", raw_score=80)
    with pytest.raises(NotFound, match="contest c-robots"):
        await record_mark(unit_of_work(db, SPEC), command)
    with pytest.raises(NotFound, match="contest c-robots"):
        await conclude(db)
    await open_contest(unit_of_work(db, SPEC), contest())
    with pytest.raises(AlreadyExists):
        await open_contest(unit_of_work(db, SPEC), contest())
    with pytest.raises(DomainRuleViolated, match="worker w-1 is not known to competitions yet"):
        await record_mark(unit_of_work(db, SPEC), command)
    assert await count_rows(db, events) == 1


async def test_marks_are_recorded_once_and_scored_together_at_the_conclusion(db: AsyncEngine) -> None:
    await project(
        db,
        registered("w-1", enterprise_id="ent-1"),
        registered("w-2", enterprise_id="ent-2"),
        registered("w-3", enterprise_id="ent-1"),
        registered("w-4", enterprise_id="ent-2"),
    )
    (opened,) = await open_contest(unit_of_work(db, SPEC), contest())
    assert (opened.tenant, opened.key) == ("weifang", "c-robots")
    (first,) = await mark(db, "w-1", 70)
    assert (first.event_type, first.key, first.payload["enterprise_id"]) == ("MarkRecorded", "w-1", "ent-1")
    with pytest.raises(DomainRuleViolated, match="marked already"):
        await mark(db, "w-1", 99)
    await mark(db, "w-2", 90)
    await mark(db, "w-3", 50)
    *scores, concluded = await conclude(db)
    assert [(e.event_type, e.key, e.payload["rank"], e.payload["medal"]) for e in scores] == [
        ("CompetitionScored", "w-2", 1, "gold"),
        ("CompetitionScored", "w-1", 2, "silver"),
        ("CompetitionScored", "w-3", 3, "bronze"),
    ]
    assert [e.payload["standardised_score"] for e in scores] == [720, 700, 680]  # median 70, MAD 20
    assert scores[0].payload["enterprise_id"] == "ent-2"
    assert concluded.event_type == "ContestConcluded"
    assert (concluded.payload["entrant_count"], concluded.payload["scored_count"]) == (3, 3)
    assert [e.stream_version for e in (*scores, concluded)] == [5, 6, 7, 8]
    assert len({e.correlation_id for e in (*scores, concluded)}) == 1, "one command, one append"
    with pytest.raises(DomainRuleViolated, match="concluded"):
        await conclude_contest(unit_of_work(db, SPEC), ConcludeContest(contest_id="c-robots"))
    with pytest.raises(DomainRuleViolated, match="concluded"):
        await mark(db, "w-4", 80)  # known, never marked: too late
    assert await count_rows(db, events) == 8


async def test_a_contest_without_marks_concludes_with_no_results(db: AsyncEngine) -> None:
    await open_contest(unit_of_work(db, SPEC), contest())
    (concluded,) = await conclude(db)
    assert (concluded.event_type, concluded.payload["entrant_count"]) == ("ContestConcluded", 0)


async def test_the_leaderboard_shows_marks_then_results_and_ignores_redelivery(db: AsyncEngine) -> None:
    await project(db, registered("w-1"), registered("w-2"))
    stored = await open_contest(unit_of_work(db, SPEC), contest())
    for worker, raw in (("w-1", 70.0), ("w-2", 88.5)):
        stored += await mark(db, worker, raw)
    await project(db, *stored)
    board = await leaderboard(db)
    assert board is not None
    assert board["concluded_on"] is None
    assert [
        (r["worker_id"], r["raw_score"], r["standardised_score"], r["rank"], r["medal"])
        for r in board["results"]
    ] == [("w-2", 88.5, None, None, None), ("w-1", 70.0, None, None, None)]

    stored += await conclude(db)
    await project(db, *stored)
    await project(db, *stored)  # applied twice, as a replay without the inbox would: marks blank nothing
    board = await leaderboard(db)
    assert board is not None
    assert (board["title"], board["level"], board["concluded_on"]) == (
        "Industrial robot system operation",
        "city",
        date(2026, 6, 3),
    )
    assert [
        (r["worker_id"], r["erased"], r["raw_score"], r["standardised_score"], r["rank"], r["medal"])
        for r in board["results"]
    ] == [
        ("w-2", False, 88.5, 720, 1, "gold"),  # two entrants: median 79.25, MAD 9.25
        ("w-1", False, 70.0, 680, 2, "silver"),
    ]
    assert await count_rows(db, results) == 2
    assert await leaderboard(db, "c-unknown") is None


async def test_a_result_seen_before_its_mark_is_not_overwritten_by_the_mark(db: AsyncEngine) -> None:
    await project(db, registered("w-1"), registered("w-2"))
    stored = await open_contest(unit_of_work(db, SPEC), contest())
    marks = await mark(db, "w-1", 60.0) + await mark(db, "w-2", 80.0)
    stored += await conclude(db)
    await project(db, *stored, *marks)
    board = await leaderboard(db)
    assert board is not None
    assert [(r["worker_id"], r["rank"], r["medal"]) for r in board["results"]] == [
        ("w-2", 1, "gold"),
        ("w-1", 2, "silver"),
    ]


async def test_the_known_worker_projection_is_idempotent_under_redelivery(db: AsyncEngine) -> None:
    consumer = inbox_consumer(
        db, "competitions.workers", {WorkerRegistered: projections.on_worker_registered}
    )
    record = record_of(registered("w-1", enterprise_id="ent-9"), offset=7)
    first = await consumer.process([record, record])  # a twin inside one batch, too
    again = await consumer.process([record])
    assert (first.applied, first.duplicates) == (1, 1)
    assert (again.applied, again.duplicates, again.dead_letters) == (0, 1, [])
    assert await count_rows(db, known_workers) == 1
    async with session_factory(db)() as session:
        worker = await CompetitionsQueries(session).known_worker("w-1")
    assert worker is not None
    assert (worker.enterprise_id, worker.erased) == ("ent-9", False)


async def test_http_answers(db: AsyncEngine) -> None:
    async with http_client(db, SPEC) as client:
        body = contest().model_dump(mode="json")
        assert (await client.post("/contests", json={**body, "ends_on": "2026-05-01"})).status_code == 422
        assert (await client.post("/contests", json={**body, "theory_weight": 0.5})).status_code == 422
        created = await client.post("/contests", json=body)
        assert created.status_code == 201
        assert [e["event_type"] for e in created.json()["events"]] == ["ContestOpened"]
        assert (await client.post("/contests", json=body)).status_code == 409

        result = {"worker_id": "w-1", "raw_score": 81.5}
        marked = {"worker_id": "w-2", "raw_score": 70.0, "judged_by": "panel-a"}
        refused = await client.post("/contests/c-robots/results", json=result)
        assert refused.status_code == 422
        assert refused.json()["error"]["message"] == "worker w-1 is not known to competitions yet"
        assert (await client.post("/contests/c-nowhere/results", json=result)).status_code == 404
        assert (
            await client.post("/contests/c-robots/results", json={**result, "raw_score": 101})
        ).status_code == 422
        assert (await client.get("/workers/w-1")).status_code == 404

        await project(db, registered("w-1"), registered("w-2"))
        assert (await client.get("/workers/w-1")).json() == {
            "worker_id": "w-1",
            "enterprise_id": "ent-1",
            "erased": False,
            "skill_level": None,  # competitions keeps no skill level
        }
        recorded = await client.post("/contests/c-robots/results", json=result)
        assert recorded.status_code == 201
        assert [e["event_type"] for e in recorded.json()["events"]] == ["MarkRecorded"]
        assert (await client.post("/contests/c-robots/results", json=result)).status_code == 422
        assert (await client.post("/contests/c-robots/results", json=marked)).status_code == 201
        assert (await client.post("/contests/c-nowhere/conclusion", json={})).status_code == 404
        assert (
            await client.post("/contests/c-robots/conclusion", json={"concluded_on": "someday"})
        ).status_code == 422
        concluded = await client.post("/contests/c-robots/conclusion", json={"concluded_on": "2026-06-03"})
        assert concluded.status_code == 201
        assert [e["event_type"] for e in concluded.json()["events"]] == [
            "CompetitionScored",
            "CompetitionScored",
            "ContestConcluded",
        ]
        assert (await client.post("/contests/c-robots/conclusion")).status_code == 422  # no body: today
        assert (await client.post("/contests/c-robots/results", json=result)).status_code == 422

        assert (
            await client.get("/contests/c-robots/leaderboard")
        ).status_code == 404  # nothing projected yet
        await project(db, *await stored_envelopes(db, "Contest", "c-robots"))
        board = (await client.get("/contests/c-robots/leaderboard")).json()
    assert board["concluded_on"] == "2026-06-03"
    assert [(r["worker_id"], r["standardised_score"], r["rank"], r["medal"]) for r in board["results"]] == [
        ("w-1", 720, 1, "gold"),
        ("w-2", 680, 2, "silver"),
    ]
    stored = await stored_envelopes(db, "Contest", "c-robots")
    assert stored[2].payload["judged_by"] == "panel-a"


@pytest.mark.kafka
async def test_on_real_kafka_marks_and_results_reach_the_leaderboard(
    db: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        for worker in (registered("w-k1", enterprise_id="ent-1"), registered("w-k2", enterprise_id="ent-2")):
            await runtime.producer.send_and_wait(topic, worker.to_bytes(), key=worker.key.encode())

        async def both_known() -> bool:
            return await count_rows(db, known_workers) == 2

        await eventually(both_known)
        await open_contest(runtime.unit_of_work(), contest())
        for marked, raw in (("w-k1", 64.0), ("w-k2", 71.5)):
            await record_mark(
                runtime.unit_of_work(), RecordMark(contest_id="c-robots", worker_id=marked, raw_score=raw)
            )

        async def both_marked() -> bool:
            board = await leaderboard(db)
            return board is not None and len(board["results"]) == 2

        await eventually(both_marked)  # relay → Kafka → the leaderboards consumer
        await conclude_contest(runtime.unit_of_work(), ConcludeContest(contest_id="c-robots"))

        async def both_scored() -> bool:
            board = await leaderboard(db)
            return board is not None and all(r["rank"] is not None for r in board["results"])

        await eventually(both_scored)
    board = await leaderboard(db)
    assert board is not None
    assert [(r["worker_id"], r["enterprise_id"], r["rank"], r["medal"]) for r in board["results"]] == [
        ("w-k2", "ent-2", 1, "gold"),
        ("w-k1", "ent-1", 2, "silver"),
    ]
