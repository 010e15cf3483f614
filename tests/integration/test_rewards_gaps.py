"""Rewards on the facts of competitions and training (SQLite and Postgres): prize money
follows the ratified result whichever of CompetitionScored and ContestConcluded comes
first, once; a revoked studio stops its allowance; a visit earns points for its whole team."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.eventstore.schema import events
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestConcluded
from contracts.events.training import SkillServiceDelivered, StudioNamed, StudioRevoked
from contracts.topics import COMPETITIONS_EVENTS, TRAINING_EVENTS
from contracts.vocabulary import ContestLevel, Medal, SkillService
from services.rewards.commands import OpenProgramme
from services.rewards.handlers import open_programme
from services.rewards.policy import grant_policy_handlers
from services.rewards.projections import units_on
from services.rewards.read_models import points_entries
from tests.integration.test_rewards_service import OPENED_ON, Rewards, rewards_on

pytestmark = pytest.mark.postgres

PRIZES = {1: Decimal(8000), 2: Decimal(5000), 3: Decimal(3000)}
RATIFIED_ON = date(2026, 6, 20)


@pytest.fixture
async def rewards(engine: AsyncEngine) -> Rewards:
    return await rewards_on(engine)


def wrapped(event: Event, producer: str, stream: str, version: int = 1) -> Envelope:
    return Envelope.wrap(
        event,
        producer=producer,
        stream=StreamRef(type="Test", id=stream),
        stream_version=version,
        tenant="weifang",
    )


def scored(worker: str, rank: int, contest: str = "c-1") -> Envelope:
    event = CompetitionScored(
        contest_id=contest,
        level=ContestLevel.CITY,
        worker_id=worker,
        enterprise_id="weichai",
        raw_score=90 - rank,
        standardised_score=760 - rank,
        rank=rank,
        medal=Medal.NONE,
    )
    return wrapped(event, "competitions", f"{contest}:{worker}")


def concluded(contest: str = "c-1") -> Envelope:
    event = ContestConcluded(
        contest_id=contest, level=ContestLevel.CITY, entrant_count=4, scored_count=4, concluded_on=RATIFIED_ON
    )
    return wrapped(event, "competitions", contest, version=20)


async def open_prizes(rewards: Rewards) -> None:
    command = OpenProgramme(
        programme_id="city-prizes",
        name="City contest prize money",
        sponsor_id="weifang",
        budget=Decimal(100000),
        grant_amount=Decimal(1),
        trigger="contest:city",
        opened_on=OPENED_ON,
        amounts_by_place=PRIZES,
    )
    await open_programme(rewards.unit_of_work(), command)


async def paid(rewards: Rewards) -> dict[str, Decimal]:
    return {grant["worker_id"]: Decimal(grant["amount"]) for grant in await rewards.grants()}


async def test_prize_money_waits_for_the_ratified_result_and_is_paid_once(rewards: Rewards) -> None:
    await open_prizes(rewards)
    places = [scored(f"w-{rank}", rank) for rank in (1, 2, 3, 4)]

    await rewards.deliver("tier-policy", *(rewards.record(one, COMPETITIONS_EVENTS) for one in places[:3]))
    before_ratification = await paid(rewards)
    await rewards.deliver("tier-policy", rewards.record(concluded(), COMPETITIONS_EVENTS))
    at_ratification = await paid(rewards)
    # A placement arriving after the ratification (another partition) is paid at once.
    await rewards.deliver("tier-policy", rewards.record(places[3], COMPETITIONS_EVENTS))
    # Everything again, at other offsets (a replay): nothing more.
    again = [*places, concluded()]
    await rewards.deliver("tier-policy", *(rewards.record(one, COMPETITIONS_EVENTS) for one in again))

    assert before_ratification == {}
    assert at_ratification == {"w-1": PRIZES[1], "w-2": PRIZES[2], "w-3": PRIZES[3]}
    assert await paid(rewards) == at_ratification  # 4th place: no prize money
    grants = await rewards.grants()
    assert len(grants) == 3
    assert {g["causation_id"] for g in grants} == {
        str(p.event_id) for p in places[:3]
    }  # each place its cause


async def test_a_placement_and_its_ratification_at_once_pay_once(pg_engine: AsyncEngine) -> None:
    """Two consumers (as two replicas) take the placement and the ratification at the same time."""
    rewards = await rewards_on(pg_engine)
    await open_prizes(rewards)
    handlers = grant_policy_handlers(units_on(rewards.sessions, rewards.store, producer="rewards"))
    first, ratified = scored("w-1", 1), concluded()

    for _ in range(5):  # the same facts again and again: the grant stays one

        async def handle(envelope: Envelope, kind: type[Event]) -> None:
            async with rewards.sessions() as session, session.begin():
                await handlers[kind](session, envelope, kind.model_validate(envelope.payload))

        await asyncio.gather(handle(first, CompetitionScored), handle(ratified, ContestConcluded))

    assert await paid(rewards) == {"w-1": PRIZES[1]}


async def test_a_revoked_studio_stops_the_allowance_its_naming_started(rewards: Rewards) -> None:
    command = OpenProgramme(
        programme_id="studio-allowance",
        name="Studio allowance",
        sponsor_id="weifang",
        budget=Decimal(100000),
        grant_amount=Decimal(10000),
        trigger="studio:named",
        opened_on=OPENED_ON,
        recurring=True,
    )
    await open_programme(rewards.unit_of_work(), command)
    named = StudioNamed(
        studio_id="s-1", worker_id="w-1", enterprise_id="weichai", name="s", named_on=date(2026, 4, 1)
    )
    revoked = StudioRevoked(
        studio_id="s-1",
        worker_id="w-1",
        revoked_on=date(2027, 4, 1),
        reason="review failed",
        revoked_by="city",
    )
    await rewards.deliver("tier-policy", rewards.record(wrapped(named, "training", "s-1"), TRAINING_EVENTS))
    await rewards.deliver(
        "tier-policy", rewards.record(wrapped(revoked, "training", "s-1", 5), TRAINING_EVENTS)
    )

    async with rewards.sessions() as session:
        kinds = list(
            await session.scalars(
                select(events.c.event_type)
                .where(events.c.stream_id == "studio-allowance")
                .order_by(events.c.position)
            )
        )
    assert kinds.count("AllowanceStarted") == 1 and kinds.count("AllowanceStopped") == 1, kinds


async def test_a_visit_earns_points_for_the_whole_team_once(rewards: Rewards) -> None:
    visit = SkillServiceDelivered(
        visit_id="v-1",
        worker_id="w-lead",
        team_ids=["w-2", "w-3", "w-lead", "w-2"],  # the leader and a repeat among them count once
        host_enterprise_id="host",
        services=[SkillService.TRAINING],
        delivered_on=date(2026, 5, 1),
        workers_reached=40,
        problems_solved=2,
    )
    delivered = wrapped(visit, "training", "v-1")
    await rewards.deliver("points-policy", rewards.record(delivered, TRAINING_EVENTS))
    await rewards.deliver("points-policy", rewards.record(delivered, TRAINING_EVENTS))  # redelivered
    await rewards.relay_own_events()
    await rewards.relay_own_events()

    async with rewards.sessions() as session:
        awarded = await session.scalar(select(func.count()).where(events.c.event_type == "PointsAwarded"))
        lines = (
            await session.execute(select(points_entries.c.worker_id, points_entries.c.source_event_id))
        ).all()
    assert awarded == 3
    assert sorted(worker for worker, _ in lines) == ["w-2", "w-3", "w-lead"]
    assert {source for _, source in lines} == {str(delivered.event_id)}  # one fact, a line per member
