"""The dashboard's projectors: one table from event type to what it changes in the read model.

Every projector runs inside the inbox consumer's transaction (the inbox makes it apply once;
each statement is also idempotent on its own: an upsert or an insert that ignores its twin).
A new event type is one entry in PROJECTORS; any event that names a worker also lands on the
worker's timeline without an entry of its own (`handlers`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Handler
from chassis.service import Runtime, Subscription
from chassis.sqlutil import insert_ignoring_duplicates, upsert
from contracts.catalog import EVENT_TYPES
from contracts.envelope import Envelope
from contracts.events import competitions as c
from contracts.events import registry as r
from contracts.events import rewards as rw
from contracts.events.base import Event
from contracts.topics import ALL_EVENT_TOPICS
from contracts.vocabulary import TierRank
from services.dashboard import read_models as m

Projector = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]


def day_of(envelope: Envelope) -> date:
    return envelope.occurred_at.date()


# ------------------------------------------------------------------ registry


async def region_registered(session: AsyncSession, _: Envelope, event: r.RegionRegistered) -> None:
    values = {"region_id": event.region_id, "name": event.name, "kind": event.kind.value}
    await session.execute(
        upsert(session, m.regions, {**values, "parent_id": event.parent_id}, keys=["region_id"])
    )


async def enterprise_registered(session: AsyncSession, _: Envelope, event: r.EnterpriseRegistered) -> None:
    values = {
        "enterprise_id": event.enterprise_id,
        "name": event.name,
        "region_id": event.region_id,
        "industry": event.industry,
    }
    await session.execute(upsert(session, m.enterprises, values, keys=["enterprise_id"]))


async def worker_registered(session: AsyncSession, envelope: Envelope, event: r.WorkerRegistered) -> None:
    values = {
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "trade": event.trade,
        "skill_level": event.skill_level.value,
        "registered_year": (event.hired_on or day_of(envelope)).year,
    }
    # A repeat of the registration keeps the tier and the erasure already projected.
    statement = insert_ignoring_duplicates(session, m.workers).values(
        **values, tier=TierRank.NONE.value, erased=False, has_left=False
    )
    await session.execute(statement)


async def _change_worker(session: AsyncSession, worker_id: str, **values: Any) -> None:
    await session.execute(update(m.workers).where(m.workers.c.worker_id == worker_id).values(**values))


async def skill_certified(session: AsyncSession, _: Envelope, event: r.SkillLevelCertified) -> None:
    await _change_worker(session, event.worker_id, skill_level=event.skill_level.value)


async def worker_forgotten(session: AsyncSession, _: Envelope, event: r.WorkerForgotten) -> None:
    await _change_worker(session, event.worker_id, erased=True)


async def worker_left(session: AsyncSession, _: Envelope, event: r.WorkerLeft) -> None:
    await _change_worker(session, event.worker_id, has_left=True)


async def tier_promoted(session: AsyncSession, _: Envelope, event: r.TierPromoted) -> None:
    await _change_worker(session, event.worker_id, tier=event.to_rank, tier_year=event.effective_on.year)


async def _tier_lapsed(session: AsyncSession, worker_id: str, rank: TierRank) -> None:
    """The worker falls back to the tier below the one that lapsed, if it was the one held."""
    below = list(TierRank)[rank.order - 1]
    await session.execute(
        update(m.workers)
        .where(and_(m.workers.c.worker_id == worker_id, m.workers.c.tier == rank.value))
        .values(tier=below.value)
    )


async def tier_expired(session: AsyncSession, _: Envelope, event: r.TierExpired) -> None:
    await _tier_lapsed(session, event.worker_id, TierRank(event.rank))


async def tier_revoked(session: AsyncSession, _: Envelope, event: r.TierRevoked) -> None:
    await _tier_lapsed(session, event.worker_id, TierRank(event.rank))


async def title_conferred(session: AsyncSession, _: Envelope, event: r.TitleConferred) -> None:
    statement = insert_ignoring_duplicates(session, m.titles).values(
        title_id=event.title_id,
        worker_id=event.worker_id,
        enterprise_id=event.enterprise_id,
        level=event.level.value,
        title_name=event.title_name,
        year=event.conferred_on.year,
        active=True,
    )
    await session.execute(statement)


async def _title_ended(session: AsyncSession, title_id: str) -> None:
    await session.execute(update(m.titles).where(m.titles.c.title_id == title_id).values(active=False))


async def title_revoked(session: AsyncSession, _: Envelope, event: r.TitleRevoked) -> None:
    await _title_ended(session, event.title_id)


async def title_expired(session: AsyncSession, _: Envelope, event: r.TitleExpired) -> None:
    await _title_ended(session, event.title_id)


# ------------------------------------------------------------------ competitions


async def contest_opened(session: AsyncSession, _: Envelope, event: c.ContestOpened) -> None:
    values = {
        "contest_id": event.contest_id,
        "title": event.title,
        "trade": event.trade,
        "level": event.level.value,
        "region_id": event.region_id,
        "year": event.starts_on.year,
    }
    statement = insert_ignoring_duplicates(session, m.contests).values(**values, concluded=False)
    await session.execute(statement)


async def contest_concluded(session: AsyncSession, _: Envelope, event: c.ContestConcluded) -> None:
    await session.execute(
        update(m.contests).where(m.contests.c.contest_id == event.contest_id).values(concluded=True)
    )


async def competition_scored(session: AsyncSession, envelope: Envelope, event: c.CompetitionScored) -> None:
    values = {
        "contest_id": event.contest_id,
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "level": event.level.value,
        "standardised_score": event.standardised_score,
        "rank": event.rank,
        "medal": event.medal.value,
        "year": day_of(envelope).year,
    }
    await session.execute(upsert(session, m.results, values, keys=["contest_id", "worker_id"]))


# ------------------------------------------------------------------ rewards


async def _ledger(
    session: AsyncSession, envelope: Envelope, worker_id: str, category: str, points: Decimal, on: date
) -> None:
    statement = insert_ignoring_duplicates(session, m.points).values(
        event_id=str(envelope.event_id), worker_id=worker_id, category=category, points=points, year=on.year
    )
    await session.execute(statement)


async def points_awarded(session: AsyncSession, envelope: Envelope, event: rw.PointsAwarded) -> None:
    await _ledger(session, envelope, event.worker_id, event.category, Decimal(event.points), event.earned_on)


async def points_expired(session: AsyncSession, envelope: Envelope, event: rw.PointsExpired) -> None:
    await _ledger(
        session, envelope, event.worker_id, event.category, -Decimal(event.points), event.expired_on
    )


async def points_adjusted(session: AsyncSession, envelope: Envelope, event: rw.PointsAdjusted) -> None:
    await _ledger(session, envelope, event.worker_id, event.category, event.delta, event.adjusted_on)


async def programme_opened(session: AsyncSession, _: Envelope, event: rw.ProgrammeOpened) -> None:
    statement = insert_ignoring_duplicates(session, m.programmes).values(
        programme_id=event.programme_id,
        name=event.name,
        sponsor_id=event.sponsor_id,
        budget=event.budget,
        grant_amount=event.grant_amount,
        currency=event.currency,
        year=event.opened_on.year,
    )
    await session.execute(statement)


async def reward_granted(session: AsyncSession, envelope: Envelope, event: rw.RewardGranted) -> None:
    statement = insert_ignoring_duplicates(session, m.grants).values(
        grant_id=event.grant_id,
        programme_id=event.programme_id,
        worker_id=event.worker_id,
        enterprise_id=event.enterprise_id,
        amount=event.amount,
        year=day_of(envelope).year,
        revoked=False,
    )
    await session.execute(statement)


async def reward_revoked(session: AsyncSession, _: Envelope, event: rw.RewardRevoked) -> None:
    await session.execute(update(m.grants).where(m.grants.c.grant_id == event.grant_id).values(revoked=True))


PROJECTORS: Mapping[type[Event], Projector] = {
    r.RegionRegistered: region_registered,
    r.EnterpriseRegistered: enterprise_registered,
    r.WorkerRegistered: worker_registered,
    r.SkillLevelCertified: skill_certified,
    r.WorkerForgotten: worker_forgotten,
    r.WorkerLeft: worker_left,
    r.TierPromoted: tier_promoted,
    r.TierExpired: tier_expired,
    r.TierRevoked: tier_revoked,
    r.TitleConferred: title_conferred,
    r.TitleRevoked: title_revoked,
    r.TitleExpired: title_expired,
    c.ContestOpened: contest_opened,
    c.ContestConcluded: contest_concluded,
    c.CompetitionScored: competition_scored,
    rw.PointsAwarded: points_awarded,
    rw.PointsExpired: points_expired,
    rw.PointsAdjusted: points_adjusted,
    rw.ProgrammeOpened: programme_opened,
    rw.RewardGranted: reward_granted,
    rw.RewardRevoked: reward_revoked,
}
"""Event type → what it changes in the read model (besides the timeline)."""


# ------------------------------------------------------------------ the timeline

_NOT_IN_SUMMARY = frozenset({"worker_id", "enterprise_id", "source_event_id", "caused_by"})
SUMMARY_LENGTH = 400


def summary(event: Event) -> str:
    """The fact in one line: its fields but the ids the profile already shows."""
    facts = event.model_dump(mode="json", exclude_none=True, exclude=set(_NOT_IN_SUMMARY))
    text = ", ".join(f"{name}: {value}" for name, value in facts.items())
    return text[:SUMMARY_LENGTH]


async def on_timeline(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    statement = insert_ignoring_duplicates(session, m.timeline).values(
        event_id=str(envelope.event_id),
        worker_id=getattr(event, "worker_id"),  # noqa: B009 - only for types that have one
        occurred_on=day_of(envelope),
        event_type=envelope.event_type,
        summary=summary(event),
    )
    await session.execute(statement)


def _both(first: Projector, second: Projector) -> Handler:
    async def apply(session: AsyncSession, envelope: Envelope, event: Any) -> None:
        await first(session, envelope, event)
        await second(session, envelope, event)

    return apply


def handlers(projectors: Mapping[type[Event], Projector] = PROJECTORS) -> dict[type[Event], Handler]:
    """Every event type of the contracts that changes something here: its projector, and the
    timeline when the fact names a worker."""
    chosen: dict[type[Event], Handler] = {}
    for kind in EVENT_TYPES.values():
        about_a_worker = "worker_id" in kind.model_fields
        projector = projectors.get(kind)
        if projector is not None and about_a_worker:
            chosen[kind] = _both(projector, on_timeline)
        elif projector is not None:
            chosen[kind] = projector
        elif about_a_worker:
            chosen[kind] = on_timeline
    return chosen


def subscriptions(_: Runtime) -> list[Subscription]:
    return [Subscription(name="read-model", topics=ALL_EVENT_TOPICS, handlers=handlers())]
