"""The registry's domain: enterprises, workers and the enterprise ladder. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.registry import (
    EnterpriseRegistered,
    TierPromoted,
    WorkerNominated,
    WorkerRegistered,
)
from contracts.vocabulary import DEFAULT_TIER_LABELS, SkillLevel, TierRank, TitleLevel


class Enterprise(Aggregate):
    stream_type = "Enterprise"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.name = ""
        self.tier_labels: dict[TierRank, str] = dict(DEFAULT_TIER_LABELS)

    @classmethod
    def register(
        cls, enterprise_id: str, *, name: str, region_id: str, industry: str, tier_labels: dict[TierRank, str]
    ) -> Self:
        enterprise = cls(enterprise_id, tenant=enterprise_id)
        enterprise.record(
            EnterpriseRegistered(
                enterprise_id=enterprise_id,
                name=name,
                region_id=region_id,
                industry=industry,
                tier_labels={**DEFAULT_TIER_LABELS, **tier_labels},
            )
        )
        return enterprise

    def label_of(self, rank: TierRank) -> str:
        return self.tier_labels.get(rank, DEFAULT_TIER_LABELS[rank])

    def apply(self, event: Event) -> None:
        if isinstance(event, EnterpriseRegistered):
            self.name = event.name
            self.tier_labels = {TierRank(rank): label for rank, label in event.tier_labels.items()}


class Worker(Aggregate):
    stream_type = "Worker"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.enterprise_id = ""
        self.skill_level = SkillLevel.APPRENTICE
        self.tier = TierRank.NONE
        self.nominations: set[str] = set()

    @classmethod
    def register(
        cls,
        worker_id: str,
        *,
        enterprise: Enterprise,
        full_name: str,
        trade: str,
        skill_level: SkillLevel,
        hired_on: date | None,
    ) -> Self:
        worker = cls(worker_id, tenant=enterprise.id)
        worker.record(
            WorkerRegistered(
                worker_id=worker_id,
                enterprise_id=enterprise.id,
                full_name=full_name,
                trade=trade,
                skill_level=skill_level,
                hired_on=hired_on,
            )
        )
        return worker

    def nominate(self, nomination_id: str, *, level: TitleLevel, nominated_by: str, reason: str) -> None:
        if nomination_id in self.nominations:
            raise DomainRuleViolated(f"nomination {nomination_id} already exists for worker {self.id}")
        self.record(
            WorkerNominated(
                nomination_id=nomination_id,
                worker_id=self.id,
                enterprise_id=self.enterprise_id,
                level=level,
                nominated_by=nominated_by,
                reason=reason,
            )
        )

    def promote(self, to_rank: TierRank, *, label: str, effective_on: date, reason: str) -> None:
        if to_rank.order <= self.tier.order:
            raise DomainRuleViolated(
                f"worker {self.id} already holds {self.tier}; cannot promote to {to_rank}"
            )
        self.record(
            TierPromoted(
                worker_id=self.id,
                enterprise_id=self.enterprise_id,
                from_rank=self.tier,
                to_rank=to_rank,
                tier_label=label,
                effective_on=effective_on,
                reason=reason,
            )
        )

    def apply(self, event: Event) -> None:
        match event:
            case WorkerRegistered():
                self.enterprise_id = event.enterprise_id
                self.skill_level = event.skill_level
            case WorkerNominated():
                self.nominations.add(event.nomination_id)
            case TierPromoted():
                self.tier = TierRank(event.to_rank)

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "enterprise_id": self.enterprise_id,
            "skill_level": self.skill_level.value,
            "tier": self.tier.value,
            "nominations": sorted(self.nominations),
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        worker = cls(aggregate_id, tenant=state["tenant"])
        worker.version = version
        worker.enterprise_id = state["enterprise_id"]
        worker.skill_level = SkillLevel(state["skill_level"])
        worker.tier = TierRank(state["tier"])
        worker.nominations = set(state["nominations"])
        return worker


@dataclass(frozen=True, slots=True)
class SeedProgress:
    """What the walking-skeleton seed rule looks at, as the policy has seen it so far."""

    nominated: bool
    trained: bool
    scored: bool


def seed_promotion_due(progress: SeedProgress, current_tier: TierRank) -> bool:
    """The skeleton's rule: a nominated worker with a completed course and a contest
    score becomes a seed craftsman. The real ladder rules come with the registry issue."""
    return current_tier is TierRank.NONE and progress.nominated and progress.trained and progress.scored
