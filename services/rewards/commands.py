"""Commands the rewards service accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import Field

from chassis.http import Command
from contracts.events.rewards import Trigger
from contracts.primitives import Identifier, Money, Name, Points, Slug, Text


class OpenProgramme(Command):
    programme_id: Identifier
    name: Name
    sponsor_id: Identifier = Field(description="The union, region or enterprise that funds it")
    budget: Money
    grant_amount: Money
    trigger: Trigger = Field(
        description='What earns a grant: "tier:<rank>", "title:<level>", "contest:<level>", '
        '"studio:named", or "application:<name>" (by application and approval only)'
    )
    opened_on: date | None = Field(default=None, description="Defaults to today (UTC)")
    closes_on: date | None = Field(default=None, description="The last day it grants; none: open-ended")
    amounts_by_place: dict[int, Money] = Field(default_factory=dict, description="Prize money by place")
    recurring: bool = Field(default=False, description="A yearly allowance while the tier or title is held")
    eligible_enterprises: list[Identifier] = Field(default_factory=list, max_length=1000)
    credit_support: bool = False


class GrantReward(Command):
    programme_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    reason: Text
    caused_by: UUID


class ApplyForGrant(Command):
    programme_id: Identifier
    application_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    reason: Text
    applied_on: date | None = Field(default=None, description="Defaults to today (UTC)")


class ApproveApplication(Command):
    programme_id: Identifier
    application_id: Identifier


class RevokeGrant(Command):
    programme_id: Identifier
    grant_id: Identifier
    reason: Text
    revoked_by: Identifier


class RunAllowances(Command):
    programme_id: Identifier
    year: int = Field(ge=2000, le=9999)
    run_on: date | None = Field(default=None, description="Defaults to today (UTC)")


class DeclareCategory(Command):
    enterprise_id: Identifier
    category: Slug = Field(description="e.g. patents, advanced_methods, hard_problems")
    name: Name
    cap: Points | None = Field(default=None, description="The most a worker holds in it; none: uncapped")


class AdjustPoints(Command):
    worker_id: Identifier
    enterprise_id: Identifier = Field(description="The worker's enterprise: whose X categories apply")
    category: Slug
    delta: Decimal = Field(max_digits=8, decimal_places=2, description="Positive adds, negative takes away")
    reason: Text
    approved_by: Identifier
    adjusted_on: date | None = Field(default=None, description="Defaults to today (UTC)")


class SweepExpiries(Command):
    on: date | None = Field(default=None, description="Close the windows that end by this day; today (UTC)")
