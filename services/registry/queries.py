"""Queries over the registry's read models (the repository owns the SQL), answered as models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from services.registry.read_models import enterprises, profile_story, worker_profiles
from services.registry.vault import Vault


class StoryEntry(BaseModel):
    event_id: str
    event_type: str
    producer: str
    occurred_at: datetime
    facts: dict[str, Any]


class WorkerProfile(BaseModel):
    worker_id: str
    enterprise_id: str | None
    full_name: str | None = Field(description="From the sealed personal data; (erased) once forgotten")
    erased: bool = False
    trade: str | None
    skill_level: str | None
    tier: str
    tier_label: str | None
    nominations: int
    trainings: int
    training_hours: float
    best_raw_score: float | None
    best_standardised_score: int | None
    grants: int
    rewards_total: str
    updated_at: datetime | None
    story: list[StoryEntry]


class RosterEntry(BaseModel):
    worker_id: str
    full_name: str | None
    erased: bool = False
    trade: str | None
    skill_level: str | None
    tier: str
    tier_label: str | None


class Roster(BaseModel):
    enterprise_id: str
    workers: list[RosterEntry]


class ProfileQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enterprise_tenant(self, enterprise_id: str) -> Tenant | None:
        """The enterprise with its region, as the scope check needs it; None if not registered."""
        region = await self._session.scalar(
            select(enterprises.c.region_id).where(enterprises.c.enterprise_id == enterprise_id)
        )
        return None if region is None else Tenant(enterprise_id=enterprise_id, region_id=region)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        """Whose worker it is (enterprise and its region), as far as the read models know."""
        row = (
            await self._session.execute(
                select(worker_profiles.c.enterprise_id, enterprises.c.region_id)
                .outerjoin(enterprises, enterprises.c.enterprise_id == worker_profiles.c.enterprise_id)
                .where(worker_profiles.c.worker_id == worker_id)
            )
        ).first()
        return Tenant() if row is None else Tenant(enterprise_id=row.enterprise_id, region_id=row.region_id)

    async def profile(self, worker_id: str) -> WorkerProfile | None:
        row = (
            await self._session.execute(
                select(worker_profiles).where(worker_profiles.c.worker_id == worker_id)
            )
        ).first()
        if row is None:
            return None
        story = await self._session.execute(
            select(profile_story)
            .where(profile_story.c.worker_id == worker_id)
            .order_by(profile_story.c.occurred_at, profile_story.c.event_id)
        )
        person = await Vault(self._session).read(worker_id)
        return WorkerProfile.model_validate(
            {
                **row._mapping,
                "full_name": person.full_name if person else None,
                "erased": bool(person and person.erased),
                "rewards_total": str(row.rewards_total),
                "story": [StoryEntry.model_validate(entry, from_attributes=True) for entry in story],
            }
        )

    async def roster(self, enterprise_id: str) -> Roster | None:
        """The enterprise's workers; None for an enterprise the registry does not know."""
        if await self.enterprise_tenant(enterprise_id) is None:
            return None
        rows = await self._session.execute(
            select(
                worker_profiles.c.worker_id,
                worker_profiles.c.trade,
                worker_profiles.c.skill_level,
                worker_profiles.c.tier,
                worker_profiles.c.tier_label,
            )
            .where(worker_profiles.c.enterprise_id == enterprise_id)
            .order_by(worker_profiles.c.worker_id)
        )
        found = rows.all()
        people = await Vault(self._session).read_many([row.worker_id for row in found])
        return Roster(
            enterprise_id=enterprise_id,
            workers=[
                RosterEntry(
                    **row._mapping,
                    full_name=people[row.worker_id].full_name if row.worker_id in people else None,
                    erased=row.worker_id in people and people[row.worker_id].erased,
                )
                for row in found
            ],
        )
