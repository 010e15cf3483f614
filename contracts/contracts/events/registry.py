"""Events of the registry: enterprises, workers, tiers, nominations and titles."""

from __future__ import annotations

from datetime import date

from contracts.events.base import Event
from contracts.primitives import Identifier, Name, Text
from contracts.vocabulary import (
    HeldTierRank,
    ReviewDecision,
    ReviewStage,
    SkillLevel,
    TierRank,
    TitleLevel,
)

PRODUCER = "registry"


class EnterpriseRegistered(Event):
    """An enterprise joined the platform, with its own names for the three tiers."""

    enterprise_id: Identifier
    name: Name
    region_id: Identifier
    industry: Name
    tier_labels: dict[HeldTierRank, Name]


class WorkerRegistered(Event, schema_version=2):
    """A front-line worker was registered with an enterprise.

    v2 renamed `name` to `full_name` and added `skill_level` and `hired_on`.
    """

    worker_id: Identifier
    enterprise_id: Identifier
    full_name: Name
    trade: Name
    skill_level: SkillLevel
    hired_on: date | None = None


class WorkerNominated(Event):
    """A worker was put forward for a title at the given level."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    nominated_by: Identifier
    reason: Text


class NominationReviewed(Event):
    """One review step of a nomination reached its decision."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    stage: ReviewStage
    decision: ReviewDecision
    reviewed_by: Identifier
    comment: Text | None = None


class TierPromoted(Event):
    """A worker moved up the enterprise ladder (seed → craftsman → chief)."""

    worker_id: Identifier
    enterprise_id: Identifier
    from_rank: TierRank
    to_rank: HeldTierRank
    tier_label: Name
    effective_on: date
    reason: Text


class TitleConferred(Event):
    """A title above the enterprise (county to nation) was conferred after review."""

    title_id: Identifier
    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    title_name: Name
    conferred_by: Identifier
    conferred_on: date
    valid_until: date | None = None


EVENTS: tuple[type[Event], ...] = (
    EnterpriseRegistered,
    WorkerRegistered,
    WorkerNominated,
    NominationReviewed,
    TierPromoted,
    TitleConferred,
)
