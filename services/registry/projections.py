"""Consumers of the registry: the profile projection and the seed-promotion policy.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Handler
from chassis.service import Runtime, Subscription
from chassis.sqlutil import insert_ignoring_duplicates, upsert
from chassis.unit_of_work import UnitOfWorkFactory
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import EnterpriseRegistered, TierPromoted, WorkerNominated, WorkerRegistered
from contracts.events.rewards import RewardGranted
from contracts.events.training import TrainingCompleted
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS, REWARDS_EVENTS, TRAINING_EVENTS
from services.registry.domain import SeedProgress
from services.registry.handlers import promote_when_due
from services.registry.inbound import inbound_subscription
from services.registry.read_models import enterprises, profile_story, seed_progress, worker_profiles

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
        full_name=event.full_name,
        trade=event.trade,
        skill_level=event.skill_level.value,
    )
    await _tell(session, envelope, event.worker_id, {"full_name": event.full_name, "trade": event.trade})


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
    WorkerNominated: on_worker_nominated,
    TierPromoted: on_tier_promoted,
    TrainingCompleted: on_training_completed,
    CompetitionScored: on_competition_scored,
    RewardGranted: on_reward_granted,
}

# --- seed promotion policy ------------------------------------------------------


def seed_policy_handlers(unit_of_work: UnitOfWorkFactory) -> Mapping[type[Event], Handler]:
    def progress(column: str) -> Handler:
        async def record_and_decide(session: AsyncSession, envelope: Envelope, event: Any) -> None:
            worker_id = str(event.worker_id)
            await session.execute(
                insert_ignoring_duplicates(session, seed_progress).values(worker_id=worker_id)
            )
            # UPDATE … RETURNING reads the row after any concurrent writer's committed
            # change, so two replicas cannot both miss the moment the rule holds.
            row = (
                await session.execute(
                    update(seed_progress)
                    .where(seed_progress.c.worker_id == worker_id)
                    .values({column: True})
                    .returning(seed_progress.c.nominated, seed_progress.c.trained, seed_progress.c.scored)
                )
            ).one()
            state = SeedProgress(nominated=row.nominated, trained=row.trained, scored=row.scored)
            await promote_when_due(unit_of_work(session=session), worker_id, state, envelope)

        return record_and_decide

    return {
        WorkerNominated: progress("nominated"),
        TrainingCompleted: progress("trained"),
        CompetitionScored: progress("scored"),
    }


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="profiles",
            topics=(REGISTRY_EVENTS, TRAINING_EVENTS, COMPETITIONS_EVENTS, REWARDS_EVENTS),
            handlers=PROFILE_HANDLERS,
        ),
        Subscription(
            name="seed-policy",
            topics=(REGISTRY_EVENTS, TRAINING_EVENTS, COMPETITIONS_EVENTS),
            handlers=seed_policy_handlers(runtime.unit_of_work),
        ),
        inbound_subscription(runtime),
    ]
