"""Innovation: craftsman studios (applied → named after a city-level craftsman → funded →
reviewed each year → reconfirmed or revoked), achievements, and skills-into-enterprises
visits. Pure: no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

from chassis.aggregate import Aggregate
from contracts.events.base import Event
from contracts.events.training import (
    AchievementRecorded,
    SkillServiceDelivered,
    StudioApplied,
    StudioFunded,
    StudioNamed,
    StudioReviewed,
    StudioRevoked,
)
from services.training.rules import STUDIO_LIFECYCLE, check_city_craftsman, check_step, refuse

APPLIED, NAMED, FUNDED, REVOKED = "applied", "named", "funded", "revoked"


class Studio(Aggregate):
    """A craftsman innovation studio (工匠创新工作室); its tenant is its enterprise."""

    stream_type = "Studio"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.state = ""
        self.worker_id = ""
        self.name = ""
        self.reviewed_years: set[int] = set()

    @classmethod
    def apply_for(
        cls, studio_id: str, *, worker_id: str, enterprise_id: str, region_id: str, name: str, on: date
    ) -> Self:
        studio = cls(studio_id, tenant=enterprise_id)
        studio.record(
            StudioApplied(
                studio_id=studio_id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                region_id=region_id,
                name=name,
                applied_on=on,
            )
        )
        return studio

    def _step(self, allowed: tuple[str, ...], step: str) -> None:
        check_step(STUDIO_LIFECYCLE, f"studio {self.id}", self.state, allowed, step)

    def confer_name(self, on: date, *, city_titles: int) -> None:
        """Named after its craftsman, who must hold a city-level title (潍坊工匠 or above)."""
        self._step((APPLIED,), "naming")
        check_city_craftsman(self.worker_id, city_titles)
        self.record(
            StudioNamed(
                studio_id=self.id,
                worker_id=self.worker_id,
                enterprise_id=self.tenant,
                name=self.name,
                named_on=on,
            )
        )

    def fund(self, on: date, *, amount: Decimal, funded_by: str) -> None:
        self._step((NAMED, FUNDED), "funding")
        self.record(
            StudioFunded(
                studio_id=self.id, worker_id=self.worker_id, amount=amount, funded_by=funded_by, funded_on=on
            )
        )

    def review(
        self, on: date, *, year: int, reconfirmed: bool, reviewed_by: str, comment: str | None
    ) -> None:
        """The yearly review; a studio not reconfirmed is revoked by it."""
        self._step((NAMED, FUNDED), "a review")
        if year in self.reviewed_years:
            raise refuse(STUDIO_LIFECYCLE, f"studio {self.id} was reviewed for {year} already")
        self.record(
            StudioReviewed(
                studio_id=self.id,
                worker_id=self.worker_id,
                year=year,
                reconfirmed=reconfirmed,
                reviewed_by=reviewed_by,
                reviewed_on=on,
                comment=comment,
            )
        )
        if not reconfirmed:
            self.revoke(on, reason=comment or f"not reconfirmed at the {year} review", revoked_by=reviewed_by)

    def revoke(self, on: date, *, reason: str, revoked_by: str) -> None:
        self._step((APPLIED, NAMED, FUNDED), "revocation")
        self.record(
            StudioRevoked(
                studio_id=self.id,
                worker_id=self.worker_id,
                revoked_on=on,
                reason=reason,
                revoked_by=revoked_by,
            )
        )

    def apply(self, event: Event) -> None:
        if isinstance(event, StudioApplied):
            self.state, self.worker_id, self.name = APPLIED, event.worker_id, event.name
        elif isinstance(event, StudioNamed):
            self.state = NAMED
        elif isinstance(event, StudioFunded):
            self.state = FUNDED
        elif isinstance(event, StudioReviewed):
            self.reviewed_years.add(event.year)
        elif isinstance(event, StudioRevoked):
            self.state = REVOKED


class Recorded(Aggregate):
    """A one-event stream: an achievement or a visit is recorded once under its id."""

    @classmethod
    def of(cls, aggregate_id: str, event: Event, *, tenant: str) -> Self:
        recorded = cls(aggregate_id, tenant=tenant)
        recorded.record(event)
        return recorded

    def apply(self, event: Event) -> None:
        pass


class Achievement(Recorded):
    stream_type = "Achievement"

    @classmethod
    def record_once(cls, event: AchievementRecorded) -> Self:
        return cls.of(event.achievement_id, event, tenant=event.enterprise_id)


class Visit(Recorded):
    stream_type = "Visit"

    @classmethod
    def record_once(cls, event: SkillServiceDelivered) -> Self:
        return cls.of(event.visit_id, event, tenant=event.host_enterprise_id)
