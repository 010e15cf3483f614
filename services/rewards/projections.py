"""Consumers of the rewards service: its ledger, workers' tiers, and the tier policy.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.eventstore.store import EventStore
from chassis.row_writes import Change, InsertMissing, Upsert, Write, Writer, in_rounds
from chassis.service import Runtime, Subscription
from chassis.tenancy import enterprise_rows
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


def programme_opened(_: Envelope, event: ProgrammeOpened) -> list[Write]:
    return [
        Upsert(
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
        )
    ]


def reward_granted(envelope: Envelope, event: RewardGranted) -> list[Write]:
    return [
        InsertMissing(
            grants,
            {
                "grant_id": event.grant_id,
                "programme_id": event.programme_id,
                "worker_id": event.worker_id,
                "enterprise_id": event.enterprise_id,
                "amount": event.amount,
                "currency": event.currency,
                "reason": event.reason,
                "event_id": str(envelope.event_id),
                "granted_at": envelope.occurred_at,
            },
        )
    ]


def reward_revoked(envelope: Envelope, event: RewardRevoked) -> list[Write]:
    change = {"grant_id": event.grant_id, "revoked_at": envelope.occurred_at, "revoke_reason": event.reason}
    return [Change(grants, change)]


def budget_exhausted(envelope: Envelope, event: BudgetExhausted) -> list[Write]:
    return [Change(programmes, {"programme_id": event.programme_id, "exhausted_at": envelope.occurred_at})]


def allowance_started(_: Envelope, event: AllowanceStarted) -> list[Write]:
    return [
        Upsert(
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
        )
    ]


def allowance_stopped(_: Envelope, event: AllowanceStopped) -> list[Write]:
    stopped = {
        "programme_id": event.programme_id,
        "worker_id": event.worker_id,
        "stopped_on": event.stopped_on,
        "stop_reason": event.reason,
    }
    return [Change(allowances, stopped)]


def category_declared(_: Envelope, event: PointsCategoryDeclared) -> list[Write]:
    declared = {
        "enterprise_id": event.enterprise_id,
        "category": event.category,
        "name": event.name,
        "cap": event.cap,
    }
    return [Upsert(categories, declared)]


def points_awarded(_: Envelope, event: PointsAwarded) -> list[Write]:
    return [
        InsertMissing(
            points_entries,
            {
                "source_event_id": str(event.source_event_id),
                "worker_id": event.worker_id,
                "category": event.category,
                "rule": event.rule,
                "points": event.points,
                "earned_on": event.earned_on,
            },
        )
    ]


def points_expired(_: Envelope, event: PointsExpired) -> list[Write]:
    entry = {"source_event_id": str(event.source_event_id), "worker_id": event.worker_id}
    return [Change(points_entries, {**entry, "expired_on": event.expired_on})]


def points_adjusted(envelope: Envelope, event: PointsAdjusted) -> list[Write]:
    """An adjustment is a line of the statement of its own, keyed by its event id."""
    return [
        InsertMissing(
            points_entries,
            {
                "source_event_id": str(envelope.event_id),
                "worker_id": event.worker_id,
                "category": event.category,
                "rule": "adjustment",
                "points": event.delta,
                "earned_on": event.adjusted_on,
            },
        )
    ]


LEDGER_WRITERS: Mapping[type[Event], Writer] = {
    ProgrammeOpened: programme_opened,
    RewardGranted: reward_granted,
    RewardRevoked: reward_revoked,
    BudgetExhausted: budget_exhausted,
    AllowanceStarted: allowance_started,
    AllowanceStopped: allowance_stopped,
    PointsCategoryDeclared: category_declared,
    PointsAwarded: points_awarded,
    PointsExpired: points_expired,
    PointsAdjusted: points_adjusted,
}
"""The ledger and the points statements: each fact writes rows by their keys, so a batch goes in rounds."""


def tier_promoted(envelope: Envelope, event: TierPromoted) -> list[Write]:
    return [
        Upsert(
            worker_tiers,
            {
                "worker_id": event.worker_id,
                "enterprise_id": event.enterprise_id,
                "tier": event.to_rank.value,
                "tier_label": event.tier_label,
                "effective_on": event.effective_on,
                "promoted_at": envelope.occurred_at,
            },
        )
    ]


def worker_registered(_: Envelope, event: WorkerRegistered) -> list[Write]:
    return [Upsert(workers, {"worker_id": event.worker_id, "enterprise_id": event.enterprise_id})]


WORKER_TIER_WRITERS: Mapping[type[Event], Writer] = {
    TierPromoted: tier_promoted,
    EnterpriseRegistered: enterprise_rows(enterprises),
    WorkerRegistered: worker_registered,
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
            handlers={},
            batch_handlers=in_rounds(LEDGER_WRITERS),
            tables=(programmes, grants, allowances, categories, points_entries),
        ),
        Subscription(
            name="worker-tiers",
            topics=(REGISTRY_EVENTS,),
            handlers={},
            batch_handlers=in_rounds(WORKER_TIER_WRITERS),
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
