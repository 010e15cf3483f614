"""Commands the registry accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

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
    full_name: Name | None = Field(default=None, description="Kept sealed in the registry, never in an event")
    national_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]$")] | None = Field(
        default=None, description="The 18-character resident identity number; kept sealed"
    )
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{6,15}$")] | None = Field(
        default=None, description="Kept sealed"
    )
    trade: Name
    skill_level: SkillLevel
    hired_on: date | None = None
    post: Name | None = None
    front_line: bool = True


class ForgetWorker(Command):
    """Destroy the worker's personal data: every reader shows the person as erased from now on."""

    worker_id: Identifier
    forgotten_on: date


class NominateWorker(Command):
    worker_id: Identifier
    nomination_id: Identifier
    level: TitleLevel = TitleLevel.ENTERPRISE
    nominated_by: Identifier
    reason: Text
