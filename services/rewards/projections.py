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
from contracts.events.registry import EnterpriseRegistered, TierPromoted, WorkerRegistered
from contracts.events.rewards import (
    AllowanceStarted,
    AllowanceStopped,
    BudgetExhausted,
    PointsAdjusted,
    PointsAwarded,
    PointsCategoryDeclared,
    PointsExpired,
    ProgrammeOpened,
    RewardGranted,
    RewardRevoked,
)
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS, REWARDS_EVENTS, TRAINING_EVENTS
from services.rewards.points_policy import points_policy_batch_handlers
from services.rewards.policy import UnitOfWorkOn, grant_policy_batch_handlers, grant_policy_handlers
from services.rewards.read_models import (
    allowances,
    categories,
    enterprises,
    grants,
    points_entries,
    programmes,
    worker_tiers,
    workers,
)


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
                "closes_on": event.closes_on,
                "recurring": event.recurring,
                "credit_support": event.credit_support,
                "amounts_by_place": {
                    str(place): str(amount) for place, amount in event.amounts_by_place.items()
                },
                "eligible_enterprises": list(event.eligible_enterprises),
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


async def on_reward_revoked(session: AsyncSession, envelope: Envelope, event: RewardRevoked) -> None:
    await session.execute(
        update(grants)
        .where(grants.c.grant_id == event.grant_id)
        .values(revoked_at=envelope.occurred_at, revoke_reason=event.reason)
    )


async def on_budget_exhausted(session: AsyncSession, envelope: Envelope, event: BudgetExhausted) -> None:
    await session.execute(
        update(programmes)
        .where(programmes.c.programme_id == event.programme_id)
        .values(exhausted_at=envelope.occurred_at)
    )


async def on_allowance_started(session: AsyncSession, envelope: Envelope, event: AllowanceStarted) -> None:
    await session.execute(
        upsert(
            session,
            allowances,
            {
                "programme_id": event.programme_id,
                "worker_id": event.worker_id,
                "enterprise_id": event.enterprise_id,
                "held": event.held,
                "started_on": event.started_on,
                "stopped_on": None,
                "stop_reason": None,
            },
            keys=("programme_id", "worker_id"),
        )
    )


async def on_allowance_stopped(session: AsyncSession, envelope: Envelope, event: AllowanceStopped) -> None:
    await session.execute(
        update(allowances)
        .where(allowances.c.programme_id == event.programme_id, allowances.c.worker_id == event.worker_id)
        .values(stopped_on=event.stopped_on, stop_reason=event.reason)
    )


async def on_category_declared(
    session: AsyncSession, envelope: Envelope, event: PointsCategoryDeclared
) -> None:
    await session.execute(
        upsert(
            session,
            categories,
            {
                "enterprise_id": event.enterprise_id,
                "category": event.category,
                "name": event.name,
                "cap": event.cap,
            },
            keys=("enterprise_id", "category"),
        )
    )


LEDGER_HANDLERS: Mapping[type[Event], Handler] = {
    ProgrammeOpened: on_programme_opened,
    RewardGranted: on_reward_granted,
    RewardRevoked: on_reward_revoked,
    BudgetExhausted: on_budget_exhausted,
    AllowanceStarted: on_allowance_started,
    AllowanceStopped: on_allowance_stopped,
    PointsCategoryDeclared: on_category_declared,
}


async def on_enterprise_registered(
    session: AsyncSession, envelope: Envelope, event: EnterpriseRegistered
) -> None:
    await session.execute(
        upsert(
            session,
            enterprises,
            {"enterprise_id": event.enterprise_id, "region_id": event.region_id},
            keys=("enterprise_id",),
        )
    )


async def on_worker_registered(session: AsyncSession, envelope: Envelope, event: WorkerRegistered) -> None:
    await session.execute(
        upsert(
            session,
            workers,
            {"worker_id": event.worker_id, "enterprise_id": event.enterprise_id},
            keys=("worker_id",),
        )
    )


WORKER_TIER_HANDLERS: Mapping[type[Event], Handler] = {
    TierPromoted: on_tier_promoted,
    EnterpriseRegistered: on_enterprise_registered,
    WorkerRegistered: on_worker_registered,
}


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
        .where(
            points_entries.c.source_event_id == str(event.source_event_id),
            points_entries.c.worker_id == event.worker_id,
        )
        .values(expired_on=event.expired_on)
    )


async def on_points_adjusted(session: AsyncSession, envelope: Envelope, event: PointsAdjusted) -> None:
    """An adjustment is a line of the statement of its own, keyed by its event id."""
    await session.execute(
        insert_ignoring_duplicates(session, points_entries).values(
            source_event_id=str(envelope.event_id),
            worker_id=event.worker_id,
            category=event.category,
            rule="adjustment",
            points=event.delta,
            earned_on=event.adjusted_on,
        )
    )


POINTS_STATEMENT_HANDLERS: Mapping[type[Event], Handler] = {
    PointsAwarded: on_points_awarded,
    PointsExpired: on_points_expired,
    PointsAdjusted: on_points_adjusted,
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
            tables=(programmes, grants, allowances, categories, points_entries),
        ),
        Subscription(
            name="worker-tiers",
            topics=(REGISTRY_EVENTS,),
            handlers=WORKER_TIER_HANDLERS,
            tables=(worker_tiers, workers, enterprises),
        ),
        # The grant policy keeps its first name: renaming a consumer group would replay it.
        Subscription(
            name="tier-policy",
            topics=(REGISTRY_EVENTS, COMPETITIONS_EVENTS, TRAINING_EVENTS),
            # prize money (services/rewards/prizes.py) one fact at a time, the rest a batch at a time
            handlers=grant_policy_handlers(uow_on),
            batch_handlers=grant_policy_batch_handlers(uow_on),
        ),
        Subscription(
            name="points-policy",
            topics=(COMPETITIONS_EVENTS, TRAINING_EVENTS),
            handlers={},
            batch_handlers=points_policy_batch_handlers(uow_on),
        ),
    ]


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return rewards_subscriptions(runtime.unit_of_work)  # with the process's aggregate cache
