"""Commands of the region tree, the worker's skill and tier, and the selection pipeline."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from chassis.http import Command
from contracts.primitives import Identifier, Name, Text
from contracts.vocabulary import CertificateIssuerKind, RegionKind, SkillLevel, TitleLevel


class RegisterRegion(Command):
    region_id: Identifier
    name: Name
    kind: RegionKind
    parent_id: Identifier | None = None


class AppointReviewer(Command):
    region_id: Identifier
    reviewer_id: Identifier
    level: TitleLevel
    role: Name


class CertifySkill(Command):
    """A certificate recorded directly (training's certificates arrive as events)."""

    worker_id: Identifier
    certificate_id: Identifier
    skill_level: SkillLevel
    occupation: Name
    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    certified_on: date


class RecordLeaving(Command):
    worker_id: Identifier
    left_on: date
    reason: Text | None = None


class ReviewTier(Command):
    worker_id: Identifier
    year: int = Field(ge=1949, le=9999)
    reviewed_on: date


class RevokeTier(Command):
    worker_id: Identifier
    revoked_on: date
    reason: Text
    revoked_by: Identifier


class NominationStep(Command):
    """Every step names the nominee and the nomination."""

    worker_id: Identifier
    nomination_id: Identifier


class ScreenNomination(NominationStep):
    screened_by: Identifier
    note: Text | None = None


class RecordExpertScore(NominationStep):
    expert_id: Identifier
    score: float = Field(ge=0, le=100, allow_inf_nan=False)
    comment: Text | None = None


class ConcludeExpertReview(NominationStep):
    reviewed_by: Identifier


class InspectSite(NominationStep):
    inspected_by: Identifier
    inspected_on: date
    findings: Text
    passed: bool = True


class OpenPublicity(NominationStep):
    opens_on: date
    closes_on: date


class RaiseObjection(NominationStep):
    objection_id: Identifier
    raised_on: date
    summary: Text


class ResolveObjection(NominationStep):
    objection_id: Identifier
    upheld: bool
    resolution: Text
    resolved_by: Identifier


class RejectNomination(NominationStep):
    reason: Text
    rejected_by: Identifier


class ConferTitle(NominationStep):
    title_id: Identifier
    conferred_by: Identifier
    conferred_on: date


class RevokeTitle(Command):
    worker_id: Identifier
    title_id: Identifier
    revoked_on: date
    reason: Text
    revoked_by: Identifier


class AnnualReview(Command):
    """Review every tier and title due on a day: expired at the end of its term, else reviewed."""

    reviewed_on: date
    reviewed_by: Identifier
    region_id: Identifier | None = Field(
        default=None, description="A region and everything under it; the city's whole register if none"
    )
