"""The competitions service against a real database (SQLite and Postgres): the contest's
lifecycle over HTTP, every refusal naming its rule and changing nothing, the batch of marks,
projections and read models (provisional and final boards, export, workloads, history)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore.schema import events
from chassis.eventstore.store import envelope_of_row
from contracts.envelope import Envelope
from contracts.events.registry import WorkerForgotten, WorkerRegistered
from services.competitions import projections
from services.competitions.queries import CompetitionsQueries
from services.competitions.read_models import known_workers
from services.competitions.service import SPEC
from tests.competitions_support import expect, finish_over_http, mark_items, prepare_over_http
from tests.service_support import (
    apply_as_a_batch,
    count_rows,
    event_of,
    http_client,
    inbox_consumer,
    migrated,
    record_of,
    registered,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await migrated(engine, SPEC)


async def project(db: AsyncEngine, envelopes: list[Envelope]) -> None:
    """Apply stored events to the read models, as the leaderboards consumer does."""
    async with session_factory(db)() as session, session.begin():
        await apply_as_a_batch(session, projections.LEADERBOARD_HANDLERS, envelopes)


async def everything(db: AsyncEngine) -> list[Envelope]:
    async with session_factory(db)() as session:
        rows = await session.execute(select(events).order_by(events.c.position))
        return [envelope_of_row(row._mapping) for row in rows]


async def event_count(db: AsyncEngine) -> int:
    async with session_factory(db)() as session:
        return int(await session.scalar(select(func.count()).select_from(events)) or 0)


async def know(db: AsyncEngine, *workers: tuple[str, str]) -> None:
    async with session_factory(db)() as session, session.begin():
        for worker, enterprise in workers:
            envelope = registered(worker, enterprise_id=enterprise)
            await projections.on_worker_registered(session, envelope, event_of(envelope, WorkerRegistered))


async def test_the_lifecycle_over_http_refuses_each_bad_input_by_its_rule_and_changes_nothing(
    db: AsyncEngine,
) -> None:
    await know(db, ("w-1", "ent-1"), ("w-2", "ent-2"), ("w-3", "ent-3"), ("w-9", "ent-1"))
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            known_workers.update().where(known_workers.c.worker_id == "w-9").values(trade="welding")
        )
    async with http_client(db, SPEC) as client:
        base = "/contests/c-1"
        await prepare_over_http(client, "c-1", ["w-1", "w-2", "w-3"], judge_enterprise="ent-1")

        async def refused(path: str, body: dict[str, Any], words: str, status: int = 422) -> None:
            before = await event_count(db)
            answer = await client.post(path, json=body)
            assert answer.status_code == status, answer.text
            assert words in answer.json()["error"]["message"], answer.json()
            assert await event_count(db) == before  # nothing changed

        mark = {"entrant_id": "w-2", "aspect_id": "J1", "judge_id": "judge-b", "score": 2}
        await refused(f"{base}/marks", {**mark, "score": 4}, "mark out of range")
        await refused(f"{base}/marks", {**mark, "aspect_id": "X"}, "unknown aspect X")
        await refused(f"{base}/marks", {**mark, "judge_id": "judge-z"}, "judge not assigned")
        await refused(
            f"{base}/marks", {**mark, "entrant_id": "w-1", "judge_id": "judge-a"}, "conflict of interest"
        )
        await refused(f"{base}/entrants", {"worker_ids": ["w-9"]}, "registration is open")
        await refused("/contests/c-nowhere/marks", mark, "does not exist", 404)
        await expect(client, f"{base}/marks", mark)

        # A batch: per-item answers, accepted ones in one transaction.
        items = [*mark_items("w-3", (1, 0.0, (3, 1, 2))), {**mark, "score": 9}, {"entrant_id": "w-2"}]
        answer = await expect(client, f"{base}/marks/import", {"items": items}, 200)
        assert (answer["accepted"], answer["refused"]) == (5, 2), answer
        assert [e["event_type"] for e in answer["items"][3]["events"]] == [
            "MarkRecorded",
            "JudgementDiscrepancyFlagged",
        ], answer
        assert "mark out of range" in answer["items"][5]["reason"]
        assert answer["items"][6]["reason"].startswith("invalid:")

        await refused(f"{base}/marks/lock", {}, "open judgement discrepancy")
        await expect(
            client,
            f"{base}/discrepancy-resolutions",
            {
                "entrant_id": "w-3",
                "aspect_id": "J1",
                "scores": {"judge-a": 2, "judge-b": 2, "judge-c": 2},
                "resolved_by": "chief",
            },
        )
        await expect(client, f"{base}/marks/lock", {"on": "2026-06-03"})
        await refused(f"{base}/marks", {**mark, "judge_id": "judge-c"}, "no mark after the lock")
        standardised = await expect(client, f"{base}/standardisation", {"prize_classes": True})
        assert [e["event_type"] for e in standardised["events"]] == ["ResultsStandardised"] + [
            "CompetitionScored"
        ] * 3
        await refused(f"{base}/ratification", {}, "after its results were publicised")
        await expect(
            client, f"{base}/publicity", {"publicised_on": "2026-06-04", "objections_until": "2026-06-10"}
        )
        ratified = await expect(client, f"{base}/ratification", {"on": "2026-06-11"})
        assert [e["event_type"] for e in ratified["events"]] == [
            "ContestConcluded",
            *["PromotionEntitlementGranted"] * 3,
        ]

        await project(db, await everything(db))
        board = (await client.get(f"{base}/leaderboard")).json()
        # w-3: M1 40 + M2 (deviation 0 within tolerance) 30 + J1 (2,2,2) 20 = 90; w-2: J1 (2) 20; w-1: nothing.
        assert [(r["worker_id"], r["raw_score"], r["rank"], r["medal"]) for r in board["results"]] == [
            ("w-3", 90.0, 1, "gold"),
            ("w-2", 20.0, 2, "silver"),
            ("w-1", 0.0, 3, "bronze"),
        ]
        assert (board["provisional"], board["phase"]) == (False, "ratified")
        workload = (await client.get(f"{base}/judges/judge-b/workload")).json()
        assert (workload["marks_recorded"], workload["outstanding_discrepancies"]) == (3, [])
        history = (await client.get("/workers/w-3/competitions")).json()
        assert [(r["contest_id"], r["rank"]) for r in history["results"]] == [("c-1", 1)]
        found = (await client.get("/results", params={"level": "city", "year": 2026})).json()
        assert len(found) == 3
        assert (await client.get("/results", params={"year": 2025})).json() == []


async def test_the_provisional_board_the_export_and_forgotten_names(db: AsyncEngine) -> None:
    await know(db, ("w-1", "ent-1"), ("w-2", "ent-2"))
    async with http_client(db, SPEC) as client:
        await prepare_over_http(client, "c-2", ["w-1", "w-2"])
        await expect(
            client, "/contests/c-2/marks/import", {"items": mark_items("w-2", (1, 0.2, (3, 3, 3)))}, 200
        )
        await project(db, await everything(db))
        board = (await client.get("/contests/c-2/leaderboard")).json()
        # w-2: 40 + 30 x (0.3 - 0.2) / 0.2 = 15 + 30 = 85, w-1 not marked yet
        assert board["provisional"] is True
        assert [(r["worker_id"], r["raw_score"], r["rank"]) for r in board["results"]] == [
            ("w-2", 85.0, None),
            ("w-1", 0.0, None),
        ]
        await finish_over_http(client, "c-2", {"w-1": (0, 0.0, (1, 1, 1))})
        await project(db, await everything(db))
        async with session_factory(db)() as session, session.begin():
            forgotten = WorkerForgotten(
                worker_id="w-1", enterprise_id="ent-1", forgotten_on=date(2026, 6, 20)
            )
            await projections.on_worker_forgotten(session, registered("w-1"), forgotten)
        rows = (await client.get("/contests/c-2/export")).json()
        assert rows == [
            {
                "position": 1,
                "name": "w-2",
                "enterprise": "ent-2",
                "occupation": "fitter",
                "medal": "gold",
                "standardised_score": rows[0]["standardised_score"],
            },
            {
                "position": 2,
                "name": "erased",
                "enterprise": "ent-1",
                "occupation": "fitter",
                "medal": "silver",
                "standardised_score": rows[1]["standardised_score"],
            },
        ]
        text = (await client.get("/contests/c-2/export", params={"format": "csv"})).text
        assert list(csv.DictReader(io.StringIO(text)))[1]["name"] == "erased"
        assert text.splitlines()[0] == "position,name,enterprise,occupation,medal,standardised_score"


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
    assert (worker.enterprise_id, worker.erased, worker.trade) == ("ent-9", False, "fitter")
