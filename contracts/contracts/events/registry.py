"""Events of the registry: enterprises, workers, tiers, nominations and titles."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.events.base import Event
from contracts.primitives import Identifier, Name, Text
from contracts.vocabulary import (
    CertificateIssuerKind,
    HeldTierRank,
    RegionKind,
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


class WorkerRegistered(Event, schema_version=3):
    """A front-line worker was registered with an enterprise.

    v2 renamed `name` to `full_name` and added `skill_level` and `hired_on`. v3 carries no
    personal data: the person's name and identifiers stay in the registry, sealed with a
    key of the worker's own (a fact on Kafka outlives a request to forget); it added the
    worker's `post` and whether the post is front-line.
    """

    worker_id: Identifier
    enterprise_id: Identifier
    trade: Name
    skill_level: SkillLevel
    hired_on: date | None = None
    post: Name | None = None
    front_line: bool = True


class WorkerForgotten(Event):
    """The worker's personal data was destroyed (its key deleted): every reader shows the person as erased."""

    worker_id: Identifier
    enterprise_id: Identifier
    forgotten_on: date


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


class TitleConferred(Event, schema_version=2):
    """A title above the enterprise (county to nation) was conferred after review, or (v2,
    `imported`) is an imported record of a title conferred before the platform."""

    title_id: Identifier
    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    title_name: Name
    conferred_by: Identifier
    conferred_on: date
    valid_until: date | None = None
    imported: bool = False


class RegionRegistered(Event):
    """A region joined the tree: a city, a county or district under it, a town under that."""

    region_id: Identifier
    name: Name
    kind: RegionKind
    parent_id: Identifier | None = None


class ReviewerAppointed(Event):
    """A reviewer joined a leading group: the city task force, a county's or an enterprise's group."""

    group_id: Identifier = Field(description="The region or enterprise whose leading group it is")
    reviewer_id: Identifier
    level: TitleLevel
    role: Name


class SkillLevelCertified(Event):
    """A worker's skill level was certified (from training's certificate, or recorded directly)."""

    worker_id: Identifier
    enterprise_id: Identifier
    skill_level: SkillLevel
    occupation: Name
    certificate_id: Identifier
    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    certified_on: date


class WorkerLeft(Event):
    """A worker left the enterprise (an HR system's leaver record, or recorded directly)."""

    worker_id: Identifier
    enterprise_id: Identifier
    left_on: date
    reason: Text | None = None


class NominationScreened(Event):
    """A nomination passed its screening by the leading group of its level."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    screened_by: Identifier
    note: Text | None = None


class ExpertScoreRecorded(Event):
    """One expert's score of a nomination, out of 100."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    expert_id: Identifier
    score: float = Field(ge=0, le=100, allow_inf_nan=False)
    comment: Text | None = None


class SiteInspected(Event):
    """The leading group inspected the nominee's workplace and found the nomination sound."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    inspected_by: Identifier
    inspected_on: date
    findings: Text


class PublicityOpened(Event):
    """The nomination was made public; anyone may object until it closes."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    opens_on: date
    closes_on: date


class ObjectionRaised(Event):
    """Someone objected to a nomination during its publicity."""

    nomination_id: Identifier
    worker_id: Identifier
    objection_id: Identifier
    raised_on: date
    summary: Text


class ObjectionResolved(Event):
    """An objection was looked into: upheld (the nomination fails) or dismissed."""

    nomination_id: Identifier
    worker_id: Identifier
    objection_id: Identifier
    upheld: bool
    resolution: Text
    resolved_by: Identifier


class NominationRejected(Event):
    """A nomination ended without a title, at the stage named."""

    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    stage: ReviewStage
    reason: Text
    rejected_by: Identifier


class QuotaSeatTaken(Event):
    """One of a year's titles of a level in a region was given: the quota's count of conferrals."""

    level: TitleLevel
    region_id: Identifier
    year: int = Field(ge=1949, le=9999)
    nomination_id: Identifier
    worker_id: Identifier


class TitleReviewed(Event):
    """A conferred title passed its annual review."""

    title_id: Identifier
    worker_id: Identifier
    level: TitleLevel
    year: int = Field(ge=1949, le=9999)
    reviewed_by: Identifier


class TitleRevoked(Event):
    """A conferred title was withdrawn."""

    title_id: Identifier
    worker_id: Identifier
    level: TitleLevel
    revoked_on: date
    reason: Text
    revoked_by: Identifier


class TitleExpired(Event):
    """A conferred title reached the end of its term."""

    title_id: Identifier
    worker_id: Identifier
    level: TitleLevel
    expired_on: date


class TierReviewed(Event):
    """A held tier passed its annual review."""

    worker_id: Identifier
    enterprise_id: Identifier
    rank: HeldTierRank
    year: int = Field(ge=1949, le=9999)
    reviewed_on: date


class TierExpired(Event):
    """A held tier lapsed: its term ended, or its floor no longer held at the annual review."""

    worker_id: Identifier
    enterprise_id: Identifier
    rank: HeldTierRank
    expired_on: date
    reason: Text


class TierRevoked(Event):
    """A held tier was withdrawn by the enterprise's leading group."""

    worker_id: Identifier
    enterprise_id: Identifier
    rank: HeldTierRank
    revoked_on: date
    reason: Text
    revoked_by: Identifier


EVENTS: tuple[type[Event], ...] = (
    WorkerForgotten,
    RegionRegistered,
    ReviewerAppointed,
    SkillLevelCertified,
    WorkerLeft,
    NominationScreened,
    ExpertScoreRecorded,
    SiteInspected,
    PublicityOpened,
    ObjectionRaised,
    ObjectionResolved,
    NominationRejected,
    QuotaSeatTaken,
    TitleReviewed,
    TitleRevoked,
    TitleExpired,
    TierReviewed,
    TierExpired,
    TierRevoked,
    EnterpriseRegistered,
    WorkerRegistered,
    WorkerNominated,
    NominationReviewed,
    TierPromoted,
    TitleConferred,
)
