"""Events of the rewards service: 4+X points and money grants."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from contracts.events.base import Event
from contracts.primitives import Currency, Identifier, Money, Points, Slug, Text

PRODUCER = "rewards"


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


EVENTS: tuple[type[Event], ...] = (PointsAwarded, RewardGranted, RewardRevoked)
