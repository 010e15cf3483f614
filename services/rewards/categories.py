"""An enterprise's own "X" points categories (patents, advanced methods, hard problems...). Pure."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.rewards import PointsCategoryDeclared
from contracts.vocabulary import COMMON_POINT_CATEGORIES


class UnknownCategory(DomainRuleViolated):
    def __init__(self, category: str, enterprise_id: str) -> None:
        super().__init__(
            f"unknown points category {category!r}: not one of the four common ones "
            f"({', '.join(COMMON_POINT_CATEGORIES)}) nor one enterprise {enterprise_id} declared",
            rule="known_category",
        )


class EnterpriseCategories(Aggregate):
    stream_type = "PointsCategories"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant or aggregate_id)
        self.caps: dict[str, Decimal | None] = {}

    @classmethod
    def of(cls, enterprise_id: str) -> Self:
        return cls(enterprise_id, tenant=enterprise_id)

    def declare(self, category: str, *, name: str, cap: Decimal | None) -> None:
        if category in COMMON_POINT_CATEGORIES:
            raise DomainRuleViolated(
                f"{category!r} is one of the four common categories", rule="own_category"
            )
        if category in self.caps:
            raise DomainRuleViolated(
                f"enterprise {self.id} declared {category!r} already", rule="category_declared_once"
            )
        self.record(PointsCategoryDeclared(enterprise_id=self.id, category=category, name=name, cap=cap))

    def check_known(self, category: str) -> None:
        if category not in COMMON_POINT_CATEGORIES and category not in self.caps:
            raise UnknownCategory(category, self.id)

    def apply(self, event: Event) -> None:
        if isinstance(event, PointsCategoryDeclared):
            self.caps[event.category] = event.cap
