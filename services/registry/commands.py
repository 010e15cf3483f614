"""Commands the registry accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from chassis.http import Command
from contracts.primitives import Identifier, Name, Text
from contracts.vocabulary import SkillLevel, TierRank, TitleLevel


class RegisterEnterprise(Command):
    enterprise_id: Identifier
    name: Name
    region_id: Identifier
    industry: Name
    tier_labels: dict[TierRank, Name] = Field(
        default_factory=dict, description="Only where the enterprise names its tiers its own way"
    )


class RegisterWorker(Command):
    worker_id: Identifier
    enterprise_id: Identifier
    full_name: Name
    trade: Name
    skill_level: SkillLevel
    hired_on: date | None = None


class NominateWorker(Command):
    worker_id: Identifier
    nomination_id: Identifier
    level: TitleLevel = TitleLevel.ENTERPRISE
    nominated_by: Identifier
    reason: Text
