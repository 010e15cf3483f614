"""The workers' profiles and their stories: a projection of the registry's and the other services' facts.

Each fact changes its worker's profile row by a pure function (`CHANGES`: the row as a dict in,
the story's facts out). A batch of facts is applied in four statements, whatever its size: the
missing rows created, the batch's rows read (locked on Postgres, in worker order, so a replica
consuming another partition that names the same worker waits instead of losing an update), every
fact folded on them in the batch's order, the changed rows written back, the story lines added.
One fact at a time (a rebuild, the inbox's one-by-one retry) is the same code with a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.sqlutil import dialect_name, insert_ignoring_duplicates, one_of, upsert
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
from contracts.events.training import TrainingCompleted
from contracts.vocabulary import SkillLevel, TierRank
from services.registry.read_models import enterprises, profile_story, worker_profiles

Row = dict[str, Any]
Facts = dict[str, Any]
Change = Callable[[Row, Any], Facts]

WRITTEN = tuple(column.name for column in worker_profiles.columns if column.name != "worker_id")


# --- what each fact does to its worker's profile (pure) ----------------------------------


def registered(row: Row, event: WorkerRegistered) -> Facts:
    row.update(enterprise_id=event.enterprise_id, trade=event.trade, skill_level=event.skill_level.value)
    return {"trade": event.trade, "post": event.post}


def forgotten(row: Row, event: WorkerForgotten) -> Facts:
    row["forgotten_on"] = event.forgotten_on
    return {"forgotten_on": event.forgotten_on.isoformat()}


def nominated(row: Row, event: WorkerNominated) -> Facts:
    row["nominations"] += 1
    return {"level": event.level.value, "reason": event.reason}


def promoted(row: Row, event: TierPromoted) -> Facts:
    row.update(tier=event.to_rank.value, tier_label=event.tier_label)
    return {"to_rank": event.to_rank.value, "tier_label": event.tier_label}


def certified(row: Row, event: SkillLevelCertified) -> Facts:
    """The profile keeps the highest level certified; a lower certificate changes nothing."""
    lower = {level.value for level in SkillLevel if level.order < event.skill_level.order}
    if row["skill_level"] is None or row["skill_level"] in lower:
        row["skill_level"] = event.skill_level.value
    return {"skill_level": event.skill_level.value, "certificate_id": event.certificate_id}


def tier_lapsed(row: Row, event: TierExpired | TierRevoked) -> Facts:
    row.update(tier=TierRank.NONE.value, tier_label=None)
    return {"rank": event.rank.value, "reason": event.reason}


def trained(row: Row, event: TrainingCompleted) -> Facts:
    row["trainings"] += 1
    row["training_hours"] = float(row["training_hours"]) + event.hours
    return {"course": event.course_title, "hours": event.hours}


def scored(row: Row, event: CompetitionScored) -> Facts:
    best = row["best_raw_score"]
    if best is None or best < event.raw_score:
        row.update(best_raw_score=event.raw_score, best_standardised_score=event.standardised_score)
    return {
        "contest_id": event.contest_id,
        "raw_score": event.raw_score,
        "medal": event.medal.value,
        "rank": event.rank,
    }


def points_change(event: PointsAwarded | PointsExpired | PointsAdjusted) -> Decimal:
    """What a points event does to the worker's 4+X total."""
    match event:
        case PointsAwarded():
            return Decimal(event.points)
        case PointsExpired():
            return -Decimal(event.points)
        case PointsAdjusted():
            return Decimal(event.delta)


def points_changed(row: Row, event: PointsAwarded | PointsExpired | PointsAdjusted) -> Facts:
    change = points_change(event)
    row["points"] = Decimal(row["points"]) + change
    return {"category": event.category, "points": str(change)}


def granted(row: Row, event: RewardGranted) -> Facts:
    row["grants"] += 1
    row["rewards_total"] = Decimal(row["rewards_total"]) + Decimal(event.amount)
    return {"programme_id": event.programme_id, "amount": str(event.amount), "currency": event.currency}


def left(row: Row, event: WorkerLeft) -> Facts:
    row["left_on"] = event.left_on
    return {"left_on": event.left_on.isoformat(), "reason": event.reason}


def career_fact(row: Row, event: Any) -> Facts:
    """A step of selection, a title's life or a review: a line in the worker's story.
    The registry's events carry no personal data, so the facts are the event's own fields."""
    facts: Facts = event.model_dump(mode="json", exclude={"worker_id", "enterprise_id"})
    return facts


CHANGES: Mapping[type[Event], Change] = {
    WorkerRegistered: registered,
    WorkerForgotten: forgotten,
    WorkerNominated: nominated,
    TierPromoted: promoted,
    SkillLevelCertified: certified,
    TierExpired: tier_lapsed,
    TierRevoked: tier_lapsed,
    TrainingCompleted: trained,
    CompetitionScored: scored,
    RewardGranted: granted,
    PointsAwarded: points_changed,
    PointsExpired: points_changed,
    PointsAdjusted: points_changed,
    WorkerLeft: left,
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
        career_fact,
    ),
}


# --- applying facts -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    envelope: Envelope
    event: Any  # one of CHANGES' types: each names its worker


async def project(session: AsyncSession, facts: Sequence[Fact]) -> None:
    """Apply the facts in their order, in the caller's transaction (four statements)."""
    worker_ids = sorted({str(fact.event.worker_id) for fact in facts})
    await session.execute(
        insert_ignoring_duplicates(session, worker_profiles), [{"worker_id": w} for w in worker_ids]
    )
    found = await session.execute(
        select(worker_profiles)
        .where(one_of(dialect_name(session), worker_profiles.c.worker_id, worker_ids))
        .order_by(worker_profiles.c.worker_id)
        .with_for_update()
    )
    rows = {row["worker_id"]: dict(row) for row in found.mappings()}
    story = []
    for fact in facts:
        envelope, event = fact.envelope, fact.event
        row = rows[event.worker_id]  # every one exists: inserted above when missing
        told = CHANGES[type(event)](row, event)
        row["updated_at"] = envelope.occurred_at
        story.append(
            {
                "event_id": str(envelope.event_id),
                "worker_id": event.worker_id,
                "event_type": envelope.event_type,
                "producer": envelope.producer,
                "occurred_at": envelope.occurred_at,
                "facts": told,
            }
        )
    await session.execute(
        update(worker_profiles).where(worker_profiles.c.worker_id == bindparam("profile")),
        [{"profile": worker_id, **{name: row[name] for name in WRITTEN}} for worker_id, row in rows.items()],
    )
    await session.execute(insert_ignoring_duplicates(session, profile_story), story)


async def project_batch(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
    await project(session, [Fact(delivery.envelope, delivery.event) for delivery in deliveries])


async def project_one(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    await project(session, [Fact(envelope, event)])


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


PROFILE_HANDLERS: Mapping[type[Event], Handler] = {
    EnterpriseRegistered: on_enterprise_registered,
    **dict.fromkeys(CHANGES, project_one),
}
"""One fact at a time: what applies the types no batch handler takes."""

PROFILE_BATCH_HANDLERS: Mapping[type[Event], BatchHandler] = dict.fromkeys(CHANGES, project_batch)
"""The live consumer's and `craftsman rebuild`'s: every fact about a profile of a batch together, in order."""
