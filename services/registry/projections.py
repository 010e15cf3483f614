"""Consumers of the registry: the profile projection and the seed-promotion policy.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.service import Runtime, Subscription
from chassis.sqlutil import dialect_name, insert_ignoring_duplicates, one_of, upsert, upsert_adding
from chassis.unit_of_work import UnitOfWorkFactory, commit_decisions, policy_command
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import (
    EnterpriseRegistered,
    ExpertScoreRecorded,
    NominationRejected,
    NominationReviewed,
    NominationScreened,
    ObjectionRaised,
    ObjectionResolved,
    PublicityOpened,
    SiteInspected,
    SkillLevelCertified,
    TierExpired,
    TierPromoted,
    TierReviewed,
    TierRevoked,
    TitleConferred,
    TitleExpired,
    TitleReviewed,
    TitleRevoked,
    WorkerForgotten,
    WorkerLeft,
    WorkerNominated,
    WorkerRegistered,
)
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired, RewardGranted
from contracts.events.training import CertificateAwarded, TrainingCompleted
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS, REWARDS_EVENTS, TRAINING_EVENTS
from contracts.vocabulary import SkillLevel, TierRank
from services.registry.domain import Enterprise, Worker
from services.registry.handlers import (
    certify_from_training,
    certify_once,
    climb_the_ladder,
    due_step,
    promote_to,
)
from services.registry.inbound import inbound_subscription
from services.registry.read_models import (
    enterprises,
    profile_story,
    regions,
    tenures,
    worker_points,
    worker_profiles,
)
from services.registry.talent import TALENT_HANDLERS

# --- worker profiles ------------------------------------------------------------


async def _profile_row(session: AsyncSession, worker_id: str) -> None:
    await session.execute(insert_ignoring_duplicates(session, worker_profiles).values(worker_id=worker_id))


async def _tell(session: AsyncSession, envelope: Envelope, worker_id: str, facts: dict[str, Any]) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, profile_story).values(
            event_id=str(envelope.event_id),
            worker_id=worker_id,
            event_type=envelope.event_type,
            producer=envelope.producer,
            occurred_at=envelope.occurred_at,
            facts=facts,
        )
    )


async def _change_profile(session: AsyncSession, envelope: Envelope, worker_id: str, **values: Any) -> None:
    await _profile_row(session, worker_id)
    await session.execute(
        update(worker_profiles)
        .where(worker_profiles.c.worker_id == worker_id)
        .values(updated_at=envelope.occurred_at, **values)
    )


async def on_enterprise_registered(
    session: AsyncSession, envelope: Envelope, event: EnterpriseRegistered
) -> None:
    await session.execute(
        upsert(
            session,
            enterprises,
            {
                "enterprise_id": event.enterprise_id,
                "name": event.name,
                "region_id": event.region_id,
                "industry": event.industry,
            },
            keys=("enterprise_id",),
        )
    )


async def on_worker_registered(session: AsyncSession, envelope: Envelope, event: WorkerRegistered) -> None:
    await _change_profile(
        session,
        envelope,
        event.worker_id,
        enterprise_id=event.enterprise_id,
        trade=event.trade,
        skill_level=event.skill_level.value,
    )
    await _tell(session, envelope, event.worker_id, {"trade": event.trade, "post": event.post})


async def on_worker_forgotten(session: AsyncSession, envelope: Envelope, event: WorkerForgotten) -> None:
    await _change_profile(session, envelope, event.worker_id, forgotten_on=event.forgotten_on)
    await _tell(session, envelope, event.worker_id, {"forgotten_on": event.forgotten_on.isoformat()})


async def on_worker_nominated(session: AsyncSession, envelope: Envelope, event: WorkerNominated) -> None:
    await _change_profile(session, envelope, event.worker_id, nominations=worker_profiles.c.nominations + 1)
    await _tell(session, envelope, event.worker_id, {"level": event.level.value, "reason": event.reason})


async def on_tier_promoted(session: AsyncSession, envelope: Envelope, event: TierPromoted) -> None:
    await _change_profile(
        session, envelope, event.worker_id, tier=event.to_rank.value, tier_label=event.tier_label
    )
    await _tell(
        session, envelope, event.worker_id, {"to_rank": event.to_rank.value, "tier_label": event.tier_label}
    )


async def on_skill_level_certified(
    session: AsyncSession, envelope: Envelope, event: SkillLevelCertified
) -> None:
    await _change_profile(session, envelope, event.worker_id, skill_level=_highest_skill(event.skill_level))
    await _tell(
        session,
        envelope,
        event.worker_id,
        {"skill_level": event.skill_level.value, "certificate_id": event.certificate_id},
    )


def _highest_skill(certified: SkillLevel) -> Any:
    """The profile keeps the highest level certified; a lower certificate changes nothing."""
    current = worker_profiles.c.skill_level
    lower = [level.value for level in SkillLevel if level.order < certified.order]
    return case((current.is_(None) | current.in_(lower), certified.value), else_=current)


async def on_tier_lapsed(session: AsyncSession, envelope: Envelope, event: TierExpired | TierRevoked) -> None:
    await _change_profile(session, envelope, event.worker_id, tier=TierRank.NONE.value, tier_label=None)
    await _tell(session, envelope, event.worker_id, {"rank": event.rank.value, "reason": event.reason})


async def on_training_completed(session: AsyncSession, envelope: Envelope, event: TrainingCompleted) -> None:
    await _change_profile(
        session,
        envelope,
        event.worker_id,
        trainings=worker_profiles.c.trainings + 1,
        training_hours=worker_profiles.c.training_hours + event.hours,
    )
    await _tell(session, envelope, event.worker_id, {"course": event.course_title, "hours": event.hours})


async def on_competition_scored(session: AsyncSession, envelope: Envelope, event: CompetitionScored) -> None:
    best = worker_profiles.c.best_raw_score
    await _change_profile(session, envelope, event.worker_id)
    await session.execute(
        update(worker_profiles)
        .where(worker_profiles.c.worker_id == event.worker_id)
        .where((best.is_(None)) | (best < event.raw_score))
        .values(best_raw_score=event.raw_score, best_standardised_score=event.standardised_score)
    )
    await _tell(
        session,
        envelope,
        event.worker_id,
        {
            "contest_id": event.contest_id,
            "raw_score": event.raw_score,
            "medal": event.medal.value,
            "rank": event.rank,
        },
    )


def points_change(event: PointsAwarded | PointsExpired | PointsAdjusted) -> Decimal:
    """What a points event does to the worker's 4+X total."""
    match event:
        case PointsAwarded():
            return Decimal(event.points)
        case PointsExpired():
            return -Decimal(event.points)
        case PointsAdjusted():
            return Decimal(event.delta)


async def on_points_changed(
    session: AsyncSession, envelope: Envelope, event: PointsAwarded | PointsExpired | PointsAdjusted
) -> None:
    change = points_change(event)
    await _change_profile(session, envelope, event.worker_id, points=worker_profiles.c.points + change)
    await _tell(session, envelope, event.worker_id, {"category": event.category, "points": str(change)})


async def on_worker_left(session: AsyncSession, envelope: Envelope, event: WorkerLeft) -> None:
    await _change_profile(session, envelope, event.worker_id, left_on=event.left_on)
    await _tell(
        session, envelope, event.worker_id, {"left_on": event.left_on.isoformat(), "reason": event.reason}
    )


async def on_career_fact(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    """A step of selection, a title's life or a review: a line in the worker's story.
    The registry's events carry no personal data, so the facts are the event's own fields."""
    facts = event.model_dump(mode="json", exclude={"worker_id", "enterprise_id"})
    await _change_profile(session, envelope, event.worker_id)
    await _tell(session, envelope, event.worker_id, facts)


async def on_reward_granted(session: AsyncSession, envelope: Envelope, event: RewardGranted) -> None:
    await _change_profile(
        session,
        envelope,
        event.worker_id,
        grants=worker_profiles.c.grants + 1,
        rewards_total=worker_profiles.c.rewards_total + Decimal(event.amount),
    )
    await _tell(
        session,
        envelope,
        event.worker_id,
        {"programme_id": event.programme_id, "amount": str(event.amount), "currency": event.currency},
    )


PROFILE_HANDLERS: Mapping[type[Event], Handler] = {
    EnterpriseRegistered: on_enterprise_registered,
    WorkerRegistered: on_worker_registered,
    WorkerForgotten: on_worker_forgotten,
    WorkerNominated: on_worker_nominated,
    TierPromoted: on_tier_promoted,
    SkillLevelCertified: on_skill_level_certified,
    TierExpired: on_tier_lapsed,
    TierRevoked: on_tier_lapsed,
    TrainingCompleted: on_training_completed,
    CompetitionScored: on_competition_scored,
    RewardGranted: on_reward_granted,
    PointsAwarded: on_points_changed,
    PointsExpired: on_points_changed,
    PointsAdjusted: on_points_changed,
    WorkerLeft: on_worker_left,
    **dict.fromkeys(
        (
            NominationScreened,
            ExpertScoreRecorded,
            NominationReviewed,
            SiteInspected,
            PublicityOpened,
            ObjectionRaised,
            ObjectionResolved,
            NominationRejected,
            TitleConferred,
            TitleReviewed,
            TitleRevoked,
            TitleExpired,
            TierReviewed,
        ),
        on_career_fact,
    ),
}

# --- the ladder policy ----------------------------------------------------------


async def _points_of(session: AsyncSession, worker_id: str) -> Decimal:
    found = await session.scalar(select(worker_points.c.points).where(worker_points.c.worker_id == worker_id))
    return Decimal(found or 0)


def ladder_policy_handlers(unit_of_work: UnitOfWorkFactory) -> Mapping[type[Event], Handler]:
    async def standing_changed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
        worker_id = str(event.worker_id)
        await climb_the_ladder(
            unit_of_work(session=session), worker_id, await _points_of(session, worker_id), envelope
        )

    async def points_changed(
        session: AsyncSession, envelope: Envelope, event: PointsAwarded | PointsExpired | PointsAdjusted
    ) -> None:
        await session.execute(
            upsert_adding(session, worker_points, key="worker_id", column="points"),
            [{"worker_id": event.worker_id, "points": points_change(event)}],
        )
        await standing_changed(session, envelope, event)

    async def certificate_awarded(
        session: AsyncSession, envelope: Envelope, event: CertificateAwarded
    ) -> None:
        await certify_from_training(unit_of_work(session=session), event, envelope)

    return {
        WorkerRegistered: standing_changed,
        SkillLevelCertified: standing_changed,
        PointsAwarded: points_changed,
        PointsExpired: points_changed,
        PointsAdjusted: points_changed,
        CertificateAwarded: certificate_awarded,
    }


POINTS_EVENTS = (PointsAwarded, PointsExpired, PointsAdjusted)


async def _points_of_many(session: AsyncSession, worker_ids: Sequence[str]) -> dict[str, Decimal]:
    result = await session.execute(
        select(worker_points.c.worker_id, worker_points.c.points).where(
            one_of(dialect_name(session), worker_points.c.worker_id, worker_ids)
        )
    )
    return {worker_id: Decimal(points) for worker_id, points in result.all()}


def ladder_policy_batch_handlers(unit_of_work: UnitOfWorkFactory) -> Mapping[type[Event], BatchHandler]:
    """The ladder policy a batch at a time, with the same decisions as `ladder_policy_handlers`:
    every worker the batch names (and their enterprises) loaded at once, each fact decided in
    the batch's order on the state the facts before it left, every new event appended in one
    statement, the points kept in one more; all in the inbox's transaction."""

    async def decide(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        worker_ids = list(dict.fromkeys(str(delivery.event.worker_id) for delivery in deliveries))  # type: ignore[attr-defined]
        points = await _points_of_many(session, worker_ids)
        added: dict[str, Decimal] = {}
        decided = False
        async with unit_of_work(session=session) as uow:
            workers = await uow.load_many(Worker, worker_ids)
            enterprises = await uow.load_many(Enterprise, {w.enterprise_id for w in workers.values()})
            for delivery in deliveries:
                envelope, event = delivery.envelope, delivery.event
                worker_id = str(event.worker_id)  # type: ignore[attr-defined]
                worker = workers.get(worker_id)
                if isinstance(event, CertificateAwarded):
                    if worker is not None and certify_once(worker, event):
                        uow.decided(worker, **policy_command(envelope, "registry.certify"))
                        decided = True
                    continue
                if isinstance(event, POINTS_EVENTS):
                    change = points_change(event)
                    points[worker_id] = points.get(worker_id, Decimal(0)) + change
                    added[worker_id] = added.get(worker_id, Decimal(0)) + change
                on = envelope.occurred_at.date()
                standing = points.get(worker_id, Decimal(0))
                due = due_step(worker, standing, on)
                if worker is not None and due is not None:
                    promote_to(worker, due, enterprises.get(worker.enterprise_id), standing, on)
                    uow.decided(worker, **policy_command(envelope, "registry.ladder"))
                    decided = True
            if decided:
                await commit_decisions(uow, deliveries)
        if added:
            await session.execute(
                upsert_adding(session, worker_points, key="worker_id", column="points"),
                [{"worker_id": worker_id, "points": change} for worker_id, change in added.items()],
            )

    return dict.fromkeys((WorkerRegistered, SkillLevelCertified, *POINTS_EVENTS, CertificateAwarded), decide)


def subscriptions(runtime: Runtime) -> list[Subscription]:
    """Each read model's tables are written by its one subscription only (what `craftsman
    rebuild` needs): `profiles` the workers' profiles, their stories and the enterprise
    directory; `talent` the tenures and the region tree. Queries may join across them (the
    pyramid reads the enterprises' regions); handlers never read or write another's tables.
    `ladder-policy` keeps its points tally (worker_points) as its own state: a policy, never rebuilt."""
    return [
        Subscription(
            name="profiles",
            topics=(REGISTRY_EVENTS, TRAINING_EVENTS, COMPETITIONS_EVENTS, REWARDS_EVENTS),
            handlers=PROFILE_HANDLERS,
            tables=(worker_profiles, profile_story, enterprises),
        ),
        Subscription(
            name="talent", topics=(REGISTRY_EVENTS,), handlers=TALENT_HANDLERS, tables=(tenures, regions)
        ),
        Subscription(
            name="ladder-policy",
            topics=(REGISTRY_EVENTS, TRAINING_EVENTS, REWARDS_EVENTS),
            handlers={},
            batch_handlers=ladder_policy_batch_handlers(runtime.unit_of_work),
        ),
        inbound_subscription(runtime),
    ]
