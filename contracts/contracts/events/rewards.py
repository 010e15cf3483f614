"""Events of the rewards service: 4+X points and money grants."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from contracts.events.base import Event
from contracts.primitives import Currency, Identifier, Money, Name, Points, Slug, Text

PRODUCER = "rewards"

Trigger = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*:[a-z0-9_.-]+$", max_length=64)]
"""`<kind>:<value>`: what kind of fact earns a programme's grant, e.g. "tier:seed"."""


class ProgrammeOpened(Event):
    """A reward programme opened with a budget, a fixed amount per grant and what it rewards."""

    programme_id: Identifier
    name: Name
    sponsor_id: Identifier = Field(description="The union, region or enterprise that funds it")
    budget: Money
    grant_amount: Money
    currency: Currency = "CNY"
    trigger: Trigger = Field(
        description='What earns a grant, e.g. "tier:seed" for a promotion to seed craftsman'
    )
    opened_on: date


class PointsAwarded(Event):
    """Points credited to a worker for one source fact (never counted twice)."""

    worker_id: Identifier
    category: Slug = Field(description="One of the four common categories or an enterprise's X item")
    points: Points
    source_event_id: UUID


class RewardGranted(Event):
    """Money granted to a worker under a programme; `caused_by` makes it idempotent."""

    grant_id: Identifier
    programme_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    amount: Money
    currency: Currency = "CNY"
    reason: Text
    caused_by: UUID = Field(description="The event or command id the grant answers")


class RewardRevoked(Event):
    """A grant was withdrawn, returning its amount to the programme's budget."""

    grant_id: Identifier
    programme_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    amount: Money
    currency: Currency = "CNY"
    reason: Text
    revoked_by: Identifier


EVENTS: tuple[type[Event], ...] = (ProgrammeOpened, PointsAwarded, RewardGranted, RewardRevoked)
