"""SQL statements per HTTP command: the budget of the command path as a client sees it.

POST /workers with the person's data (the vault's two rows) and with an Idempotency-Key
(its record), through the whole HTTP boundary (auth, tenant check, unit of work). On
Postgres: at most three statements (the enterprise's tenant, its stream, one append that
also writes the vault rows and the idempotency record). SQLite may take more for the same
guarantees; the facts stored are checked on both.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.eventstore.schema import events, idempotency, outbox
from services.registry.read_models import enterprises, personal_data, personal_keys
from services.registry.service import SPEC
from services.registry.vault import PersonalData, Vault
from tests.service_support import http_client, migrated

BUDGET = 3


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def hire(worker_id: str, **more: Any) -> dict[str, Any]:
    return {
        "worker_id": worker_id,
        "enterprise_id": "e-1",
        "trade": "fitter",
        "skill_level": "senior",
        **more,
    }


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def _enterprise(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/enterprises",
        json={"enterprise_id": "e-1", "name": "Weichai", "region_id": "weifang", "industry": "x"},
    )
    assert answer.status_code == 201, answer.text


async def test_a_hire_with_personal_data_and_a_key_takes_at_most_three_statements(
    engine: AsyncEngine,
) -> None:
    await migrated(engine, SPEC)
    async with http_client(engine, SPEC) as client:
        await _enterprise(client)
        await client.post("/workers", json=hire("w-0"))  # warm: the first command compiles its statements
        key = {"Idempotency-Key": str(uuid.uuid4())}
        with statements(engine) as seen:
            answer = await client.post(
                "/workers", json=hire("w-1", full_name="李娜", phone="13800000000"), headers=key
            )
        assert answer.status_code == 201, answer.text
        if engine.dialect.name == "postgresql":
            assert len(seen) <= BUDGET, "\n---\n".join(seen)
        # everything the command writes is there: the event, its outbox row, the vault, the key
        assert await count(engine, events) == 3 and await count(engine, outbox) == 3
        assert await count(engine, personal_keys) == 1 and await count(engine, personal_data) == 1
        assert await count(engine, idempotency) == 1
        async with engine.connect() as connection, AsyncSession(bind=connection) as session:
            assert await Vault(session).read("w-1") == PersonalData(full_name="李娜", phone="13800000000")
        again = await client.post(
            "/workers", json=hire("w-1", full_name="李娜", phone="13800000000"), headers=key
        )
        assert again.status_code == 200 and again.json()["replayed"] is True
        assert again.json()["events"] == answer.json()["events"]


async def test_a_refused_hire_writes_neither_its_event_nor_its_personal_data(engine: AsyncEngine) -> None:
    """All or none: the second registration of a worker collides on its stream, and the vault
    rows and the idempotency record that would have gone with it are not written either."""
    await migrated(engine, SPEC)
    async with http_client(engine, SPEC) as client:
        await _enterprise(client)
        assert (await client.post("/workers", json=hire("w-1", full_name="李娜"))).status_code == 201
        key = {"Idempotency-Key": str(uuid.uuid4())}
        refused = await client.post("/workers", json=hire("w-1", full_name="王磊"), headers=key)
        assert refused.status_code == 409, refused.text
        assert await count(engine, events) == 2 and await count(engine, outbox) == 2
        assert await count(engine, personal_keys) == 1 and await count(engine, personal_data) == 1
        assert await count(engine, idempotency) == 0


async def test_an_enterprise_not_known_yet_is_asked_again(engine: AsyncEngine) -> None:
    """Its tenant is kept once found (a region never changes); not found is not kept."""
    await migrated(engine, SPEC)
    async with http_client(engine, SPEC) as client:
        early = await client.post("/workers", json=hire("w-1"))
        assert early.status_code == 422, early.text  # its enterprise is not registered yet
        await _enterprise(client)
        assert (await client.post("/workers", json=hire("w-1"))).status_code == 201
        async with engine.begin() as connection:  # its projection (no consumer runs here)
            await connection.execute(
                insert(enterprises).values(
                    enterprise_id="e-1", name="Weichai", region_id="weifang", industry="x"
                )
            )
        with statements(engine) as seen:
            assert (await client.post("/workers", json=hire("w-2"))).status_code == 201
        assert len(seen) >= 2  # its tenant read from the projection now
        with statements(engine) as seen:
            assert (await client.post("/workers", json=hire("w-3"))).status_code == 201
        if engine.dialect.name == "postgresql":
            assert len(seen) <= 2, "\n---\n".join(seen)  # its stream, the append: the tenant is kept


async def test_concurrent_hires_share_statements_and_each_keeps_only_its_own_rows(
    engine: AsyncEngine,
) -> None:
    """Hires in flight together go out in one statement (group commit) with every one's vault
    rows; the one refused (a worker registered twice) takes its rows with it, the others stay."""
    await migrated(engine, SPEC)
    async with http_client(engine, SPEC) as client:
        await _enterprise(client)
        assert (await client.post("/workers", json=hire("w-taken", full_name="李娜"))).status_code == 201
        ids = [f"w-{n}" for n in range(12)] + ["w-taken"]
        with statements(engine) as seen:
            answers = await asyncio.gather(
                *(client.post("/workers", json=hire(worker_id, full_name="王磊")) for worker_id in ids)
            )
    if engine.dialect.name == "postgresql":
        appends = [statement for statement in seen if "INSERT INTO events" in statement]
        assert len(appends) < len(ids), f"{len(appends)} append statements for {len(ids)} hires: none shared"
    assert [answer.status_code for answer in answers] == [201] * 12 + [409]
    assert await count(engine, events) == 14 and await count(engine, outbox) == 14
    assert await count(engine, personal_keys) == 13 and await count(engine, personal_data) == 13
    async with engine.connect() as connection, AsyncSession(bind=connection) as session:
        people = await Vault(session).read_many([*ids])
    assert people["w-taken"] == PersonalData(full_name="李娜")
    assert all(people[worker_id] == PersonalData(full_name="王磊") for worker_id in ids[:-1])


async def test_a_batch_import_takes_as_many_statements_for_fifty_workers_of_ten_enterprises_as_for_two(
    engine: AsyncEngine,
) -> None:
    """The scope check reads every enterprise's region in one query, and the vault's rows of a
    batch go as one insert per table on both backends (on SQLite they had been two statements
    per worker; everywhere a query per enterprise), and every worker's rows are there."""
    await migrated(engine, SPEC)
    async with http_client(engine, SPEC) as client:
        for number in range(10):
            body = {
                "enterprise_id": f"e-{number}",
                "name": "Weichai",
                "region_id": "weifang",
                "industry": "x",
            }
            assert (await client.post("/enterprises", json=body)).status_code == 201
        counted = []
        for batch, size, spread in (("a", 2, 1), ("b", 50, 10)):
            items = [
                hire(f"w-{batch}{n}", full_name=f"工人{batch}{n}", enterprise_id=f"e-{n % spread}")
                for n in range(size)
            ]
            with statements(engine) as seen:
                answer = await client.post("/workers/import", json={"items": items})
            assert answer.status_code == 200 and answer.json()["accepted"] == size, answer.text
            counted.append(len(seen))
    assert counted[1] == counted[0], counted
    assert await count(engine, personal_keys) == 52 and await count(engine, personal_data) == 52
    async with engine.connect() as connection, AsyncSession(bind=connection) as session:
        people = await Vault(session).read_many(["w-a0", "w-b49"])
    assert people == {"w-a0": PersonalData(full_name="工人a0"), "w-b49": PersonalData(full_name="工人b49")}
