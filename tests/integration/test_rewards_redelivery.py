"""On real Kafka and Postgres: every record the rewards service consumed (others' facts and
its own events) delivered a second time changes no balance, no grant, no allowance, no
read model row, and stores no event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.rewards_figures import city_year
from chassis.eventstore.schema import events, outbox
from chassis.service import Runtime
from services.rewards import handlers
from services.rewards.commands import OpenProgramme
from services.rewards.read_models import allowances, grants, points_entries, workers
from services.rewards.service import SPEC
from tests.consumer_harness import group_lag
from tests.kafka_support import read_topic
from tests.service_support import count_rows, eventually, live_runtime, migrated

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SUBSCRIPTIONS = ("ledger", "worker-tiers", "tier-policy", "points-policy")
PROGRAMMES: tuple[tuple[str, str, bool, dict[int, Decimal]], ...] = (
    ("seed", "tier:seed", False, {}),
    ("city-title", "title:city", True, {}),
    ("city-prizes", "contest:city", False, {1: Decimal(3000), 2: Decimal(2000), 3: Decimal(1000)}),
)


async def settled(runtime: Runtime, db: AsyncEngine, topic: str) -> bool:
    """Nothing waits in the outbox and every consumer group has read the whole topic."""
    if await count_rows(db, outbox):
        return False
    prefix = f"{runtime.settings.consumer_group_prefix}rewards."
    for name in SUBSCRIPTIONS:
        if await group_lag(runtime.settings.kafka_bootstrap_servers, prefix + name, topic):
            return False
    return True


async def state(db: AsyncEngine) -> dict[str, Any]:
    async with db.connect() as connection:
        by_type: dict[str, int] = dict(
            (
                await connection.execute(
                    select(events.c.event_type, func.count()).group_by(events.c.event_type)
                )
            ).all()
        )
        tables = {
            table.name: sorted(
                tuple(str(value) for value in row) for row in await connection.execute(select(table))
            )
            for table in (points_entries, grants, allowances, workers)
        }
    return {"events": by_type, **tables}


async def test_redelivering_every_consumed_record_changes_nothing(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    db = await migrated(pg_engine, SPEC)
    facts = city_year(800, workers=60, enterprises=4)
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        for programme_id, trigger, recurring, places in PROGRAMMES:
            command = OpenProgramme(
                programme_id=programme_id,
                name=programme_id,
                sponsor_id="weifang",
                budget=Decimal(60000),
                grant_amount=Decimal(1000),
                trigger=trigger,
                opened_on=date(2026, 1, 1),
                recurring=recurring,
                amounts_by_place=places,
            )
            await handlers.open_programme(runtime.unit_of_work(), command)
        for envelope in facts:
            await runtime.producer.send(topic, envelope.to_bytes(), key=envelope.key.encode())
        await runtime.producer.flush()
        await eventually(lambda: settled(runtime, db, topic), timeout=180)
        first = await state(db)
        produced = len(facts) + sum(first["events"].values())

        consumed = await read_topic(kafka_bootstrap, topic, until=lambda records: len(records) >= produced)
        assert len(consumed) == produced
        for record in consumed:  # every record again, at new offsets: a redelivery the broker cannot spot
            await runtime.producer.send(topic, record.value, key=record.key)
        await runtime.producer.flush()
        await eventually(lambda: settled(runtime, db, topic), timeout=180)
        again = await state(db)

    assert first["events"].get("PointsAwarded", 0) > 100 and first["events"].get("RewardGranted", 0) > 10
    assert first["events"].get("AllowanceStarted", 0) > 0 and first["rewards_points_entries"]
    assert again == first
