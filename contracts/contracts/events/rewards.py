"""Events of the rewards service: 4+X points and money grants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from contracts.events.base import Event
from contracts.primitives import Currency, Identifier, Money, Name, Points, Slug, Text

PRODUCER = "rewards"

Trigger = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*:[a-z0-9_.-]+$", max_length=64)]
"""`<kind>:<value>`: what kind of fact earns a programme's grant, e.g. "tier:seed"."""


class ProgrammeOpened(Event, schema_version=2):
    """A reward programme opened with a budget, an amount per grant and what it rewards.

    v2 added the prize money by place (`amounts_by_place`), the yearly allowance flag
    (`recurring`), eligibility (`eligible_enterprises`), the end of its period (`closes_on`)
    and the studio award's `credit_support` flag.
    """

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
    closes_on: date | None = Field(default=None, description="The last day it grants; None: open-ended")
    amounts_by_place: dict[int, Money] = Field(
        default_factory=dict, description="Prize money by place (contest:<level> triggers)"
    )
    recurring: bool = Field(default=False, description="A yearly allowance while the tier or title is held")
    eligible_enterprises: list[Identifier] = Field(
        default_factory=list, description="Workers of these enterprises only; empty: any"
    )
    credit_support: bool = Field(default=False, description="The grant carries credit support (studios)")


class PointsAwarded(Event, schema_version=2):
    """Points credited to a worker for one source fact (never counted twice).

    v2 added the `rule` and its cap `group` that earned them and the day they were earned
    (`earned_on`), from which the validity window runs.
    """

    worker_id: Identifier
    category: Slug = Field(description="One of the four common categories or an enterprise's X item")
    rule: Slug = Field(description="The rule that earned them, e.g. competition or mentoring.apprentices")
    group: Slug = Field(description="The rules sharing one cap, e.g. mentoring")
    points: Points
    earned_on: date
    source_event_id: UUID


class PointsExpired(Event):
    """Points left the worker's account: their validity window closed."""

    worker_id: Identifier
    category: Slug
    rule: Slug
    points: Points
    source_event_id: UUID = Field(description="The fact that earned them")
    expired_on: date


class PointsAdjusted(Event):
    """A manual correction of a worker's points, with its reason and approver."""

    worker_id: Identifier
    category: Slug
    delta: Decimal = Field(max_digits=8, decimal_places=2, description="Positive adds, negative takes away")
    reason: Text
    approved_by: Identifier
    adjusted_on: date


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


class BudgetExhausted(Event):
    """A grant was refused because the programme's budget cannot pay it (emitted once)."""

    programme_id: Identifier
    budget: Money
    granted_total: Decimal = Field(max_digits=14, decimal_places=2)
    refused_amount: Money
    refused_cause: UUID = Field(description="The cause of the first grant refused")


class GrantApplied(Event):
    """A worker's application to a programme that grants by application and approval."""

    programme_id: Identifier
    application_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    reason: Text
    applied_on: date


class AllowanceStarted(Event):
    """A yearly allowance began: it is paid each year while the tier or title is held."""

    programme_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    held: Trigger = Field(description='What the worker holds, e.g. "title:city"')
    started_on: date
    caused_by: UUID


class AllowanceStopped(Event):
    """An allowance ended: the tier or title lapsed or was revoked, or the programme closed."""

    programme_id: Identifier
    worker_id: Identifier
    stopped_on: date
    reason: Text
    caused_by: UUID | None = None


class PointsCategoryDeclared(Event):
    """An enterprise declared one of its own X points categories (patents, methods, ...)."""

    enterprise_id: Identifier
    category: Slug
    name: Name
    cap: Points | None = None


EVENTS: tuple[type[Event], ...] = (
    ProgrammeOpened,
    PointsAwarded,
    PointsExpired,
    PointsAdjusted,
    RewardGranted,
    RewardRevoked,
    BudgetExhausted,
    GrantApplied,
    AllowanceStarted,
    AllowanceStopped,
    PointsCategoryDeclared,
)
