"""What a placement is worth beyond its score: prize money per place and promotion
entitlements per contest level and place. Pure; every number is configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from contracts.events.competitions import PromotionKind
from contracts.vocabulary import ContestLevel, SkillLevel


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What the places up to `places` earn at one contest level."""

    places: int
    kind: PromotionKind
    levels_up: int = 1
    cap: SkillLevel | None = None


DEFAULT_ENTITLEMENTS: Mapping[ContestLevel, Entitlement] = MappingProxyType(
    {
        # City contests: places 1-3 one skill level up, to at most technician (技师).
        ContestLevel.CITY: Entitlement(places=3, kind=PromotionKind.SKILL_LEVEL, cap=SkillLevel.TECHNICIAN),
        # Provincial contests: one grade higher than the worker holds.
        ContestLevel.PROVINCE: Entitlement(places=3, kind=PromotionKind.GRADE),
    }
)


@dataclass(frozen=True, slots=True)
class AwardRules:
    """A contest's awards: which levels entitle to promotion, prize classes, prize money."""

    entitlements: Mapping[ContestLevel, Entitlement] = field(default_factory=lambda: DEFAULT_ENTITLEMENTS)
    prize_classes: bool = False  # the optional 10/20/30% prize shares
    prize_money: Mapping[int, Decimal] = field(default_factory=dict)  # rank → yuan

    def entitlement(self, level: ContestLevel, place: int) -> Entitlement | None:
        found = self.entitlements.get(level)
        return found if found is not None and place <= found.places else None

    def money(self, place: int) -> Decimal | None:
        return self.prize_money.get(place)


DEFAULT_AWARD_RULES = AwardRules()
