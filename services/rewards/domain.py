"""The rewards domain: programmes with a budget and the grants they make. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events import rewards as facts
from contracts.events.base import Event
from contracts.ids import derived_uuid
from contracts.vocabulary import TierRank
from services.rewards.budget import can_grant, remaining
from services.rewards.terms import (
    Cause,
    Terms,
    allowance_cause,
    amount_for,
    application_cause,
    check_eligible,
    open_on,
)


class AlreadyGranted(DomainRuleViolated):
    """The programme granted for this cause before: a grant is never paid twice."""

    def __init__(self, message: str) -> None:
        super().__init__(message, rule="once_per_cause")


class BudgetExhausted(DomainRuleViolated):
    """One more grant would take the programme past its budget."""

    def __init__(self, message: str, *, programme_id: str, amount: Decimal, cause: UUID) -> None:
        super().__init__(message, rule="budget")
        self.programme_id, self.amount, self.cause = programme_id, amount, cause


class Granted(StrEnum):
    """What became of one grant asked for."""

    GRANTED = "granted"
    ALREADY_GRANTED = "already_granted"
    BUDGET_EXHAUSTED = "budget_exhausted"
    NO_PROGRAMME = "no_programme"
    ALLOWANCE_STARTED = "allowance_started"
    NOT_REWARDED = "not_rewarded"


def tier_trigger(rank: TierRank) -> str:
    """The trigger of a programme that rewards a promotion to `rank`, e.g. "tier:seed"."""
    return f"tier:{rank.value}"


def rewards_promotion(trigger: str, opened_on: date, to_rank: TierRank, effective_on: date) -> bool:
    """A programme rewards a promotion to its trigger's tier that took effect once it was open."""
    terms = Terms(trigger=trigger, opened_on=opened_on, grant_amount=Decimal(1))
    cause = Cause(tier_trigger(to_rank), worker_id="", enterprise_id="", on=effective_on)
    return amount_for(terms, cause) is not None


def grant_id_for(programme_id: str, caused_by: UUID) -> str:
    """One grant per programme and cause: the same cause always yields the same grant id."""
    return str(derived_uuid(caused_by, f"grant:{programme_id}"))


@dataclass(frozen=True, slots=True)
class GrantHeld:
    worker_id: str
    enterprise_id: str
    amount: Decimal
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class Application:
    worker_id: str
    enterprise_id: str
    reason: str


class Programme(Aggregate):
    stream_type = "Programme"
    snapshot_version = 2  # v2: terms, grants, allowances, applications and the exhausted flag

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.name = ""
        self.terms = Terms(trigger="", opened_on=date.min, grant_amount=Decimal(0))
        self.budget = Decimal(0)
        self.granted_total = Decimal(0)
        self.causes: set[UUID] = set()
        self.grants: dict[str, GrantHeld] = {}
        self.allowances: dict[str, tuple[str, str]] = {}  # worker → (enterprise, what is held)
        self.applications: dict[str, Application] = {}
        self.exhausted = False

    # Kept for readers of the first shape (the tier policy's tests, the catalogue).
    @property
    def trigger(self) -> str:
        return self.terms.trigger

    @property
    def opened_on(self) -> date:
        return self.terms.opened_on

    @property
    def grant_amount(self) -> Decimal:
        return self.terms.grant_amount

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
        closes_on: date | None = None,
        amounts_by_place: Mapping[int, Decimal] | None = None,
        recurring: bool = False,
        eligible_enterprises: Sequence[str] = (),
        credit_support: bool = False,
    ) -> Self:
        places = dict(amounts_by_place or {})
        for amount in (grant_amount, *places.values()):
            if not can_grant(budget, Decimal(0), amount):
                raise DomainRuleViolated(
                    f"a grant of {amount} does not fit in a budget of {budget}", rule="budget"
                )
        if closes_on is not None and closes_on < opened_on:
            raise DomainRuleViolated(
                f"the period ends ({closes_on}) before it opens ({opened_on})", rule="period"
            )
        # A studio's name is held too: named, reviewed each year, and it ends when revoked.
        if recurring and trigger.split(":", 1)[0] not in ("tier", "title", "studio"):
            raise DomainRuleViolated(
                f"an allowance is paid while a tier, title or studio name is held; {trigger!r} is none",
                rule="allowance",
            )
        if places and not trigger.startswith("contest:"):
            raise DomainRuleViolated(
                f"prize money by place needs a contest trigger, not {trigger!r}", rule="prize"
            )
        programme = cls(programme_id, tenant=sponsor_id)
        programme.record(
            facts.ProgrammeOpened(
                programme_id=programme_id,
                name=name,
                sponsor_id=sponsor_id,
                budget=budget,
                grant_amount=grant_amount,
                trigger=trigger,
                opened_on=opened_on,
                closes_on=closes_on,
                amounts_by_place=places,
                recurring=recurring,
                eligible_enterprises=list(eligible_enterprises),
                credit_support=credit_support,
            )
        )
        return programme

    @property
    def remaining(self) -> Decimal:
        return remaining(self.budget, self.granted_total)

    def grant(
        self,
        *,
        worker_id: str,
        enterprise_id: str,
        reason: str,
        caused_by: UUID,
        amount: Decimal | None = None,
    ) -> None:
        """Pay once per cause, to an eligible worker, within the budget. A refusal for the
        budget changes nothing here: `note_exhausted` records it (the caller's choice of
        transaction, so a refused HTTP command stores no answer)."""
        paid = self.terms.grant_amount if amount is None else amount
        if caused_by in self.causes:
            raise AlreadyGranted(f"programme {self.id} granted for {caused_by} already")
        check_eligible(self.terms, self.id, enterprise_id)
        if not can_grant(self.budget, self.granted_total, paid):
            raise BudgetExhausted(
                f"programme {self.id} has {self.remaining} left of {self.budget}; a grant of {paid} does not fit",
                programme_id=self.id,
                amount=paid,
                cause=caused_by,
            )
        self.record(
            facts.RewardGranted(
                grant_id=grant_id_for(self.id, caused_by),
                programme_id=self.id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                amount=paid,
                reason=reason,
                caused_by=caused_by,
            )
        )

    def note_exhausted(self, amount: Decimal, cause: UUID) -> None:
        """BudgetExhausted, once (until a revocation frees money again)."""
        if self.exhausted:
            return
        self.record(
            facts.BudgetExhausted(
                programme_id=self.id,
                budget=self.budget,
                granted_total=self.granted_total,
                refused_amount=amount,
                refused_cause=cause,
            )
        )

    def reward(self, cause: Cause, *, caused_by: UUID, reason: str) -> Granted:
        """The automatic path (policy): a grant, or the start of an allowance, if the
        programme pays for this cause at all."""
        amount = amount_for(self.terms, cause)
        if amount is None:
            return Granted.NOT_REWARDED
        if self.terms.recurring:
            return self.start_allowance(cause, caused_by=caused_by)
        return self._outcome(
            lambda: self.grant(
                worker_id=cause.worker_id,
                enterprise_id=cause.enterprise_id,
                reason=reason,
                caused_by=caused_by,
                amount=amount,
            )
        )

    def apply_for(
        self, *, application_id: str, worker_id: str, enterprise_id: str, reason: str, on: date
    ) -> None:
        if not self.terms.by_application:
            raise DomainRuleViolated(
                f"programme {self.id} grants automatically ({self.terms.trigger}), not by application",
                rule="by_application",
            )
        if not open_on(self.terms, on):
            raise DomainRuleViolated(f"programme {self.id} takes no applications on {on}", rule="period")
        if application_id in self.applications:
            raise DomainRuleViolated(f"application {application_id} was made already", rule="once_per_cause")
        check_eligible(self.terms, self.id, enterprise_id)
        self.record(
            facts.GrantApplied(
                programme_id=self.id,
                application_id=application_id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                reason=reason,
                applied_on=on,
            )
        )

    def approve(self, application_id: str) -> None:
        application = self.applications.get(application_id)
        if application is None:
            raise DomainRuleViolated(
                f"programme {self.id} has no application {application_id}", rule="approval_needs_application"
            )
        self.grant(
            worker_id=application.worker_id,
            enterprise_id=application.enterprise_id,
            reason=f"application approved: {application.reason}",
            caused_by=application_cause(self.id, application_id),
        )

    def revoke(self, grant_id: str, *, reason: str, revoked_by: str) -> None:
        held = self.grants.get(grant_id)
        if held is None:
            raise DomainRuleViolated(f"programme {self.id} made no grant {grant_id}", rule="revocation")
        if held.revoked:
            raise DomainRuleViolated(f"grant {grant_id} is revoked already", rule="revocation")
        if not reason.strip():
            raise DomainRuleViolated("a revocation needs a reason", rule="revocation_reason")
        self.record(
            facts.RewardRevoked(
                grant_id=grant_id,
                programme_id=self.id,
                worker_id=held.worker_id,
                enterprise_id=held.enterprise_id,
                amount=held.amount,
                reason=reason,
                revoked_by=revoked_by,
            )
        )

    def start_allowance(self, cause: Cause, *, caused_by: UUID) -> Granted:
        """Start paying the worker yearly, and pay the year it starts in."""
        if cause.worker_id in self.allowances:
            return Granted.ALREADY_GRANTED
        check_eligible(self.terms, self.id, cause.enterprise_id)
        self.record(
            facts.AllowanceStarted(
                programme_id=self.id,
                worker_id=cause.worker_id,
                enterprise_id=cause.enterprise_id,
                held=cause.trigger,
                started_on=cause.on,
                caused_by=caused_by,
            )
        )
        paid = self._pay_allowance(cause.worker_id, cause.on.year)
        return Granted.ALLOWANCE_STARTED if paid is Granted.GRANTED else paid

    def stop_allowance(
        self, worker_id: str, *, held: str, on: date, reason: str, caused_by: UUID | None
    ) -> bool:
        """Stop the worker's allowance if it is paid for what they no longer hold."""
        current = self.allowances.get(worker_id)
        if current is None or current[1] != held:
            return False
        self.record(
            facts.AllowanceStopped(
                programme_id=self.id, worker_id=worker_id, stopped_on=on, reason=reason, caused_by=caused_by
            )
        )
        return True

    def run_allowances(self, year: int, on: date) -> dict[str, Granted]:
        """The yearly run: every running allowance paid for `year` once; after the
        programme's period every allowance stops instead."""
        outcomes: dict[str, Granted] = {}
        for worker_id, (_, held) in sorted(self.allowances.items()):
            if not open_on(self.terms, on):
                self.stop_allowance(
                    worker_id,
                    held=held,
                    on=on,
                    reason=f"programme {self.id} is closed on {on}",
                    caused_by=None,
                )
                outcomes[worker_id] = Granted.NOT_REWARDED
            else:
                outcomes[worker_id] = self._pay_allowance(worker_id, year)
        return outcomes

    def _pay_allowance(self, worker_id: str, year: int) -> Granted:
        enterprise_id, held = self.allowances[worker_id]
        return self._outcome(
            lambda: self.grant(
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                reason=f"allowance {year} while holding {held}",
                caused_by=allowance_cause(self.id, worker_id, year),
            )
        )

    def _outcome(self, grant: Callable[[], None]) -> Granted:
        try:
            grant()
        except AlreadyGranted:
            return Granted.ALREADY_GRANTED
        except BudgetExhausted as refused:
            self.note_exhausted(refused.amount, refused.cause)
            return Granted.BUDGET_EXHAUSTED
        return Granted.GRANTED

    def apply(self, event: Event) -> None:
        match event:
            case facts.ProgrammeOpened():
                self.name = event.name
                self.budget = event.budget
                self.terms = Terms(
                    trigger=event.trigger,
                    opened_on=event.opened_on,
                    grant_amount=event.grant_amount,
                    closes_on=event.closes_on,
                    amounts_by_place=dict(event.amounts_by_place),
                    recurring=event.recurring,
                    eligible_enterprises=tuple(event.eligible_enterprises),
                )
            case facts.RewardGranted():
                self.granted_total += event.amount
                self.causes.add(event.caused_by)
                self.grants[event.grant_id] = GrantHeld(event.worker_id, event.enterprise_id, event.amount)
            case facts.RewardRevoked():
                self.granted_total -= event.amount  # back to the budget; the cause stays spent
                if event.grant_id in self.grants:
                    self.grants[event.grant_id] = replace(self.grants[event.grant_id], revoked=True)
                self.exhausted = False  # money is free again: a later refusal is news
            case facts.BudgetExhausted():
                self.exhausted = True
            case facts.GrantApplied():
                self.applications[event.application_id] = Application(
                    event.worker_id, event.enterprise_id, event.reason
                )
            case facts.AllowanceStarted():
                self.allowances[event.worker_id] = (event.enterprise_id, event.held)
            case facts.AllowanceStopped():
                self.allowances.pop(event.worker_id, None)

    def snapshot_state(self) -> dict[str, Any]:
        terms = self.terms
        return {
            "tenant": self.tenant,
            "name": self.name,
            "terms": {
                "trigger": terms.trigger,
                "opened_on": terms.opened_on.isoformat(),
                "grant_amount": str(terms.grant_amount),
                "closes_on": None if terms.closes_on is None else terms.closes_on.isoformat(),
                "amounts_by_place": {
                    str(place): str(amount) for place, amount in terms.amounts_by_place.items()
                },
                "recurring": terms.recurring,
                "eligible_enterprises": list(terms.eligible_enterprises),
            },
            "budget": str(self.budget),
            "granted_total": str(self.granted_total),
            "causes": sorted(str(cause) for cause in self.causes),
            "grants": {
                grant_id: [held.worker_id, held.enterprise_id, str(held.amount), held.revoked]
                for grant_id, held in self.grants.items()
            },
            "allowances": {worker: list(allowance) for worker, allowance in self.allowances.items()},
            "applications": {
                application_id: [a.worker_id, a.enterprise_id, a.reason]
                for application_id, a in self.applications.items()
            },
            "exhausted": self.exhausted,
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        programme = cls(aggregate_id, tenant=state["tenant"])
        programme.version = version
        programme.name = state["name"]
        terms = state["terms"]
        programme.terms = Terms(
            trigger=terms["trigger"],
            opened_on=date.fromisoformat(terms["opened_on"]),
            grant_amount=Decimal(terms["grant_amount"]),
            closes_on=None if terms["closes_on"] is None else date.fromisoformat(terms["closes_on"]),
            amounts_by_place={
                int(place): Decimal(amount) for place, amount in terms["amounts_by_place"].items()
            },
            recurring=terms["recurring"],
            eligible_enterprises=tuple(terms["eligible_enterprises"]),
        )
        programme.budget = Decimal(state["budget"])
        programme.granted_total = Decimal(state["granted_total"])
        programme.causes = {UUID(cause) for cause in state["causes"]}
        programme.grants = {
            grant_id: GrantHeld(worker, enterprise, Decimal(amount), revoked)
            for grant_id, (worker, enterprise, amount, revoked) in state["grants"].items()
        }
        programme.allowances = {
            worker: (enterprise, held) for worker, (enterprise, held) in state["allowances"].items()
        }
        programme.applications = {
            application_id: Application(worker, enterprise, reason)
            for application_id, (worker, enterprise, reason) in state["applications"].items()
        }
        programme.exhausted = state["exhausted"]
        return programme
