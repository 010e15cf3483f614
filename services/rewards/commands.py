"""Commands the rewards service accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from chassis.http import Command
from contracts.events.rewards import Trigger
from contracts.primitives import Identifier, Money, Name, Text


class OpenProgramme(Command):
    programme_id: Identifier
    name: Name
    sponsor_id: Identifier = Field(description="The union, region or enterprise that funds it")
    budget: Money
    grant_amount: Money
    trigger: Trigger = Field(description='What earns a grant, e.g. "tier:seed"')
    opened_on: date | None = Field(default=None, description="Defaults to today (UTC)")


class GrantReward(Command):
    programme_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    reason: Text
    caused_by: UUID
