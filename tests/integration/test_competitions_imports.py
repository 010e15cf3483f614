"""A contest's entrants in bulk (POST /contests/{id}/entrants/import): an answer per item, the
single /entrants command's rules for each, one transaction; on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import events
from chassis.eventstore.store import envelope_of_row
from chassis.inbox import InboxConsumer
from contracts.envelope import Envelope
from contracts.events.registry import WorkerRegistered
from services.competitions.projections import on_worker_registered, subscriptions
from services.competitions.read_models import marks
from services.competitions.service import SPEC
from tests.competitions_support import (
    CONTEST_BODY,
    JUDGES,
    expect,
    mark_items,
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
