"""Tenures of tiers and titles, projected from the registry's events, and the questions
asked of them: who held what on a day, and the talent pyramid of a region on a day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.sqlutil import dialect_name, insert_ignoring_duplicates, one_of, upsert
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


TIER_ENDS = (TierExpired, TierRevoked)
TITLE_ENDS = (TitleRevoked, TitleExpired)
TENURE_FACTS = (TierPromoted, *TIER_ENDS, TitleConferred, *TITLE_ENDS)


@dataclass
class _Open:
    """The tenures a batch may change: those it read (open tiers of its workers, its titles) and
    those it opens, folded fact by fact in the batch's order."""

    read: dict[str, dict[str, Any]]  # tenure id → its row as stored
    opened: dict[str, dict[str, Any]] = field(default_factory=dict)  # tenure id → a new row
    closed: dict[str, date] = field(default_factory=dict)  # a stored open tenure id → its end
    tiers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # worker → tier tenures

    def __post_init__(self) -> None:
        for tenure in self.read.values():
            if tenure["kind"] == "tier":
                self.tiers.setdefault(tenure["worker_id"], []).append(tenure)

    def close(self, day: date, tenure: dict[str, Any]) -> None:
        if tenure["until"] is not None:
            return
        tenure["until"] = day
        if tenure["tenure_id"] in self.read:
            self.closed[tenure["tenure_id"]] = day

    def close_tiers(self, worker_id: str, day: date) -> None:
        for tenure in self.tiers.get(worker_id, []):
            self.close(day, tenure)

    def open(self, tenure: dict[str, Any]) -> None:
        if tenure["tenure_id"] in self.read or tenure["tenure_id"] in self.opened:
            return  # a tenure already held is not opened twice
        self.opened[tenure["tenure_id"]] = tenure
        if tenure["kind"] == "tier":
            self.tiers.setdefault(tenure["worker_id"], []).append(tenure)


def _tier_tenure(envelope: Envelope, event: TierPromoted) -> dict[str, Any]:
    return {
        "tenure_id": f"tier:{envelope.event_id}",
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "kind": "tier",
        "level": event.to_rank.value,
        "since": event.effective_on,
        "until": None,
    }


def _title_tenure(event: TitleConferred) -> dict[str, Any]:
    return {
        "tenure_id": f"title:{event.title_id}",
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "kind": "title",
        "level": event.level.value,
        "since": event.conferred_on,
        "until": None,
    }


async def project_tenures(session: AsyncSession, facts: Sequence[tuple[Envelope, Any]]) -> None:
    """Tier and title facts in their order, in three statements: the tenures they may change
    read (locked on Postgres), folded, the ends and the new tenures written. A promotion ends
    the worker's open tier and opens the next; a lapse ends it; a title opens and ends its own."""
    tier_workers = sorted({e.worker_id for _, e in facts if isinstance(e, (TierPromoted, *TIER_ENDS))})
    titles = sorted({f"title:{e.title_id}" for _, e in facts if isinstance(e, (TitleConferred, *TITLE_ENDS))})
    dialect = dialect_name(session)
    found = await session.execute(
        select(tenures)
        .where(
            or_(
                and_(
                    tenures.c.kind == "tier",
                    tenures.c.until.is_(None),
                    one_of(dialect, tenures.c.worker_id, tier_workers),
                ),
                one_of(dialect, tenures.c.tenure_id, titles),
            )
        )
        .order_by(tenures.c.tenure_id)
        .with_for_update()
    )
    state = _Open(read={row["tenure_id"]: dict(row) for row in found.mappings()})
    for envelope, event in facts:
        match event:
            case TierPromoted():
                state.close_tiers(event.worker_id, event.effective_on)
                state.open(_tier_tenure(envelope, event))
            case TierExpired():
                state.close_tiers(event.worker_id, event.expired_on)
            case TierRevoked():
                state.close_tiers(event.worker_id, event.revoked_on)
            case TitleConferred():
                state.open(_title_tenure(event))
            case TitleRevoked() | TitleExpired():
                day = event.revoked_on if isinstance(event, TitleRevoked) else event.expired_on
                title = f"title:{event.title_id}"
                tenure = state.read.get(title) or state.opened.get(title)
                if tenure is not None:
                    state.close(day, tenure)
    if state.closed:
        await session.execute(
            update(tenures).where(tenures.c.tenure_id == bindparam("tenure"), tenures.c.until.is_(None)),
            [{"tenure": tenure_id, "until": day} for tenure_id, day in state.closed.items()],
        )
    if state.opened:
        await session.execute(insert_ignoring_duplicates(session, tenures), list(state.opened.values()))


async def on_tenure_fact(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    await project_tenures(session, [(envelope, event)])


async def on_tenure_facts(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
    await project_tenures(session, [(delivery.envelope, delivery.event) for delivery in deliveries])


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
    **dict.fromkeys(TENURE_FACTS, on_tenure_fact),
    RegionRegistered: on_region_registered,
}
"""One fact at a time: what applies the types no batch handler takes."""

TALENT_BATCH_HANDLERS: Mapping[type[Event], BatchHandler] = dict.fromkeys(TENURE_FACTS, on_tenure_facts)
"""The live consumer's and `craftsman rebuild`'s: a batch's tier and title facts together, in order."""


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
