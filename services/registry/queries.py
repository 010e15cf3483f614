"""Queries over the registry's read models (the repository owns the SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.read_models import profile_story, worker_profiles


class ProfileQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def profile(self, worker_id: str) -> dict[str, Any] | None:
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
        profile = dict(row._mapping)
        profile["rewards_total"] = str(profile["rewards_total"])
        profile["story"] = [
            {
                "event_id": entry.event_id,
                "event_type": entry.event_type,
                "producer": entry.producer,
                "occurred_at": entry.occurred_at,
                "facts": entry.facts,
            }
            for entry in story
        ]
        return profile

    async def roster(self, enterprise_id: str) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(
                worker_profiles.c.worker_id,
                worker_profiles.c.full_name,
                worker_profiles.c.trade,
                worker_profiles.c.skill_level,
                worker_profiles.c.tier,
                worker_profiles.c.tier_label,
            )
            .where(worker_profiles.c.enterprise_id == enterprise_id)
            .order_by(worker_profiles.c.worker_id)
        )
        return [dict(row._mapping) for row in rows]
