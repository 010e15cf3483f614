"""Consumers of the rewards service: its ledger, workers' tiers, and the tier policy.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.eventstore.store import EventStore
from chassis.inbox import Handler
from chassis.service import Runtime, Subscription
from chassis.sqlutil import insert_ignoring_duplicates, upsert
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.registry import TierPromoted
from contracts.events.rewards import PointsAwarded, PointsExpired, ProgrammeOpened, RewardGranted
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS, REWARDS_EVENTS, TRAINING_EVENTS
from services.rewards.points_policy import points_policy_handlers
from services.rewards.policy import UnitOfWorkOn, reward_promotion
from services.rewards.read_models import grants, points_entries, programmes, worker_tiers


async def on_programme_opened(session: AsyncSession, envelope: Envelope, event: ProgrammeOpened) -> None:
    await session.execute(
        upsert(
            session,
            programmes,
            {
                "programme_id": event.programme_id,
                "name": event.name,
                "sponsor_id": event.sponsor_id,
                "trigger": event.trigger,
                "currency": event.currency,
                "budget": event.budget,
                "grant_amount": event.grant_amount,
                "opened_on": event.opened_on,
            },
            keys=("programme_id",),
        )
    )


async def on_reward_granted(session: AsyncSession, envelope: Envelope, event: RewardGranted) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, grants).values(
            grant_id=event.grant_id,
            programme_id=event.programme_id,
            worker_id=event.worker_id,
            enterprise_id=event.enterprise_id,
            amount=event.amount,
            currency=event.currency,
            reason=event.reason,
            event_id=str(envelope.event_id),
            granted_at=envelope.occurred_at,
        )
    )


async def on_tier_promoted(session: AsyncSession, envelope: Envelope, event: TierPromoted) -> None:
    await session.execute(
        upsert(
            session,
            worker_tiers,
            {
                "worker_id": event.worker_id,
                "enterprise_id": event.enterprise_id,
                "tier": event.to_rank.value,
                "tier_label": event.tier_label,
                "effective_on": event.effective_on,
                "promoted_at": envelope.occurred_at,
            },
            keys=("worker_id",),
        )
    )


LEDGER_HANDLERS: Mapping[type[Event], Handler] = {
    ProgrammeOpened: on_programme_opened,
    RewardGranted: on_reward_granted,
}

WORKER_TIER_HANDLERS: Mapping[type[Event], Handler] = {TierPromoted: on_tier_promoted}


def tier_policy_handlers(uow_on: UnitOfWorkOn) -> Mapping[type[Event], Handler]:
    async def reward(session: AsyncSession, envelope: Envelope, event: TierPromoted) -> None:
        await reward_promotion(uow_on, session, envelope, event)

    return {TierPromoted: reward}


async def on_points_awarded(session: AsyncSession, envelope: Envelope, event: PointsAwarded) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, points_entries).values(
            source_event_id=str(event.source_event_id),
            worker_id=event.worker_id,
            category=event.category,
            rule=event.rule,
            points=event.points,
            earned_on=event.earned_on,
        )
    )


async def on_points_expired(session: AsyncSession, envelope: Envelope, event: PointsExpired) -> None:
    await session.execute(
        update(points_entries)
        .where(points_entries.c.source_event_id == str(event.source_event_id))
        .values(expired_on=event.expired_on)
    )


POINTS_STATEMENT_HANDLERS: Mapping[type[Event], Handler] = {
    PointsAwarded: on_points_awarded,
    PointsExpired: on_points_expired,
}


def units_on(sessions: async_sessionmaker[AsyncSession], store: EventStore, *, producer: str) -> UnitOfWorkOn:
    def on(session: AsyncSession) -> UnitOfWork:
        return UnitOfWork(sessions, store, producer=producer, session=session)

    return on


def rewards_subscriptions(uow_on: UnitOfWorkOn) -> list[Subscription]:
    """The projection of workers' tiers and the policy are separate consumer groups, so
    rebuilding the read model never runs the policy again."""
    return [
        Subscription(
            name="ledger",
            topics=(REWARDS_EVENTS,),
            handlers={**LEDGER_HANDLERS, **POINTS_STATEMENT_HANDLERS},
            tables=(programmes, grants, points_entries),
        ),
        Subscription(
            name="worker-tiers",
            topics=(REGISTRY_EVENTS,),
            handlers=WORKER_TIER_HANDLERS,
            tables=(worker_tiers,),
        ),
        Subscription(name="tier-policy", topics=(REGISTRY_EVENTS,), handlers=tier_policy_handlers(uow_on)),
        Subscription(
            name="points-policy",
            topics=(COMPETITIONS_EVENTS, TRAINING_EVENTS),
            handlers=points_policy_handlers(uow_on),
        ),
    ]


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return rewards_subscriptions(
        units_on(runtime.sessions, runtime.store, producer=runtime.settings.service_name)
    )
