"""The rewards domain: programmes with a budget and the grants they make. Pure: no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.rewards import ProgrammeOpened, RewardGranted, RewardRevoked
from contracts.ids import derived_uuid
from contracts.vocabulary import TierRank
from services.rewards.budget import can_grant, remaining


class AlreadyGranted(DomainRuleViolated):
    """The programme granted for this cause before: a grant is never paid twice."""


class BudgetExhausted(DomainRuleViolated):
    """One more grant would take the programme past its budget."""


def tier_trigger(rank: TierRank) -> str:
    """The trigger of a programme that rewards a promotion to `rank`, e.g. "tier:seed"."""
    return f"tier:{rank.value}"


def rewards_promotion(trigger: str, opened_on: date, to_rank: TierRank, effective_on: date) -> bool:
    """A programme rewards a promotion to its trigger's tier that took effect once it was open.

    The date keeps a replayed history (or a late programme) from paying old promotions.
    """
    return trigger == tier_trigger(to_rank) and effective_on >= opened_on


def grant_id_for(programme_id: str, caused_by: UUID) -> str:
    """One grant per programme and cause: the same cause always yields the same grant id."""
    return str(derived_uuid(caused_by, f"grant:{programme_id}"))


class Programme(Aggregate):
    stream_type = "Programme"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.name = ""
        self.trigger = ""
        self.opened_on = date.min
        self.budget = Decimal(0)
        self.grant_amount = Decimal(0)
        self.granted_total = Decimal(0)
        self.causes: set[UUID] = set()

    @classmethod
    def open(
        cls,
        programme_id: str,
        *,
        name: str,
        sponsor_id: str,
        budget: Decimal,
        grant_amount: Decimal,
        trigger: str,
        opened_on: date,
    ) -> Self:
        if not can_grant(budget, Decimal(0), grant_amount):
            raise DomainRuleViolated(f"a grant of {grant_amount} does not fit in a budget of {budget}")
        programme = cls(programme_id, tenant=sponsor_id)
        programme.record(
            ProgrammeOpened(
                programme_id=programme_id,
                name=name,
                sponsor_id=sponsor_id,
                budget=budget,
                grant_amount=grant_amount,
                trigger=trigger,
                opened_on=opened_on,
            )
        )
        return programme

    @property
    def remaining(self) -> Decimal:
        return remaining(self.budget, self.granted_total)

    def grant(self, *, worker_id: str, enterprise_id: str, reason: str, caused_by: UUID) -> None:
        if caused_by in self.causes:
            raise AlreadyGranted(f"programme {self.id} granted for {caused_by} already")
        if not can_grant(self.budget, self.granted_total, self.grant_amount):
            raise BudgetExhausted(
                f"programme {self.id} has {self.remaining} left of {self.budget}; "
                f"a grant of {self.grant_amount} does not fit"
            )
        self.record(
            RewardGranted(
                grant_id=grant_id_for(self.id, caused_by),
                programme_id=self.id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                amount=self.grant_amount,
                reason=reason,
                caused_by=caused_by,
            )
        )

    def apply(self, event: Event) -> None:
        match event:
            case ProgrammeOpened():
                self.name = event.name
                self.trigger = event.trigger
                self.opened_on = event.opened_on
                self.budget = event.budget
                self.grant_amount = event.grant_amount
            case RewardGranted():
                self.granted_total += event.amount
                self.causes.add(event.caused_by)
            case RewardRevoked():
                self.granted_total -= event.amount  # back to the budget; the cause stays spent

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "name": self.name,
            "trigger": self.trigger,
            "opened_on": self.opened_on.isoformat(),
            "budget": str(self.budget),
            "grant_amount": str(self.grant_amount),
            "granted_total": str(self.granted_total),
            "causes": sorted(str(cause) for cause in self.causes),
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        programme = cls(aggregate_id, tenant=state["tenant"])
        programme.version = version
        programme.name = state["name"]
        programme.trigger = state["trigger"]
        programme.opened_on = date.fromisoformat(state["opened_on"])
        programme.budget = Decimal(state["budget"])
        programme.grant_amount = Decimal(state["grant_amount"])
        programme.granted_total = Decimal(state["granted_total"])
        programme.causes = {UUID(cause) for cause in state["causes"]}
        return programme
