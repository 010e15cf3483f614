"""The registry's domain: enterprises, workers and the enterprise ladder. Pure: no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.registry import (
    EnterpriseRegistered,
    SkillLevelCertified,
    TierExpired,
    TierPromoted,
    TierReviewed,
    TierRevoked,
    WorkerForgotten,
    WorkerLeft,
    WorkerNominated,
    WorkerRegistered,
)
from contracts.vocabulary import (
    DEFAULT_TIER_LABELS,
    CertificateIssuerKind,
    HeldTierRank,
    SkillLevel,
    TierRank,
    TitleLevel,
)
from services.registry.ladder import (
    DEFAULT_LADDER,
    LadderRules,
    Standing,
    promotion_refusal,
    review_refusal,
    term_ends,
    tier_review_due,
)
from services.registry.nominations import Career, Nominee, Pipeline
from services.registry.selection import DEFAULT_SELECTION, SelectionRules, nomination_refusal


class Enterprise(Aggregate):
    stream_type = "Enterprise"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.name = ""
        self.region_id = ""
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
            self.name, self.region_id = event.name, event.region_id
            self.tier_labels = {TierRank(rank): label for rank, label in event.tier_labels.items()}


class Worker(Aggregate):
    """A worker's career: skill, tier, nominations and titles, all on one stream."""

    stream_type = "Worker"
    snapshot_version = 3  # v2 added certificates, tier_since, left_on and the career; v3 review years

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.enterprise_id = ""
        self.skill_level = SkillLevel.APPRENTICE
        self.certificates: set[str] = set()
        self.tier = TierRank.NONE
        self.tier_since: date | None = None
        self.tier_reviewed_year: int | None = None
        self.left_on: date | None = None
        self.forgotten = False
        self.career = Career()

    @property
    def nominations(self) -> set[str]:
        return set(self.career.nominations)

    @classmethod
    def register(
        cls,
        worker_id: str,
        *,
        enterprise: Enterprise,
        trade: str,
        skill_level: SkillLevel,
        hired_on: date | None,
        post: str | None = None,
        front_line: bool = True,
    ) -> Self:
        """Personal data is not part of the fact: the registry keeps it sealed (see vault)."""
        worker = cls(worker_id, tenant=enterprise.id)
        worker.record(
            WorkerRegistered(
                worker_id=worker_id,
                enterprise_id=enterprise.id,
                trade=trade,
                skill_level=skill_level,
                hired_on=hired_on,
                post=post,
                front_line=front_line,
            )
        )
        return worker

    def forget(self, on: date) -> None:
        if self.forgotten:
            raise DomainRuleViolated(f"worker {self.id} is forgotten already")
        self.record(WorkerForgotten(worker_id=self.id, enterprise_id=self.enterprise_id, forgotten_on=on))

    def standing(self, points: Decimal) -> Standing:
        return Standing(self.skill_level, points, self.tier, self.tier_since)

    # --- skill and employment ------------------------------------------------------

    def certify(
        self,
        certificate_id: str,
        *,
        skill_level: SkillLevel,
        occupation: str,
        issuer_id: str,
        issuer_kind: CertificateIssuerKind,
        certified_on: date,
    ) -> None:
        if certificate_id in self.certificates:
            raise DomainRuleViolated(f"certificate {certificate_id} is recorded for worker {self.id} already")
        self.record(
            SkillLevelCertified(
                worker_id=self.id,
                enterprise_id=self.enterprise_id,
                skill_level=skill_level,
                occupation=occupation,
                certificate_id=certificate_id,
                issuer_id=issuer_id,
                issuer_kind=issuer_kind,
                certified_on=certified_on,
            )
        )

    def leave(self, left_on: date, reason: str | None) -> None:
        self._employed()
        self.record(
            WorkerLeft(worker_id=self.id, enterprise_id=self.enterprise_id, left_on=left_on, reason=reason)
        )

    def _employed(self) -> None:
        if self.left_on is not None:
            raise DomainRuleViolated(f"worker {self.id} left {self.enterprise_id} on {self.left_on}")

    # --- the enterprise ladder -----------------------------------------------------

    def promote(
        self,
        to_rank: TierRank,
        *,
        label: str,
        effective_on: date,
        reason: str,
        points: Decimal,
        rules: LadderRules = DEFAULT_LADDER,
    ) -> None:
        self._employed()
        refusal = promotion_refusal(self.standing(points), to_rank, effective_on, rules)
        if refusal is not None:
            raise DomainRuleViolated(f"worker {self.id}: {refusal}")
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

    def review_tier(
        self, *, year: int, on: date, points: Decimal, rules: LadderRules = DEFAULT_LADDER
    ) -> bool:
        """The annual review: the tier stays (TierReviewed) or lapses (TierExpired). Returns whether it stays."""
        held = self._held_tier()
        since = self.tier_since or on
        lapse = (
            "its term ended"
            if on >= term_ends(since, rules)
            else review_refusal(self.standing(points), on, rules)
        )
        if lapse is None:
            self.record(
                TierReviewed(
                    worker_id=self.id, enterprise_id=self.enterprise_id, rank=held, year=year, reviewed_on=on
                )
            )
            return True
        self.record(
            TierExpired(
                worker_id=self.id, enterprise_id=self.enterprise_id, rank=held, expired_on=on, reason=lapse
            )
        )
        return False

    def annual_review(
        self,
        on: date,
        *,
        points: Decimal,
        reviewed_by: str,
        ladder: LadderRules = DEFAULT_LADDER,
        selection: SelectionRules = DEFAULT_SELECTION,
    ) -> list[Event]:
        """The yearly sweep: the tier and every title that is due on `on` is reviewed or expires.
        Returns what it recorded; nothing when nothing is due (the sweep is idempotent)."""
        before = len(self.pending)
        if self.tier_since is not None and tier_review_due(
            self.tier_since, self.tier_reviewed_year, on, ladder
        ):
            self.review_tier(year=on.year, on=on, points=points, rules=ladder)
        for event in self.pipeline(selection).review_titles(on, reviewed_by=reviewed_by):
            self.record(event)
        return [*self.pending[before:]]

    def revoke_tier(self, *, on: date, reason: str, revoked_by: str) -> None:
        held = self._held_tier()
        self.record(
            TierRevoked(
                worker_id=self.id,
                enterprise_id=self.enterprise_id,
                rank=held,
                revoked_on=on,
                reason=reason,
                revoked_by=revoked_by,
            )
        )

    def _held_tier(self) -> HeldTierRank:
        if self.tier is TierRank.NONE:
            raise DomainRuleViolated(f"worker {self.id} holds no tier")
        return self.tier

    # --- selection above the enterprise --------------------------------------------

    def pipeline(self, rules: SelectionRules = DEFAULT_SELECTION) -> Pipeline:
        """The decisions about this worker's nominations; record what they return."""
        return Pipeline(self.career, Nominee(self.id, self.enterprise_id), rules)

    def nominate(
        self,
        nomination_id: str,
        *,
        level: TitleLevel,
        nominated_by: str,
        reason: str,
        rules: SelectionRules = DEFAULT_SELECTION,
    ) -> None:
        self._employed()
        if nomination_id in self.career.nominations:
            raise DomainRuleViolated(f"nomination {nomination_id} already exists for worker {self.id}")
        under_review = (n for n in self.career.nominations.values() if n.live and n.level is level)
        if level is not TitleLevel.ENTERPRISE and any(under_review):
            raise DomainRuleViolated(f"worker {self.id} has a {level} nomination under review already")
        refusal = nomination_refusal(level, self.career.held_levels(), self.tier, rules)
        if refusal is not None:
            raise DomainRuleViolated(refusal)
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

    def apply(self, event: Event) -> None:
        self.career.apply(event)
        match event:
            case WorkerRegistered():
                self.enterprise_id = event.enterprise_id
                self.skill_level = event.skill_level
            case SkillLevelCertified():
                self.certificates.add(event.certificate_id)
                if event.skill_level.order > self.skill_level.order:
                    self.skill_level = event.skill_level
            case TierPromoted():
                self.tier, self.tier_since = TierRank(event.to_rank), event.effective_on
                self.tier_reviewed_year = None
            case TierReviewed():
                self.tier_reviewed_year = event.year
            case TierExpired() | TierRevoked():
                self.tier, self.tier_since = TierRank.NONE, None
            case WorkerLeft():
                self.left_on = event.left_on
            case WorkerForgotten():
                self.forgotten = True

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "enterprise_id": self.enterprise_id,
            "skill_level": self.skill_level.value,
            "certificates": sorted(self.certificates),
            "tier": self.tier.value,
            "tier_since": self.tier_since and self.tier_since.isoformat(),
            "tier_reviewed_year": self.tier_reviewed_year,
            "left_on": self.left_on and self.left_on.isoformat(),
            "forgotten": self.forgotten,
            "career": self.career.to_state(),
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        worker = cls(aggregate_id, tenant=state["tenant"])
        worker.version = version
        worker.enterprise_id = state["enterprise_id"]
        worker.skill_level = SkillLevel(state["skill_level"])
        worker.certificates = set(state["certificates"])
        worker.tier = TierRank(state["tier"])
        worker.tier_since = state["tier_since"] and date.fromisoformat(state["tier_since"])
        worker.tier_reviewed_year = state["tier_reviewed_year"]
        worker.left_on = state["left_on"] and date.fromisoformat(state["left_on"])
        worker.forgotten = bool(state.get("forgotten", False))
        worker.career = Career.from_state(state["career"])
        return worker
