"""Consumers of the training service: the workers it knows and the learning records.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Handler
from chassis.keyed_rows import update_from, upsert_from
from chassis.service import Runtime, Subscription
from chassis.tenancy import enterprise_regions
from contracts.envelope import Envelope
from contracts.events.registry import (
    EnterpriseRegistered,
    SkillLevelCertified,
    TierExpired,
    TierPromoted,
    TierRevoked,
    TitleConferred,
    TitleExpired,
    TitleRevoked,
    WorkerForgotten,
    WorkerRegistered,
)
from contracts.topics import REGISTRY_EVENTS, TRAINING_EVENTS
from contracts.vocabulary import TierRank
from services.training.activity_projections import HANDLERS as ACTIVITY_HANDLERS
from services.training.read_models import (
    ACTIVITY_TABLES,
    enterprises,
    known_workers,
)
from services.training.registers import BATCH_HANDLERS as REGISTER_HANDLERS
from services.training.rules import CITY_TITLES


def worker_facts(event: WorkerRegistered) -> dict[str, str]:
    return {
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "skill_level": event.skill_level.value,
    }


on_worker_registered = upsert_from(known_workers, worker_facts)


def erased(event: WorkerForgotten) -> dict[str, object]:
    return {"worker_id": event.worker_id, "erased": True}


on_worker_forgotten = update_from(known_workers, erased)


def level_facts(event: SkillLevelCertified) -> dict[str, object]:
    return {
        "worker_id": event.worker_id,
        "skill_level": event.skill_level.value,
        "level_since": event.certified_on,
    }


def tier_facts(event: TierPromoted) -> dict[str, object]:
    return {"worker_id": event.worker_id, "tier": event.to_rank.value}


def tier_ended(event: TierExpired | TierRevoked) -> dict[str, object]:
    # A lapsed or withdrawn tier leaves the worker in none, as in the registry.
    return {"worker_id": event.worker_id, "tier": TierRank.NONE.value}


on_level_certified = update_from(known_workers, level_facts)
on_tier_promoted = update_from(known_workers, tier_facts)
on_tier_ended = update_from(known_workers, tier_ended)


def counting_city_titles(step: int) -> Handler:
    """+1 when a city-level title (or higher) is conferred, -1 when one is revoked or expires;
    the inbox applies each event once, and a worker's events arrive in order (one partition)."""

    async def count(
        session: AsyncSession, envelope: Envelope, event: TitleConferred | TitleRevoked | TitleExpired
    ) -> None:
        if event.level not in CITY_TITLES:
            return
        titles = known_workers.c.city_titles
        await session.execute(
            update(known_workers)
            .where(known_workers.c.worker_id == event.worker_id)
            .values(city_titles=case((titles + step < 0, 0), else_=titles + step))
        )

    return count


def subscriptions(_: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="workers",
            topics=(REGISTRY_EVENTS,),
            handlers={
                WorkerRegistered: on_worker_registered,
                WorkerForgotten: on_worker_forgotten,
                SkillLevelCertified: on_level_certified,
                TierPromoted: on_tier_promoted,
                TierExpired: on_tier_ended,
                TierRevoked: on_tier_ended,
                TitleConferred: counting_city_titles(+1),
                TitleRevoked: counting_city_titles(-1),
                TitleExpired: counting_city_titles(-1),
                EnterpriseRegistered: enterprise_regions(enterprises),
            },
            tables=(known_workers, enterprises),
        ),
        Subscription(
            name="learning-records",
            topics=(TRAINING_EVENTS,),
            handlers=ACTIVITY_HANDLERS,
            batch_handlers=REGISTER_HANDLERS,
            tables=ACTIVITY_TABLES,
        ),
    ]
