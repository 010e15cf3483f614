"""The public craftsman profile: what the union may publish on its app and social accounts.

Public fields only: the display name, the enterprise's name, the occupation, the tier's label
and the titles held with the year each was conferred. Only workers holding at least the seed
tier are published; a forgotten worker is not published at all (404, absent from lists).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import HELD_TIER_RANKS, TitleLevel
from services.registry.read_models import enterprises, tenures, worker_profiles
from services.registry.selection import title_name
from services.registry.talent import TalentQueries
from services.registry.vault import Vault

HELD_TIERS = [rank.value for rank in HELD_TIER_RANKS]
TITLE_LEVELS = {level.value for level in TitleLevel}


class PublicTitle(BaseModel):
    level: str
    title_name: str
    year: int


class PublicCraftsman(BaseModel):
    worker_id: str
    display_name: str | None = Field(description="None where the registry keeps no name for the worker")
    enterprise_name: str
    region_id: str
    occupation: str | None
    tier: str
    tier_label: str | None
    titles: list[PublicTitle]


class PublicCraftsmen(BaseModel):
    craftsmen: list[PublicCraftsman]
    limit: int
    offset: int


def _published() -> Select[Any]:
    """Workers holding a tier, not forgotten, with their enterprise."""
    return (
        select(
            worker_profiles.c.worker_id,
            worker_profiles.c.trade,
            worker_profiles.c.tier,
            worker_profiles.c.tier_label,
            enterprises.c.name.label("enterprise_name"),
            enterprises.c.region_id,
        )
        .join(enterprises, enterprises.c.enterprise_id == worker_profiles.c.enterprise_id)
        .where(worker_profiles.c.tier.in_(HELD_TIERS), worker_profiles.c.forgotten_on.is_(None))
    )


class PublicProfiles:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def one(self, worker_id: str) -> PublicCraftsman | None:
        found = await self._answer(_published().where(worker_profiles.c.worker_id == worker_id))
        return found[0] if found else None

    async def many(
        self, *, region_id: str | None, level: str | None, limit: int, offset: int
    ) -> PublicCraftsmen:
        statement = _published()
        if region_id is not None:
            below = await TalentQueries(self._session).region_and_below(region_id)
            statement = statement.where(enterprises.c.region_id.in_(below))
        if level in TITLE_LEVELS:
            statement = statement.where(
                exists().where(
                    tenures.c.worker_id == worker_profiles.c.worker_id,
                    tenures.c.kind == "title",
                    tenures.c.level == level,
                    tenures.c.until.is_(None),
                )
            )
        elif level is not None:
            statement = statement.where(worker_profiles.c.tier == level)
        statement = statement.order_by(worker_profiles.c.worker_id).limit(limit).offset(offset)
        return PublicCraftsmen(craftsmen=await self._answer(statement), limit=limit, offset=offset)

    async def _answer(self, statement: Select[Any]) -> list[PublicCraftsman]:
        rows = (await self._session.execute(statement)).all()
        ids = [row.worker_id for row in rows]
        people = await Vault(self._session).read_many(ids)
        titles: dict[str, list[PublicTitle]] = {worker_id: [] for worker_id in ids}
        held = await self._session.execute(
            select(tenures.c.worker_id, tenures.c.level, tenures.c.since)
            .where(tenures.c.worker_id.in_(ids), tenures.c.kind == "title", tenures.c.until.is_(None))
            .order_by(tenures.c.since)
        )
        for title in held:
            titles[title.worker_id].append(
                PublicTitle(
                    level=title.level, title_name=title_name(TitleLevel(title.level)), year=title.since.year
                )
            )
        return [
            PublicCraftsman(
                worker_id=row.worker_id,
                display_name=people[row.worker_id].full_name if row.worker_id in people else None,
                enterprise_name=row.enterprise_name,
                region_id=row.region_id,
                occupation=row.trade,
                tier=row.tier,
                tier_label=row.tier_label,
                titles=titles[row.worker_id],
            )
            for row in rows
            if not (row.worker_id in people and people[row.worker_id].erased)
        ]
