"""As-of queries and the talent pyramid, projected from the registry's facts (SQLite and Postgres)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.inbox import Handler
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import (
    EnterpriseRegistered,
    RegionRegistered,
    TierExpired,
    TierPromoted,
    TitleConferred,
    TitleRevoked,
)
from contracts.vocabulary import RegionKind, TierRank, TitleLevel
from services.registry.profiles import on_enterprise_registered
from services.registry.service import SPEC
from services.registry.talent import TALENT_HANDLERS, TalentQueries
from tests.service_support import migrated

LABELS = {TierRank.SEED: "种子工匠", TierRank.CRAFTSMAN: "工匠", TierRank.CHIEF: "首席工匠"}


def promoted(
    worker: str, enterprise: str, rank: TierRank, on: date, before: TierRank = TierRank.NONE
) -> Event:
    return TierPromoted(
        worker_id=worker,
        enterprise_id=enterprise,
        from_rank=before,
        to_rank=rank,
        tier_label=LABELS[rank],
        effective_on=on,
        reason="floor held",
    )


def conferred(title: str, worker: str, enterprise: str, level: TitleLevel, on: date) -> Event:
    return TitleConferred(
        title_id=title,
        nomination_id=f"nom-{title}",
        worker_id=worker,
        enterprise_id=enterprise,
        level=level,
        title_name=str(level),
        conferred_by="task-force",
        conferred_on=on,
    )


STORY: list[Event] = [
    RegionRegistered(region_id="weifang", name="潍坊市", kind=RegionKind.CITY),
    RegionRegistered(region_id="qingzhou", name="青州市", kind=RegionKind.COUNTY, parent_id="weifang"),
    RegionRegistered(region_id="kuiwen", name="奎文区", kind=RegionKind.DISTRICT, parent_id="weifang"),
    EnterpriseRegistered(
        enterprise_id="qz-cig",
        name="青州卷烟厂",
        region_id="qingzhou",
        industry="tobacco",
        tier_labels=LABELS,
    ),
    EnterpriseRegistered(
        enterprise_id="weichai", name="潍柴动力", region_id="kuiwen", industry="equipment", tier_labels=LABELS
    ),
    promoted("w-1", "qz-cig", TierRank.SEED, date(2024, 1, 1)),
    promoted("w-1", "qz-cig", TierRank.CRAFTSMAN, date(2025, 3, 1), TierRank.SEED),
    conferred("t-county-1", "w-1", "qz-cig", TitleLevel.COUNTY, date(2025, 6, 1)),
    promoted("w-2", "weichai", TierRank.SEED, date(2024, 5, 1)),
    TierExpired(
        worker_id="w-2",
        enterprise_id="weichai",
        rank=TierRank.SEED,
        expired_on=date(2025, 5, 1),
        reason="term",
    ),
    promoted("w-3", "weichai", TierRank.SEED, date(2023, 1, 1)),
    conferred("t-city-3", "w-3", "weichai", TitleLevel.CITY, date(2024, 9, 1)),
    TitleRevoked(
        title_id="t-city-3",
        worker_id="w-3",
        level=TitleLevel.CITY,
        revoked_on=date(2025, 9, 1),
        reason="review failed",
        revoked_by="weifang",
    ),
]


async def projected(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    handlers: dict[type[Event], Handler] = {**TALENT_HANDLERS, EnterpriseRegistered: on_enterprise_registered}
    async with session_factory(engine)() as session, session.begin():
        for version, event in enumerate(STORY, start=1):
            envelope = Envelope.wrap(
                event,
                producer="registry",
                stream=StreamRef(type="Story", id="s"),
                stream_version=version,
                tenant="t",
            )
            await handlers[type(event)](session, envelope, event)


async def test_who_held_what_on_a_given_day(engine: AsyncEngine) -> None:
    await projected(engine)
    async with session_factory(engine)() as session:
        queries = TalentQueries(session)
        on_2024 = [(h.kind, h.level) for h in await queries.held_on(date(2024, 12, 31), worker_id="w-1")]
        on_2025 = [(h.kind, h.level) for h in await queries.held_on(date(2025, 12, 31), worker_id="w-1")]
        seeds_2024 = {h.worker_id for h in await queries.held_on(date(2024, 6, 1), level="seed")}
        city_2025 = await queries.held_on(date(2025, 9, 1), level="city")
        city_before = await queries.held_on(date(2025, 8, 31), level="city")
    assert on_2024 == [("tier", "seed")]
    assert on_2025 == [("tier", "craftsman"), ("title", "county")]
    assert seeds_2024 == {"w-1", "w-2", "w-3"}
    assert city_2025 == [] and [h.worker_id for h in city_before] == ["w-3"]  # revoked on 1 September


async def test_the_pyramid_counts_each_worker_once_in_the_highest_band(engine: AsyncEngine) -> None:
    await projected(engine)
    async with session_factory(engine)() as session:
        queries = TalentQueries(session)
        end_2024 = await queries.pyramid(date(2024, 12, 31))
        end_2025 = await queries.pyramid(date(2025, 12, 31))
        qingzhou = await queries.pyramid(date(2025, 12, 31), region_id="qingzhou")
    assert end_2024["bands"] == {"enterprise": 2, "county": 0, "city_and_above": 1}
    assert end_2025["bands"] == {"enterprise": 1, "county": 1, "city_and_above": 0}
    assert qingzhou["bands"] == {"enterprise": 0, "county": 1, "city_and_above": 0}
    assert {"band": "county", "region_id": "qingzhou", "industry": "tobacco", "workers": 1} in end_2025[
        "cells"
    ]
