"""The region tree (city → county or district → town) and its leading groups. Pure."""

from __future__ import annotations

from typing import Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.registry import RegionRegistered, ReviewerAppointed
from contracts.vocabulary import RegionKind, TitleLevel

# Where each kind may sit in the tree.
PARENT_KINDS: dict[RegionKind, tuple[RegionKind, ...]] = {
    RegionKind.PROVINCE: (),
    RegionKind.CITY: (RegionKind.PROVINCE,),
    RegionKind.COUNTY: (RegionKind.CITY,),
    RegionKind.DISTRICT: (RegionKind.CITY,),
    RegionKind.TOWN: (RegionKind.COUNTY, RegionKind.DISTRICT),
}


class Region(Aggregate):
    stream_type = "Region"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant or aggregate_id)
        self.kind = RegionKind.CITY
        self.parent_id: str | None = None
        self.reviewers: dict[str, TitleLevel] = {}

    @classmethod
    def register(cls, region_id: str, *, name: str, kind: RegionKind, parent: Region | None) -> Self:
        allowed = PARENT_KINDS[kind]
        if parent is None and allowed and kind is not RegionKind.CITY:
            raise DomainRuleViolated(f"a {kind} sits under a {' or '.join(allowed)}; name its parent")
        if parent is not None and parent.kind not in allowed:
            raise DomainRuleViolated(f"a {kind} cannot sit under a {parent.kind}")
        region = cls(region_id)
        region.record(
            RegionRegistered(
                region_id=region_id, name=name, kind=kind, parent_id=parent.id if parent else None
            )
        )
        return region

    def appoint(self, reviewer_id: str, *, level: TitleLevel, role: str) -> None:
        if reviewer_id in self.reviewers:
            raise DomainRuleViolated(f"{reviewer_id} is in the leading group of {self.id} already")
        self.record(ReviewerAppointed(group_id=self.id, reviewer_id=reviewer_id, level=level, role=role))

    def apply(self, event: Event) -> None:
        match event:
            case RegionRegistered():
                self.kind, self.parent_id = RegionKind(event.kind), event.parent_id
            case ReviewerAppointed():
                self.reviewers[event.reviewer_id] = TitleLevel(event.level)
