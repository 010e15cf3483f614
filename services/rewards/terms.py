"""What a programme pays for, to whom and how much. Pure: no I/O.

Every fact that can earn a grant (a promotion, a conferred title, a placement, a named
studio) is first read as a `Cause`: `<kind>:<value>` as in the programme's trigger, the
worker, the day and, for placements, the place. One table in the policy maps event types
to causes; these rules then decide on causes alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from chassis.errors import DomainRuleViolated
from contracts.ids import derived_uuid

APPLICATION = "application"
"""The trigger kind of a programme that grants only by application and approval."""


@dataclass(frozen=True, slots=True)
class Cause:
    """A fact that may earn a grant, in the programmes' terms."""

    trigger: str  # e.g. "tier:seed", "title:city", "contest:city", "studio:named"
    worker_id: str
    enterprise_id: str
    on: date
    place: int | None = None


@dataclass(frozen=True, slots=True)
class Terms:
    trigger: str
    opened_on: date
    grant_amount: Decimal
    closes_on: date | None = None
    amounts_by_place: Mapping[int, Decimal] = field(default_factory=dict)
    recurring: bool = False
    eligible_enterprises: Sequence[str] = ()

    @property
    def by_application(self) -> bool:
        return self.trigger.split(":", 1)[0] == APPLICATION


class Ineligible(DomainRuleViolated):
    """The worker may not receive this programme's grants."""

    def __init__(self, message: str) -> None:
        super().__init__(message, rule="eligibility")


def open_on(terms: Terms, day: date) -> bool:
    """A programme pays for facts of its period only: a replayed history (or a late
    programme) does not pay old promotions, a closed one pays nothing new."""
    return day >= terms.opened_on and (terms.closes_on is None or day <= terms.closes_on)


def check_eligible(terms: Terms, programme_id: str, enterprise_id: str) -> None:
    if terms.eligible_enterprises and enterprise_id not in terms.eligible_enterprises:
        raise Ineligible(
            f"programme {programme_id} grants only to workers of {', '.join(terms.eligible_enterprises)}; "
            f"not of {enterprise_id}"
        )


def amount_for(terms: Terms, cause: Cause) -> Decimal | None:
    """What the programme pays for this cause, or None when it pays nothing for it."""
    if cause.trigger != terms.trigger or terms.by_application or not open_on(terms, cause.on):
        return None
    if terms.eligible_enterprises and cause.enterprise_id not in terms.eligible_enterprises:
        return None
    if terms.amounts_by_place:
        return None if cause.place is None else terms.amounts_by_place.get(cause.place)
    return terms.grant_amount


def allowance_cause(programme_id: str, worker_id: str, year: int) -> UUID:
    """The cause of one year's allowance: the same programme, worker and year, the same id,
    so a yearly run repeated (or run beside the start of the allowance) pays once."""
    return derived_uuid(UUID(int=0), f"allowance:{programme_id}:{worker_id}:{year}")


def application_cause(programme_id: str, application_id: str) -> UUID:
    return derived_uuid(UUID(int=0), f"application:{programme_id}:{application_id}")
