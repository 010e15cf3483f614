"""Tenures of tiers and titles, projected from the registry's events, and the questions
asked of them: who held what on a day, and the talent pyramid of a region on a day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Handler
from chassis.sqlutil import insert_ignoring_duplicates, upsert
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.registry import (
    RegionRegistered,
    TierExpired,
    TierPromoted,
    TierRevoked,
    TitleConferred,
    TitleExpired,
    TitleRevoked,
)
from contracts.vocabulary import TitleLevel
from services.registry.read_models import enterprises, regions, tenures

# The pyramid's three bands, after the source: 10,000+ enterprise-level, 1,200 county-level,
# 532 city-level and above. A worker counts once, in the highest band held.
BANDS = ("enterprise", "county", "city_and_above")


def band_of(kind: str, level: str) -> int:
    if kind == "tier":
        return 0
    return 1 if level == TitleLevel.COUNTY.value else 2


async def _close(session: AsyncSession, ended: date, *conditions: Any) -> None:
    await session.execute(update(tenures).where(tenures.c.until.is_(None), *conditions).values(until=ended))


async def on_tier_promoted(session: AsyncSession, envelope: Envelope, event: TierPromoted) -> None:
    await _close(
        session, event.effective_on, tenures.c.worker_id == event.worker_id, tenures.c.kind == "tier"
    )
    await session.execute(
        insert_ignoring_duplicates(session, tenures).values(
            tenure_id=f"tier:{envelope.event_id}",
            worker_id=event.worker_id,
            enterprise_id=event.enterprise_id,
            kind="tier",
            level=event.to_rank.value,
            since=event.effective_on,
        )
    )


async def on_tier_lapsed(session: AsyncSession, _: Envelope, event: TierExpired | TierRevoked) -> None:
    ended = event.expired_on if isinstance(event, TierExpired) else event.revoked_on
    await _close(session, ended, tenures.c.worker_id == event.worker_id, tenures.c.kind == "tier")


async def on_title_conferred(session: AsyncSession, _: Envelope, event: TitleConferred) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, tenures).values(
            tenure_id=f"title:{event.title_id}",
            worker_id=event.worker_id,
            enterprise_id=event.enterprise_id,
            kind="title",
            level=event.level.value,
            since=event.conferred_on,
        )
    )


async def on_title_ended(session: AsyncSession, _: Envelope, event: TitleRevoked | TitleExpired) -> None:
    ended = event.revoked_on if isinstance(event, TitleRevoked) else event.expired_on
    await _close(session, ended, tenures.c.tenure_id == f"title:{event.title_id}")


async def on_region_registered(session: AsyncSession, _: Envelope, event: RegionRegistered) -> None:
    await session.execute(
        upsert(
            session,
            regions,
            {
                "region_id": event.region_id,
                "name": event.name,
                "kind": event.kind.value,
                "parent_id": event.parent_id,
            },
            keys=("region_id",),
        )
    )


TALENT_HANDLERS: Mapping[type[Event], Handler] = {
    TierPromoted: on_tier_promoted,
    TierExpired: on_tier_lapsed,
    TierRevoked: on_tier_lapsed,
    TitleConferred: on_title_conferred,
    TitleRevoked: on_title_ended,
    TitleExpired: on_title_ended,
    RegionRegistered: on_region_registered,
}


@dataclass(frozen=True, slots=True)
class Holding:
    worker_id: str
    enterprise_id: str
    kind: str
    level: str
    since: date
    until: date | None


class TalentQueries:
    """The repository of tenures: every query of them is here."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def held_on(
        self, day: date, *, worker_id: str | None = None, level: str | None = None
    ) -> list[Holding]:
        """The tiers and titles held on `day` (a worker's, or everyone's at one level)."""
        statement = select(tenures).where(
            tenures.c.since <= day, or_(tenures.c.until.is_(None), tenures.c.until > day)
        )
        if worker_id is not None:
            statement = statement.where(tenures.c.worker_id == worker_id)
        if level is not None:
            statement = statement.where(tenures.c.level == level)
        rows = await self._session.execute(statement.order_by(tenures.c.worker_id, tenures.c.since))
        return [
            Holding(row.worker_id, row.enterprise_id, row.kind, row.level, row.since, row.until)
            for row in rows
        ]

    async def region_and_below(self, region_id: str) -> set[str]:
        tree: dict[str | None, list[str]] = {}
        for row in await self._session.execute(select(regions.c.region_id, regions.c.parent_id)):
            tree.setdefault(row.parent_id, []).append(row.region_id)
        found, frontier = {region_id}, [region_id]
        while frontier:
            children = tree.get(frontier.pop(), [])
            found.update(children)
            frontier.extend(children)
        return found

    async def pyramid(
        self, day: date, *, region_id: str | None = None, industry: str | None = None
    ) -> dict[str, Any]:
        """Workers by the highest band held on `day`, by region and industry of their enterprise."""
        statement = (
            select(
                tenures.c.worker_id,
                tenures.c.kind,
                tenures.c.level,
                enterprises.c.region_id,
                enterprises.c.industry,
            )
            .join(enterprises, enterprises.c.enterprise_id == tenures.c.enterprise_id)
            .where(and_(tenures.c.since <= day, or_(tenures.c.until.is_(None), tenures.c.until > day)))
        )
        if region_id is not None:
            statement = statement.where(enterprises.c.region_id.in_(await self.region_and_below(region_id)))
        if industry is not None:
            statement = statement.where(enterprises.c.industry == industry)
        highest: dict[str, tuple[int, str, str]] = {}
        for row in await self._session.execute(statement):
            band = band_of(row.kind, row.level)
            if row.worker_id not in highest or band > highest[row.worker_id][0]:
                highest[row.worker_id] = (band, row.region_id, row.industry)
        cells = Counter(highest.values())
        totals = Counter(band for band, _, _ in highest.values())
        return {
            "as_of": day.isoformat(),
            "year": day.year,
            "region_id": region_id,
            "industry": industry,
            "bands": {BANDS[band]: totals.get(band, 0) for band in range(len(BANDS))},
            "cells": [
                {"band": BANDS[band], "region_id": region, "industry": industry, "workers": count}
                for (band, region, industry), count in sorted(cells.items())
            ],
        }
