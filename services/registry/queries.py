"""Queries over the registry's read models (the repository owns the SQL), answered as models."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.sqlutil import dialect_name, one_of
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
    points: str = Field(description="The 4+X total: awarded, less expired, with adjustments")
    forgotten_on: date | None
    left_on: date | None
    updated_at: datetime | None
    story: list[StoryEntry]


RECENT = 3  # results and courses a roster line shows
RECENT_KINDS = {"CompetitionScored": "recent_results", "TrainingCompleted": "recent_training"}


class RecentResult(BaseModel):
    occurred_at: datetime
    contest_id: str
    raw_score: float
    medal: str
    rank: int


class RecentTraining(BaseModel):
    occurred_at: datetime
    course: str
    hours: float


class RosterEntry(BaseModel):
    worker_id: str
    full_name: str | None
    erased: bool = False
    trade: str | None
    skill_level: str | None
    tier: str
    tier_label: str | None
    points: str
    trainings: int
    training_hours: float
    best_standardised_score: int | None
    left_on: date | None
    recent_results: list[RecentResult] = Field(description=f"The latest {RECENT} competition results")
    recent_training: list[RecentTraining] = Field(description=f"The latest {RECENT} courses completed")


class Roster(BaseModel):
    enterprise_id: str
    workers: list[RosterEntry]


class ProfileQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enterprise_tenant(self, enterprise_id: str) -> Tenant | None:
        """The enterprise with its region, as the scope check needs it; None if not registered."""
        return (await self.enterprise_tenants([enterprise_id])).get(enterprise_id)

    async def enterprise_tenants(self, enterprise_ids: list[str]) -> dict[str, Tenant]:
        """`enterprise_tenant` of many enterprises in one query (a batch's scope check): only
        the enterprises the read models know."""
        rows = await self._session.execute(
            select(enterprises.c.enterprise_id, enterprises.c.region_id).where(
                one_of(dialect_name(self._session), enterprises.c.enterprise_id, enterprise_ids)
            )
        )
        return {
            row.enterprise_id: Tenant(enterprise_id=row.enterprise_id, region_id=row.region_id)
            for row in rows
        }

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

    async def worker_tenants(self, worker_ids: list[str]) -> dict[str, Tenant]:
        """`worker_tenant` of many workers in one query (a batch's scope check): only the
        workers the read models know."""
        rows = await self._session.execute(
            select(worker_profiles.c.worker_id, worker_profiles.c.enterprise_id, enterprises.c.region_id)
            .outerjoin(enterprises, enterprises.c.enterprise_id == worker_profiles.c.enterprise_id)
            .where(one_of(dialect_name(self._session), worker_profiles.c.worker_id, worker_ids))
        )
        return {
            row.worker_id: Tenant(enterprise_id=row.enterprise_id, region_id=row.region_id) for row in rows
        }

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
                "points": str(row.points),
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
                worker_profiles.c.points,
                worker_profiles.c.trainings,
                worker_profiles.c.training_hours,
                worker_profiles.c.best_standardised_score,
                worker_profiles.c.left_on,
            )
            .where(worker_profiles.c.enterprise_id == enterprise_id)
            .order_by(worker_profiles.c.worker_id)
        )
        found = rows.all()
        people = await Vault(self._session).read_many([row.worker_id for row in found])
        recent = await self._recent(enterprise_id)
        return Roster(
            enterprise_id=enterprise_id,
            workers=[
                RosterEntry.model_validate(
                    {
                        **row._mapping,
                        "points": str(row.points),
                        "full_name": people[row.worker_id].full_name if row.worker_id in people else None,
                        "erased": row.worker_id in people and people[row.worker_id].erased,
                        "recent_results": recent[row.worker_id]["recent_results"],
                        "recent_training": recent[row.worker_id]["recent_training"],
                    }
                )
                for row in found
            ],
        )

    async def _recent(self, enterprise_id: str) -> defaultdict[str, dict[str, list[dict[str, Any]]]]:
        """The latest results and courses of the enterprise's workers, from their stories."""
        rows = await self._session.execute(
            select(
                profile_story.c.worker_id,
                profile_story.c.event_type,
                profile_story.c.occurred_at,
                profile_story.c.facts,
            )
            .join(worker_profiles, worker_profiles.c.worker_id == profile_story.c.worker_id)
            .where(worker_profiles.c.enterprise_id == enterprise_id)
            .where(profile_story.c.event_type.in_(RECENT_KINDS))
            .order_by(profile_story.c.occurred_at.desc(), profile_story.c.event_id.desc())
        )
        recent: defaultdict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
            lambda: {kind: [] for kind in RECENT_KINDS.values()}
        )
        for row in rows:
            kept = recent[row.worker_id][RECENT_KINDS[row.event_type]]
            if len(kept) < RECENT:
                kept.append({**row.facts, "occurred_at": row.occurred_at})
        return recent
