"""A contest's entrants in bulk (POST /contests/{id}/entrants/import): an answer per item, the
single /entrants command's rules for each, one transaction; on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events, snapshots
from chassis.eventstore.store import envelope_of_row
from chassis.imports import ImportRequest
from chassis.inbox import InboxConsumer
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.events.registry import WorkerRegistered
from services.competitions.handlers import allow_all
from services.competitions.imports import import_marks
from services.competitions.projections import on_worker_registered, subscriptions
from services.competitions.read_models import marks
from services.competitions.service import SPEC
from tests.competitions_support import (
    CONTEST_BODY,
    JUDGES,
    expect,
    mark_items,
    marking_contest,
    prepare_over_http,
    scheme_json,
)
from tests.service_support import (
    FakeSender,
    event_of,
    http_client,
    migrated,
    record_of,
    registered,
    runtime_without_kafka,
    unit_of_work,
)

pytestmark = pytest.mark.postgres


async def known(engine: AsyncEngine, *workers: tuple[str, str]) -> None:
    """Workers (id, enterprise) as competitions' projection of WorkerRegistered keeps them."""
    async with session_factory(engine)() as session, session.begin():
        for worker_id, enterprise in workers:
            envelope = registered(worker_id, enterprise_id=enterprise)
            await on_worker_registered(session, envelope, event_of(envelope, WorkerRegistered))


async def registration_open(client: Any, contest_id: str) -> None:
    """A fitters' contest (the workers' trade) open for registration."""
    base = f"/contests/{contest_id}"
    await expect(client, "/contests", {**CONTEST_BODY, "contest_id": contest_id, "trade": "fitter"})
    await expect(client, f"{base}/scheme", {"criteria": scheme_json()})
    for judge in JUDGES:
        await expect(client, f"{base}/judges", {"judge_id": judge})
    await expect(client, f"{base}/registration", {"on": "2026-05-01"})


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(events)) or 0)


ITEMS: list[dict[str, Any]] = [
    {"worker_ids": ["w-1"], "registered_on": "2026-05-02"},
    {"worker_ids": ["w-2"]},
    {"worker_ids": ["w-1"]},  # again, in the same batch
    {"worker_ids": ["w-9"]},  # unknown to competitions
    {"worker_ids": ["w-3"], "entrant_id": "team-1"},  # a single entrant under another id
    {"worker_ids": []},  # malformed
    {"worker_ids": ["w-3"]},
]


async def test_entrants_in_bulk_with_an_answer_each(engine: AsyncEngine) -> None:
    db = await migrated(engine, SPEC)
    await known(db, ("w-1", "ent-1"), ("w-2", "ent-2"), ("w-3", "ent-3"))
    async with http_client(db, SPEC) as client:
        await registration_open(client, "c-fitters")
        before = await count(db)
        body = await expect(client, "/contests/c-fitters/entrants/import", {"items": ITEMS}, 200)
    assert (body["accepted"], body["refused"]) == (3, 4)
    assert [item["status"] for item in body["items"]] == [
        "accepted",
        "accepted",
        "refused",
        "refused",
        "refused",
        "refused",
        "accepted",
    ]
    reasons = [item["reason"] for item in body["items"]]
    assert reasons[2] == "entrant w-1 is registered in contest c-fitters already"
    assert reasons[3] == "worker w-9 is not known to competitions yet"
    assert reasons[4] == "a single entrant is entered under the worker's own id"
    assert reasons[5].startswith("invalid: worker_ids:")
    assert [event["event_type"] for item in body["items"] for event in item["events"]] == [
        "EntrantRegistered"
    ] * 3
    assert await count(db) == before + 3


async def test_each_item_answers_as_the_single_command_does(engine: AsyncEngine) -> None:
    """One rule for both: the same entrants sent one by one to /entrants and in one import to a
    twin contest are accepted and refused alike, with the same reasons."""
    db = await migrated(engine, SPEC)
    await known(db, ("w-1", "ent-1"), ("w-2", "ent-2"), ("w-3", "ent-3"))
    async with http_client(db, SPEC) as client:
        await registration_open(client, "c-one")
        await registration_open(client, "c-many")
        singles = []
        for item in ITEMS[:5] + ITEMS[6:]:
            answer = await client.post("/contests/c-one/entrants", json=item)
            singles.append(None if answer.status_code == 201 else answer.json()["error"]["message"])
        body = await expect(client, "/contests/c-many/entrants/import", {"items": ITEMS[:5] + ITEMS[6:]}, 200)
    bulk = [item["reason"] for item in body["items"]]
    assert [reason.replace("c-many", "c-one") if reason else None for reason in bulk] == singles
    assert singles.count(None) == 3


async def test_an_import_outside_registration_is_refused_item_by_item(engine: AsyncEngine) -> None:
    db = await migrated(engine, SPEC)
    await known(db, ("w-1", "ent-1"))
    async with http_client(db, SPEC) as client:
        await expect(client, "/contests", {**CONTEST_BODY, "contest_id": "c-draft", "trade": "fitter"})
        before = await count(db)
        body = await expect(
            client, "/contests/c-draft/entrants/import", {"items": [{"worker_ids": ["w-1"]}]}, 200
        )
        missing = await client.post("/contests/c-nowhere/entrants/import", json={"items": ITEMS})
    assert body["refused"] == 1
    assert "entrants register while registration is open" in body["items"][0]["reason"]
    assert await count(db) == before
    assert missing.status_code == 404, missing.text


async def test_the_leaderboards_consumer_takes_a_batch_of_marks_at_once(engine: AsyncEngine) -> None:
    """The marks of an import reach the read model in one statement per batch, and a resolution
    in the same batch still wins over the judges' first scores; a redelivery changes nothing."""
    db = await migrated(engine, SPEC)
    await known(db, ("w-1", "ent-1"), ("w-2", "ent-2"))
    async with http_client(db, SPEC) as client:
        await prepare_over_http(client, "c-robots", ["w-1", "w-2"])
        items = mark_items("w-1", (1, 0.0, (0, 0, 3))) + mark_items("w-2", (0, 0.2, (2, 2, 2)))
        await expect(client, "/contests/c-robots/marks/import", {"items": items}, 200)
        resolution = {"entrant_id": "w-1", "aspect_id": "J1", "scores": dict.fromkeys(JUDGES, 1)}
        await expect(
            client, "/contests/c-robots/discrepancy-resolutions", {**resolution, "resolved_by": "chief"}
        )
    (leaderboards,) = [s for s in subscriptions(runtime_without_kafka(db, SPEC)) if s.name == "leaderboards"]
    consumer = InboxConsumer(
        name="competitions.leaderboards",
        sessions=session_factory(db),
        handlers=leaderboards.handlers,
        batch_handlers=leaderboards.batch_handlers,
        dead_letters=DeadLetterPublisher(FakeSender(), consumer="competitions.leaderboards"),
        max_attempts=1,
    )
    records = [record_of(envelope, offset) for offset, envelope in enumerate(await stored(db))]
    first = await consumer.process(records)
    again = await consumer.process(records)
    async with db.connect() as connection:
        scores = {
            (row.entrant_id, row.aspect_id, row.judge_id): row.score
            for row in await connection.execute(select(marks))
        }
    assert (first.dead_letters, again.applied) == ([], 0)
    assert len(scores) == len(items)
    assert [scores[("w-1", "J1", judge)] for judge in JUDGES] == [1.0, 1.0, 1.0]
    assert [scores[("w-2", "J1", judge)] for judge in JUDGES] == [2.0, 2.0, 2.0]
    assert scores[("w-2", "M2", "judge-b")] == 0.2


async def stored(db: AsyncEngine) -> list[Envelope]:
    async with db.connect() as connection:
        return [
            envelope_of_row(row._mapping)
            for row in await connection.execute(select(events).order_by(events.c.position))
        ]


async def statements_of_an_import(db: AsyncEngine, contest_id: str, entrants: int) -> int:
    """The SQL statements of one marks import for `entrants` entrants (5 marks each), every entry
    crossing a snapshot (taken every 2 events here)."""
    workers = [(f"{contest_id}-w{n}", f"ent-{n}") for n in range(entrants)]
    contest = marking_contest(workers, contest_id=contest_id)
    async with unit_of_work(db, SPEC) as uow:
        uow.track(contest)
        await uow.commit()
    items = [item for worker, _ in workers for item in mark_items(worker, (1, 0.0, (1, 1, 2)))]
    counted = [0]

    def count_statement(*_: Any) -> None:
        counted[0] += 1

    uow = UnitOfWork(session_factory(db), EventStore(), producer=SPEC.name, snapshot_every=2)
    event.listen(db.sync_engine, "before_cursor_execute", count_statement)
    try:
        answer = await import_marks(lambda: uow, contest_id, ImportRequest(items=items), allow_all)
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", count_statement)
    assert answer.refused == 0, answer.items[:2]
    async with db.connect() as connection:
        taken = await connection.scalar(
            select(func.count()).select_from(snapshots).where(snapshots.c.stream_id.like(f"{contest_id}:%"))
        )
    assert taken == entrants
    return counted[0]


async def test_a_marks_import_takes_as_many_statements_for_40_entrants_as_for_4(engine: AsyncEngine) -> None:
    """Its entries are loaded together, its events appended in multi-row statements (SQLite too)
    and the snapshots it takes written at once: nothing per entrant, per mark or per snapshot."""
    db = await migrated(engine, SPEC)
    few = await statements_of_an_import(db, "c-few", 4)
    many = await statements_of_an_import(db, "c-many", 40)
    assert many == few, (few, many)
