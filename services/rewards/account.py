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
from services.rewards.categories import EnterpriseCategories
from services.rewards.points import Claim, Entry, PointsRules, in_window, points_to_award


@dataclass(slots=True)
class Held:
    entry: Entry
    expired: bool = False


class PointsAccount(Aggregate):
    stream_type = "PointsAccount"
    snapshot_version = 2  # v2: adjustments by category

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.held: dict[str, Held] = {}  # source event id → what it earned
        self.adjustments: dict[str, Decimal] = {}  # category → the sum of its adjustments

    @property
    def adjusted(self) -> Decimal:
        return sum(self.adjustments.values(), Decimal(0))

    def category_total(self, category: str) -> Decimal:
        earned = sum((entry.points for entry in self.live_entries if entry.category == category), Decimal(0))
        return earned + self.adjustments.get(category, Decimal(0))

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
        categories: EnterpriseCategories,
        rules: PointsRules,
    ) -> None:
        """A manual correction: a known category, a reason, an approver; never below zero
        in its category, never above its cap."""
        categories.check_known(category)
        if delta == 0:
            raise DomainRuleViolated(
                "an adjustment changes the balance: its delta cannot be 0", rule="adjustment"
            )
        if not reason.strip():
            raise DomainRuleViolated("an adjustment needs a reason", rule="adjustment_reason")
        if not approved_by.strip():
            raise DomainRuleViolated("an adjustment needs its approver", rule="adjustment_approver")
        after = self.category_total(category) + delta
        if after < 0:
            raise DomainRuleViolated(
                f"{category} holds {self.category_total(category)}; taking {-delta} would make it negative",
                rule="adjustment_not_negative",
            )
        cap = rules.category_caps.get(category, categories.caps.get(category))
        if cap is not None and delta > 0 and after > cap:
            raise DomainRuleViolated(
                f"{category} is capped at {cap}; it would hold {after}", rule="category_cap"
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
                self.adjustments[event.category] = (
                    self.adjustments.get(event.category, Decimal(0)) + event.delta
                )

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "adjustments": {category: str(delta) for category, delta in self.adjustments.items()},
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
        account.adjustments = {category: Decimal(delta) for category, delta in state["adjustments"].items()}
        account.held = {
            source: Held(Entry(rule, group, category, Decimal(points), date.fromisoformat(earned)), expired)
            for source, (rule, group, category, points, earned, expired) in state["held"].items()
        }
        return account
