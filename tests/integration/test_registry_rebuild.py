"""The registry's read models are rebuildable: each declares the tables its one subscription
writes, and a blue/green rebuild of `talent` (tenures and the region tree) from offset 0
equals the live one, while new facts keep arriving (real Kafka and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.service import Runtime, Subscription
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import RegionRegistered, TierExpired, TierPromoted, TitleConferred
from contracts.vocabulary import RegionKind, TierRank, TitleLevel
from ops.bus import Bus
from ops.read_models import read_model_of
from ops.rebuild import Rebuild
from services.registry import read_models
from services.registry.read_models import regions, tenures
from services.registry.service import SPEC
from tests.service_support import eventually, live_runtime, migrated

DAY = date(2025, 1, 6)


def registry_subscriptions() -> list[Subscription]:
    return list(SPEC.subscriptions(cast(Runtime, SimpleNamespace(unit_of_work=None))))


def test_every_projected_registry_table_belongs_to_exactly_one_subscription() -> None:
    projected = [table for sub in registry_subscriptions() for table in sub.tables]
    assert len(projected) == len(set(projected)), "a table declared by two subscriptions"
    # What the consumers write: every read model table but the policy's tally and the vault.
    not_projected = {read_models.worker_points, read_models.personal_keys, read_models.personal_data}
    written_by_consumers = {
        table for table in read_models.metadata.tables.values() if table not in not_projected
    }
    assert set(projected) == written_by_consumers
    (talent,) = [sub for sub in registry_subscriptions() if sub.name == "talent"]
    assert set(talent.tables) == {tenures, regions}


def envelope(event: Event, stream: str, version: int = 1) -> Envelope:
    return Envelope.wrap(
        event,
        producer="registry",
        stream=StreamRef(type="Test", id=stream),
        stream_version=version,
        tenant="weifang",
    )


def facts(numbers: range) -> list[Envelope]:
    """Per worker: a region, a seed tier, for some a craftsman tier after it (closing the seed
    tenure), an expiry, or a county title."""
    found: list[Envelope] = []
    for n in numbers:
        worker, enterprise, on = f"w-{n}", f"ent-{n % 5}", DAY + timedelta(days=n)
        region = RegionRegistered(region_id=f"county-{n % 5}", name=f"County {n % 5}", kind=RegionKind.COUNTY)
        found.append(envelope(region, f"region-{n % 5}"))
        found.append(envelope(promoted(worker, enterprise, TierRank.SEED, TierRank.NONE, on), worker))
        if n % 3 == 0:
            later = promoted(worker, enterprise, TierRank.CRAFTSMAN, TierRank.SEED, on + timedelta(days=400))
            found.append(envelope(later, worker, 2))
        if n % 4 == 1:
            expired = TierExpired(
                worker_id=worker,
                enterprise_id=enterprise,
                rank=TierRank.SEED,
                expired_on=on + timedelta(days=700),
                reason="term",
            )
            found.append(envelope(expired, worker, 3))
        if n % 5 == 2:
            title = TitleConferred(
                title_id=f"title-{n}",
                nomination_id=f"nomination-{n}",
                worker_id=worker,
                enterprise_id=enterprise,
                level=TitleLevel.COUNTY,
                title_name="county craftsman",
                conferred_by=f"county-{n % 5}",
                conferred_on=on + timedelta(days=30),
            )
            found.append(envelope(title, worker, 4))
    return found


def promoted(worker: str, enterprise: str, rank: Any, before: TierRank, on: date) -> TierPromoted:
    return TierPromoted(
        worker_id=worker,
        enterprise_id=enterprise,
        from_rank=before,
        to_rank=rank,
        tier_label=rank.value,
        effective_on=on,
        reason="floor held",
    )


async def send(runtime: Runtime, topic: str, envelopes: list[Envelope]) -> None:
    for one in envelopes:
        await runtime.producer.send_and_wait(topic, one.to_bytes(), key=one.key.encode())


async def table_rows(db: AsyncEngine, table: Table) -> set[tuple[Any, ...]]:
    async with db.connect() as connection:
        return {tuple(row) for row in await connection.execute(select(table))}


@pytest.fixture
async def db(pg_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    yield await migrated(pg_engine, SPEC)


@pytest.mark.postgres
@pytest.mark.kafka
async def test_the_rebuilt_talent_model_equals_the_live_one(
    db: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with live_runtime(db, SPEC, kafka_bootstrap, topic) as runtime:
        first = facts(range(120))
        await send(runtime, topic, first)
        await send(runtime, topic, first[:40])  # redeliveries: the inbox keeps them out

        async def caught_up(count: int) -> Any:
            async def reached() -> bool:
                return len(await table_rows(db, tenures)) == count

            return reached

        tenure_count = sum(1 for one in first if one.event_type in ("TierPromoted", "TitleConferred"))
        await eventually(await caught_up(tenure_count))
        (talent,) = [sub for sub in SPEC.subscriptions(runtime) if sub.name == "talent"]
        model = read_model_of(SPEC, runtime.settings, replace(talent, topics=(topic,)))
        more = facts(range(120, 160))
        arriving = asyncio.create_task(send(runtime, topic, more))
        report = await Rebuild(model, db, replace(Bus.from_environment(), bootstrap=kafka_bootstrap)).run()
        await arriving
        tenure_count += sum(1 for one in more if one.event_type in ("TierPromoted", "TitleConferred"))
        await eventually(await caught_up(tenure_count))
        live_tenures, live_regions = await table_rows(db, tenures), await table_rows(db, regions)

    assert report.equal and report.switched, report.differences
    assert len(live_regions) == 5
    closed = {row for row in live_tenures if row[tenures.c.keys().index("until")] is not None}
    # a craftsman promotion closes the seed tenure; an expiry closes whichever tier is open
    assert len(closed) == sum((n % 3 == 0) + (n % 4 == 1) for n in range(160))
