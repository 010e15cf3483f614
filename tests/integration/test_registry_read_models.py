"""The registry's read models fed by all four services (SQLite and Postgres): the enterprise
roster, the public craftsman profile, the pyramid by industry and year, the career timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.inbox import Handler
from contracts.catalog import decode
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import (
    RegionRegistered,
    TierPromoted,
    TitleConferred,
    WorkerForgotten,
)
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired
from contracts.events.training import TrainingCompleted
from contracts.vocabulary import ContestLevel, Medal, RegionKind, SkillLevel, TierRank, TitleLevel
from services.registry import handlers
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.profiles import PROFILE_HANDLERS
from services.registry.public_profiles import PublicProfiles
from services.registry.queries import ProfileQueries
from services.registry.service import SPEC
from services.registry.talent import TALENT_HANDLERS, TalentQueries
from services.registry.vault import Vault
from tests.service_support import migrated, stored_envelopes, unit_of_work

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
LABELS = {TierRank.SEED: "种子工匠", TierRank.CRAFTSMAN: "青烟工匠", TierRank.CHIEF: "一甲工匠"}
clock = count()


def wrap(event: Event, producer: str) -> Envelope:
    """An event as its producer publishes it, a minute after the one before."""
    envelope = Envelope.wrap(
        event, producer=producer, stream=StreamRef(type="Story", id=uuid4().hex), stream_version=1, tenant="t"
    )
    return envelope.model_copy(update={"occurred_at": START + timedelta(minutes=next(clock))})


def promoted(worker: str, enterprise: str, rank: TierRank, on: date) -> Event:
    return TierPromoted(
        worker_id=worker,
        enterprise_id=enterprise,
        from_rank=TierRank(list(TierRank)[rank.order - 1]),
        to_rank=rank,
        tier_label=LABELS[rank],
        effective_on=on,
        reason="every floor holds",
    )


def scored(worker: str, contest: str, raw: float) -> Event:
    return CompetitionScored(
        contest_id=contest,
        level=ContestLevel.CITY,
        worker_id=worker,
        enterprise_id="qz-cig",
        raw_score=raw,
        standardised_score=int(raw * 7),
        rank=1,
        medal=Medal.GOLD,
    )


def trained(worker: str, course: str) -> Event:
    return TrainingCompleted(
        enrolment_id=f"enr-{course}",
        worker_id=worker,
        course_id=course,
        course_title=f"Course {course}",
        hours=8,
        completed_on=date(2025, 3, 1),
        provider="academy",
    )


def awarded(worker: str, points: int) -> Event:
    return PointsAwarded(
        worker_id=worker,
        category="skills",
        rule="competition",
        group="competition",
        points=Decimal(points),
        source_event_id=uuid4(),
        earned_on=date(2025, 3, 1),
    )


REGISTRY_FACTS: list[Event] = [
    RegionRegistered(region_id="weifang", name="潍坊市", kind=RegionKind.CITY),
    RegionRegistered(region_id="qingzhou", name="青州市", kind=RegionKind.COUNTY, parent_id="weifang"),
    RegionRegistered(region_id="kuiwen", name="奎文区", kind=RegionKind.DISTRICT, parent_id="weifang"),
]

ENTERPRISES = [
    RegisterEnterprise(
        enterprise_id="qz-cig",
        name="青州卷烟厂",
        region_id="qingzhou",
        industry="tobacco",
        tier_labels=LABELS,
    ),
    RegisterEnterprise(
        enterprise_id="weichai", name="潍柴动力", region_id="kuiwen", industry="equipment", tier_labels=LABELS
    ),
]


async def project(engine: AsyncEngine, envelopes: list[Envelope]) -> None:
    """What the profiles and talent consumers do with these envelopes, in one transaction."""
    async with session_factory(engine)() as session, session.begin():
        for envelope in envelopes:
            event = decode(envelope)
            chosen: list[Handler] = [
                found
                for found in (PROFILE_HANDLERS.get(type(event)), TALENT_HANDLERS.get(type(event)))
                if found
            ]
            for handler in dict.fromkeys(chosen):
                await handler(session, envelope, event)


async def city(engine: AsyncEngine) -> None:
    """Three workers of 青州卷烟厂 and one of 潍柴, with facts from all four services."""
    db = await migrated(engine, SPEC)
    envelopes = [wrap(event, "registry") for event in REGISTRY_FACTS]
    await project(db, envelopes)
    for registration in ENTERPRISES:
        await project(db, await handlers.register_enterprise(unit_of_work(db, SPEC), registration))
    for worker, enterprise, name in (
        ("w-li", "qz-cig", "李娜"),
        ("w-wang", "qz-cig", "王强"),
        ("w-zhao", "qz-cig", "赵敏"),
        ("w-sun", "weichai", "孙伟"),
    ):
        command = RegisterWorker(
            worker_id=worker,
            enterprise_id=enterprise,
            full_name=name,
            trade="fitter",
            skill_level=SkillLevel.SENIOR,
        )
        await handlers.register_worker(unit_of_work(db, SPEC), command)
        registered = await stored_envelopes(db, "Worker", worker)
        await project(db, [registered[0].model_copy(update={"occurred_at": START})])
    await project(
        db,
        [
            wrap(promoted("w-li", "qz-cig", TierRank.SEED, date(2024, 1, 1)), "registry"),
            wrap(promoted("w-li", "qz-cig", TierRank.CRAFTSMAN, date(2025, 2, 1)), "registry"),
            wrap(awarded("w-li", 50), "rewards"),
            wrap(awarded("w-li", 30), "rewards"),
            wrap(
                PointsExpired(
                    worker_id="w-li",
                    category="skills",
                    rule="competition",
                    points=Decimal(10),
                    source_event_id=uuid4(),
                    expired_on=date(2025, 4, 1),
                ),
                "rewards",
            ),
            wrap(
                PointsAdjusted(
                    worker_id="w-li",
                    category="skills",
                    delta=Decimal("2.5"),
                    reason="late record",
                    approved_by="hr",
                    adjusted_on=date(2025, 4, 2),
                ),
                "rewards",
            ),
            *(wrap(scored("w-li", f"c-{n}", 60 + n), "competitions") for n in range(5)),
            *(wrap(trained("w-li", f"k-{n}"), "training") for n in range(4)),
            wrap(
                TitleConferred(
                    title_id="t-county-li",
                    nomination_id="n-li",
                    worker_id="w-li",
                    enterprise_id="qz-cig",
                    level=TitleLevel.COUNTY,
                    title_name="县级工匠",
                    conferred_by="qingzhou",
                    conferred_on=date(2025, 6, 1),
                ),
                "registry",
            ),
            wrap(promoted("w-zhao", "qz-cig", TierRank.SEED, date(2024, 3, 1)), "registry"),
            wrap(
                WorkerForgotten(worker_id="w-zhao", enterprise_id="qz-cig", forgotten_on=date(2025, 7, 1)),
                "registry",
            ),
            wrap(promoted("w-sun", "weichai", TierRank.SEED, date(2025, 5, 1)), "registry"),
        ],
    )
    async with session_factory(db)() as session, session.begin():  # as forgetting does in the vault
        await Vault(session).forget("w-zhao", date(2025, 7, 1))


async def test_the_roster_shows_tier_skill_points_recent_results_and_training(engine: AsyncEngine) -> None:
    await city(engine)
    async with session_factory(engine)() as session:
        roster = await ProfileQueries(session).roster("qz-cig")
    assert roster is not None
    li = next(entry for entry in roster.workers if entry.worker_id == "w-li")
    assert (li.full_name, li.tier, li.tier_label, li.skill_level) == (
        "李娜",
        "craftsman",
        "青烟工匠",
        "senior",
    )
    assert Decimal(li.points) == Decimal("72.5")  # 50 + 30 - 10 + 2.5
    assert [result.contest_id for result in li.recent_results] == ["c-4", "c-3", "c-2"]  # latest first
    assert [course.course for course in li.recent_training] == ["Course k-3", "Course k-2", "Course k-1"]
    assert (li.trainings, li.training_hours, li.best_standardised_score) == (4, 32.0, 448)
    wang = next(entry for entry in roster.workers if entry.worker_id == "w-wang")
    assert (wang.tier, wang.points, wang.recent_results, wang.recent_training) == ("none", "0.00", [], [])
    assert [entry.worker_id for entry in roster.workers] == ["w-li", "w-wang", "w-zhao"]


async def test_the_public_profile_shows_public_fields_of_tier_holders_only(engine: AsyncEngine) -> None:
    await city(engine)
    async with session_factory(engine)() as session:
        profiles = PublicProfiles(session)
        li = await profiles.one("w-li")
        below_seed = await profiles.one("w-wang")
        forgotten = await profiles.one("w-zhao")
        everyone = await profiles.many(region_id=None, level=None, limit=10, offset=0)
        qingzhou = await profiles.many(region_id="qingzhou", level=None, limit=10, offset=0)
        county = await profiles.many(region_id="weifang", level="county", limit=10, offset=0)
        seeds = await profiles.many(region_id=None, level="seed", limit=10, offset=0)
    assert li is not None
    assert li.model_dump() == {
        "worker_id": "w-li",
        "display_name": "李娜",
        "enterprise_name": "青州卷烟厂",
        "region_id": "qingzhou",
        "occupation": "fitter",
        "tier": "craftsman",
        "tier_label": "青烟工匠",
        "titles": [{"level": "county", "title_name": "县级工匠", "year": 2025}],
    }
    assert below_seed is None and forgotten is None
    assert [c.worker_id for c in everyone.craftsmen] == ["w-li", "w-sun"]
    assert [c.worker_id for c in qingzhou.craftsmen] == ["w-li"]
    assert [c.worker_id for c in county.craftsmen] == ["w-li"]
    assert [c.worker_id for c in seeds.craftsmen] == ["w-sun"]


async def test_the_pyramid_counts_by_industry_and_year(engine: AsyncEngine) -> None:
    await city(engine)
    async with session_factory(engine)() as session:
        queries = TalentQueries(session)
        end_2024 = await queries.pyramid(date(2024, 12, 31))
        end_2025 = await queries.pyramid(date(2025, 12, 31))
        equipment = await queries.pyramid(date(2025, 12, 31), industry="equipment")
    assert end_2024["bands"] == {"enterprise": 2, "county": 0, "city_and_above": 0}  # w-li, w-zhao
    assert end_2025["year"] == 2025
    assert end_2025["bands"] == {"enterprise": 2, "county": 1, "city_and_above": 0}
    assert equipment["bands"] == {"enterprise": 1, "county": 0, "city_and_above": 0}
    assert equipment["cells"] == [
        {"band": "enterprise", "region_id": "kuiwen", "industry": "equipment", "workers": 1}
    ]


async def test_the_profile_tells_the_career_from_every_service_in_order(engine: AsyncEngine) -> None:
    await city(engine)
    async with session_factory(engine)() as session:
        profile = await ProfileQueries(session).profile("w-li")
    assert profile is not None
    story = [(entry.producer, entry.event_type) for entry in profile.story]
    assert story[0] == ("registry", "WorkerRegistered")
    assert story[-1] == ("registry", "TitleConferred")
    assert {producer for producer, _ in story} == {"registry", "rewards", "competitions", "training"}
    times = [entry.occurred_at for entry in profile.story]
    assert times == sorted(times)
    assert Decimal(profile.points) == Decimal("72.5")
    conferred = profile.story[-1].facts
    assert conferred["title_id"] == "t-county-li" and "worker_id" not in conferred
