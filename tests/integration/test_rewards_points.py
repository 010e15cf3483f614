"""The points policy through the inbox consumer (SQLite and Postgres): facts earn points once,
only the best placement counts, and redelivering every fact changes no balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import EventStore
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.training import CertificateAwarded, MentorshipConcluded
from contracts.vocabulary import CertificateIssuerKind, ContestLevel, Medal, MentorshipOutcome, SkillLevel
from services.rewards.account import PointsAccount
from services.rewards.points_policy import points_policy_handlers
from services.rewards.read_models import points_entries
from services.rewards.service import SPEC
from tests.service_support import inbox_consumer, migrated, record_of


def fact(event: Event, producer: str, n: int) -> Envelope:
    return Envelope.wrap(
        event, producer=producer, stream=StreamRef(type="Fact", id=f"f-{n}"), stream_version=1, tenant="qz"
    )


def placed(contest: str, level: ContestLevel, rank: int) -> CompetitionScored:
    return CompetitionScored(
        contest_id=contest,
        level=level,
        worker_id="w-1",
        enterprise_id="qz",
        raw_score=90.0,
        standardised_score=720,
        rank=rank,
        medal=Medal.GOLD if rank == 1 else Medal.SILVER,
    )


FACTS = [
    fact(placed("c-county", ContestLevel.COUNTY, 1), "competitions", 1),  # 10
    fact(placed("c-city", ContestLevel.CITY, 2), "competitions", 2),  # 12: +2 over the county's 10
    fact(placed("c-county-2", ContestLevel.COUNTY, 2), "competitions", 3),  # 8 < 12: nothing
    fact(
        CertificateAwarded(
            certificate_id="cert-1",
            worker_id="w-1",
            occupation="fitter",
            skill_level=SkillLevel.TECHNICIAN,
            issuer_id="qz",
            issuer_kind=CertificateIssuerKind.ENTERPRISE,
            issued_on=date(2026, 3, 1),
        ),
        "training",
        4,
    ),  # 12
    *[
        fact(
            MentorshipConcluded(
                mentorship_id=f"m-{n}",
                worker_id="w-1",
                apprentice_id=f"a-{n}",
                enterprise_id="qz",
                started_on=date(2024, 1, 1),
                ended_on=date(2026, 1, 1),
                outcome=MentorshipOutcome.COMPLETED,
            ),
            "training",
            10 + n,
        )
        for n in range(3)
    ],  # 2 + 0.5 + 0.5
]


async def balance(engine: AsyncEngine) -> tuple[Decimal, int]:
    async with UnitOfWork(session_factory(engine), EventStore(), producer="rewards") as uow:
        account = await uow.require(PointsAccount, "w-1", "missing")
    async with engine.connect() as connection:
        rows = (await connection.execute(select(points_entries))).all()
    assert sum(Decimal(row.points) for row in rows) in (Decimal(0), account.balance)  # statement not fed here
    return account.balance, account.version


async def test_facts_earn_points_once_and_only_the_best_placement_counts(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    uow_on = lambda session: UnitOfWork(  # noqa: E731
        session_factory(engine), EventStore(), producer="rewards", session=session
    )
    consumer = inbox_consumer(engine, "rewards.points-policy", dict(points_policy_handlers(uow_on)))
    await consumer.process([record_of(envelope, offset) for offset, envelope in enumerate(FACTS)])
    first = await balance(engine)
    assert first[0] == Decimal("10") + 2 + 12 + 2 + Decimal("0.5") * 2

    redelivered = await consumer.process(
        [record_of(envelope, offset) for offset, envelope in enumerate(FACTS)]
    )
    assert redelivered.duplicates == len(FACTS) and await balance(engine) == first

    fresh = inbox_consumer(engine, "rewards.points-policy.rebuilt", dict(points_policy_handlers(uow_on)))
    await fresh.process([record_of(envelope, offset) for offset, envelope in enumerate(FACTS)])
    assert await balance(engine) == first, "a consumer without the inbox still cannot count a fact twice"
