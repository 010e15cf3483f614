"""A year's quota of one title in one region: conferrals take seats under optimistic concurrency. Pure."""

from __future__ import annotations

from typing import Any, Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.registry import QuotaSeatTaken
from contracts.vocabulary import TitleLevel
from services.registry.selection import SelectionRules, quota_refusal


def quota_id(level: TitleLevel, region_id: str, year: int) -> str:
    return f"{level.value}.{region_id}.{year}"


class TitleQuota(Aggregate):
    """Two conferrals racing for the last seat append to the same stream: one of them loses
    with a ConcurrencyError, reloads, and finds the quota used up."""

    stream_type = "TitleQuota"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.seats: dict[str, str] = {}  # nomination id → worker id

    @classmethod
    def of(cls, level: TitleLevel, region_id: str, year: int) -> Self:
        return cls(quota_id(level, region_id, year), tenant=region_id)

    def take(
        self,
        level: TitleLevel,
        region_id: str,
        year: int,
        *,
        nomination_id: str,
        worker_id: str,
        rules: SelectionRules,
    ) -> None:
        if nomination_id in self.seats:
            raise DomainRuleViolated(f"nomination {nomination_id} holds a seat of this quota already")
        refusal = quota_refusal(level, year, len(self.seats), rules)
        if refusal is not None:
            raise DomainRuleViolated(refusal)
        self.record(
            QuotaSeatTaken(
                level=level, region_id=region_id, year=year, nomination_id=nomination_id, worker_id=worker_id
            )
        )

    def apply(self, event: Event) -> None:
        if isinstance(event, QuotaSeatTaken):
            self.tenant = self.tenant or event.region_id
            self.seats[event.nomination_id] = event.worker_id

    def snapshot_state(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "seats": self.seats}

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        quota = cls(aggregate_id, tenant=state["tenant"])
        quota.version = version
        quota.seats = dict(state["seats"])
        return quota
