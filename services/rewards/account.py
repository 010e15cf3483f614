"""A worker's 4+X points account: awards (never twice for one fact), expiries, adjustments. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired
from contracts.vocabulary import COMMON_POINT_CATEGORIES
from services.rewards.points import Claim, Entry, PointsRules, in_window, points_to_award


@dataclass(slots=True)
class Held:
    entry: Entry
    expired: bool = False


class PointsAccount(Aggregate):
    stream_type = "PointsAccount"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.held: dict[str, Held] = {}  # source event id → what it earned
        self.adjusted = Decimal(0)

    @property
    def live_entries(self) -> list[Entry]:
        return [held.entry for held in self.held.values() if not held.expired]

    @property
    def balance(self) -> Decimal:
        return sum((entry.points for entry in self.live_entries), Decimal(0)) + self.adjusted

    def counted(self, source_event_id: UUID) -> bool:
        return str(source_event_id) in self.held

    def mentoring_already(self, on: date, rules: PointsRules) -> bool:
        return any(entry.group == "mentoring" for entry in in_window(self.live_entries, on, rules))

    def award(self, claim: Claim, *, source_event_id: UUID, earned_on: date, rules: PointsRules) -> Decimal:
        """Credit what the claim adds (maybe nothing); a fact already counted adds nothing."""
        if self.counted(source_event_id):
            return Decimal(0)
        points = points_to_award(claim, self.live_entries, earned_on, rules)
        if points > 0:
            self.record(
                PointsAwarded(
                    worker_id=self.id,
                    category=claim.category,
                    rule=claim.rule,
                    group=claim.group,
                    points=points,
                    earned_on=earned_on,
                    source_event_id=source_event_id,
                )
            )
        return points

    def expire(self, on: date, rules: PointsRules) -> int:
        """Take out every award whose validity window has closed by `on`; returns how many."""
        closed = [
            (source, held)
            for source, held in self.held.items()
            if not held.expired and not in_window([held.entry], on, rules)
        ]
        for source, held in closed:
            self.record(
                PointsExpired(
                    worker_id=self.id,
                    category=held.entry.category,
                    rule=held.entry.rule,
                    points=held.entry.points,
                    source_event_id=UUID(source),
                    expired_on=on,
                )
            )
        return len(closed)

    def adjust(
        self,
        *,
        category: str,
        delta: Decimal,
        reason: str,
        approved_by: str,
        on: date,
        extra_categories: set[str],
    ) -> None:
        if category not in COMMON_POINT_CATEGORIES and category not in extra_categories:
            raise DomainRuleViolated(
                f"unknown points category {category!r}: not one of the 4 nor the enterprise's X"
            )
        if delta == 0:
            raise DomainRuleViolated("an adjustment changes the balance: its delta cannot be 0")
        if not reason.strip():
            raise DomainRuleViolated("an adjustment needs a reason")
        if self.balance + delta < 0:
            raise DomainRuleViolated(
                f"the balance is {self.balance}; an adjustment of {delta} would make it negative"
            )
        self.record(
            PointsAdjusted(
                worker_id=self.id,
                category=category,
                delta=delta,
                reason=reason,
                approved_by=approved_by,
                adjusted_on=on,
            )
        )

    def apply(self, event: Event) -> None:
        match event:
            case PointsAwarded():
                entry = Entry(event.rule, event.group, event.category, event.points, event.earned_on)
                self.held[str(event.source_event_id)] = Held(entry)
            case PointsExpired():
                if str(event.source_event_id) in self.held:
                    self.held[str(event.source_event_id)].expired = True
            case PointsAdjusted():
                self.adjusted += event.delta

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "adjusted": str(self.adjusted),
            "held": {
                source: [
                    h.entry.rule,
                    h.entry.group,
                    h.entry.category,
                    str(h.entry.points),
                    h.entry.earned_on.isoformat(),
                    h.expired,
                ]
                for source, h in self.held.items()
            },
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        account = cls(aggregate_id, tenant=state["tenant"])
        account.version = version
        account.adjusted = Decimal(state["adjusted"])
        account.held = {
            source: Held(Entry(rule, group, category, Decimal(points), date.fromisoformat(earned)), expired)
            for source, (rule, group, category, points, earned, expired) in state["held"].items()
        }
        return account
