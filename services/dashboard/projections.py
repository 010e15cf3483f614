"""The dashboard's projectors: one table from event type to what it changes in the read model.

Every projector runs inside the inbox consumer's transaction (the inbox makes it apply once;
each statement is also idempotent on its own: an upsert or an insert that ignores its twin).
A new event type is one entry: in PROJECTORS when its change depends on earlier facts (applied
one event at a time, in order), or in BATCHED when it only writes rows of its own (a batch of
the type is one statement). Any event that names a worker also lands on the worker's timeline
without an entry of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.service import Runtime, Subscription
from chassis.sqlutil import dialect_name, insert_ignoring_duplicates, upsert
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
Row = dict[str, Any]


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


# ------------------------------------------------------------------ rows written a batch at a time


def points_row(envelope: Envelope, event: rw.PointsAwarded | rw.PointsExpired | rw.PointsAdjusted) -> Row:
    """A ledger line: awards add, expiries take away, adjustments either way."""
    match event:
        case rw.PointsAwarded():
            points, on = Decimal(event.points), event.earned_on
        case rw.PointsExpired():
            points, on = -Decimal(event.points), event.expired_on
        case rw.PointsAdjusted():
            points, on = event.delta, event.adjusted_on
    return {
        "event_id": str(envelope.event_id),
        "worker_id": event.worker_id,
        "category": event.category,
        "points": points,
        "year": on.year,
    }


def result_row(envelope: Envelope, event: c.CompetitionScored) -> Row:
    return {
        "contest_id": event.contest_id,
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "level": event.level.value,
        "standardised_score": event.standardised_score,
        "rank": event.rank,
        "medal": event.medal.value,
        "year": day_of(envelope).year,
    }


@dataclass(frozen=True, slots=True)
class Rows:
    """A projector that only writes one row per event, whatever else arrived: a batch of its
    type is one statement (insert-or-ignore, or with `keys` an upsert where the last wins)."""

    table: Table
    row: Callable[[Envelope, Any], Row]
    keys: tuple[str, ...] = ()


BATCHED: Mapping[type[Event], Rows] = {
    rw.PointsAwarded: Rows(m.points, points_row),
    rw.PointsExpired: Rows(m.points, points_row),
    rw.PointsAdjusted: Rows(m.points, points_row),
    c.CompetitionScored: Rows(m.results, result_row, keys=("contest_id", "worker_id")),
}
"""Event type → its rows, for the types whose rows no other fact changes (order within a batch
does not matter across types; within a type the statement keeps the batch's order)."""


# ------------------------------------------------------------------ rewards


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
    rw.ProgrammeOpened: programme_opened,
    rw.RewardGranted: reward_granted,
    rw.RewardRevoked: reward_revoked,
}
"""Event type → what it changes in the read model (besides the timeline), one event at a time:
the types whose change depends on an earlier fact (a promotion needs the registered worker)."""


# ------------------------------------------------------------------ the timeline

_NOT_IN_SUMMARY = frozenset({"worker_id", "enterprise_id", "source_event_id", "caused_by"})
SUMMARY_LENGTH = 400


def summary(event: Event) -> str:
    """The fact in one line: its fields but the ids the profile already shows."""
    facts = event.model_dump(mode="json", exclude_none=True, exclude=set(_NOT_IN_SUMMARY))
    text = ", ".join(f"{name}: {value}" for name, value in facts.items())
    return text[:SUMMARY_LENGTH]


def timeline_row(envelope: Envelope, event: Event) -> Row:
    return {
        "event_id": str(envelope.event_id),
        "worker_id": getattr(event, "worker_id"),  # noqa: B009 - only for types that have one
        "occurred_on": day_of(envelope),
        "event_type": envelope.event_type,
        "summary": summary(event),
    }


async def on_timeline(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, m.timeline).values(timeline_row(envelope, event))
    )


def _both(first: Projector, second: Projector) -> Handler:
    async def apply(session: AsyncSession, envelope: Envelope, event: Any) -> None:
        await first(session, envelope, event)
        await second(session, envelope, event)

    return apply


def _about_a_worker(kind: type[Event]) -> bool:
    return "worker_id" in kind.model_fields


def handlers(projectors: Mapping[type[Event], Projector] = PROJECTORS) -> dict[type[Event], Handler]:
    """The types applied one event at a time: their projector, and the timeline when the fact
    names a worker."""
    chosen: dict[type[Event], Handler] = {}
    for kind, projector in projectors.items():
        chosen[kind] = _both(projector, on_timeline) if _about_a_worker(kind) else projector
    return chosen


def _upserting(session: AsyncSession, rows: Rows) -> Insert:
    if not rows.keys:
        return insert_ignoring_duplicates(session, rows.table)
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = dialect.insert(rows.table)
    changed = {c.name: statement.excluded[c.name] for c in rows.table.c if c.name not in rows.keys}
    upserted: Insert = statement.on_conflict_do_update(index_elements=list(rows.keys), set_=changed)
    return upserted


def _in_bulk(rows: Rows | None, on_timeline: bool) -> BatchHandler:
    async def apply(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        if rows is not None:
            # One row per key, the batch's last (Postgres refuses to upsert a row twice in one statement).
            keyed = {
                tuple(row[key] for key in rows.keys) or (index,): row
                for index, row in enumerate(rows.row(d.envelope, d.event) for d in deliveries)
            }
            await session.execute(_upserting(session, rows), list(keyed.values()))
        if on_timeline:
            entries = [timeline_row(d.envelope, d.event) for d in deliveries]
            await session.execute(insert_ignoring_duplicates(session, m.timeline), entries)

    return apply


def batch_handlers(
    projectors: Mapping[type[Event], Projector] = PROJECTORS, batched: Mapping[type[Event], Rows] = BATCHED
) -> dict[type[Event], BatchHandler]:
    """Every other type of the contracts that changes something here, a batch at a time: its
    rows (BATCHED), and the timeline when the fact names a worker. A new type about a worker
    lands on the timeline with no entry of its own."""
    return {
        kind: _in_bulk(batched.get(kind), _about_a_worker(kind))
        for kind in EVENT_TYPES.values()
        if kind not in projectors and (kind in batched or _about_a_worker(kind))
    }


def subscriptions(_: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="read-model", topics=ALL_EVENT_TOPICS, handlers=handlers(), batch_handlers=batch_handlers()
        )
    ]
