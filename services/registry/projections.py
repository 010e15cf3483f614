"""Consumers of the registry: the profile projection (services/registry/profiles.py), the talent
read model and the seed-promotion policy.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.service import Runtime, Subscription
from chassis.sqlutil import dialect_name, one_of, upsert_adding
from chassis.unit_of_work import UnitOfWorkFactory, commit_decisions, policy_command
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.registry import (
    SkillLevelCertified,
    WorkerRegistered,
)
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired
from contracts.events.training import CertificateAwarded
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS, REWARDS_EVENTS, TRAINING_EVENTS
from services.registry.domain import Enterprise, Worker
from services.registry.handlers import (
    certify_from_training,
    certify_once,
    climb_the_ladder,
    due_step,
    promote_to,
)
from services.registry.inbound import inbound_subscription
from services.registry.profiles import PROFILE_BATCH_HANDLERS, PROFILE_HANDLERS, points_change
from services.registry.read_models import (
    enterprises,
    profile_story,
    regions,
    tenures,
    worker_points,
    worker_profiles,
)
from services.registry.talent import TALENT_BATCH_HANDLERS, TALENT_HANDLERS

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
            batch_handlers=PROFILE_BATCH_HANDLERS,
            tables=(worker_profiles, profile_story, enterprises),
        ),
        Subscription(
            name="talent",
            topics=(REGISTRY_EVENTS,),
            handlers=TALENT_HANDLERS,
            batch_handlers=TALENT_BATCH_HANDLERS,
            tables=(tenures, regions),
        ),
        Subscription(
            name="ladder-policy",
            topics=(REGISTRY_EVENTS, TRAINING_EVENTS, REWARDS_EVENTS),
            handlers={},
            batch_handlers=ladder_policy_batch_handlers(runtime.unit_of_work),
        ),
        inbound_subscription(runtime),
    ]
