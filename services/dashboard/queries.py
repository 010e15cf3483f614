"""The dashboard's views over its read model (the repository owns the SQL), and the answers.

Every view takes the year (facts dated in it; None: all years) and the regions in view
(None: the whole city), and answers with a response model.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.sqlutil import dialect_name, one_of
from contracts.vocabulary import HELD_TIER_RANKS, TierRank, TitleLevel
from services.dashboard import read_models as m
from services.dashboard.scope import RegionNode, RegionTree

Regions = frozenset[str] | None

TITLE_GROUPS: dict[TitleLevel, str] = {
    TitleLevel.COUNTY: "county",
    TitleLevel.CITY: "city",
    TitleLevel.CITY_GOLD: "city",
    TitleLevel.PROVINCE: "above",
    TitleLevel.PROVINCE_GRAND: "above",
    TitleLevel.NATION: "above",
}
"""The pyramid's title levels (above the enterprise's own tiers) and the band each sits in."""

LABELS: dict[str, str] = {
    TierRank.SEED: "seed craftsman",
    TierRank.CRAFTSMAN: "craftsman",
    TierRank.CHIEF: "chief craftsman",
    TitleLevel.COUNTY: "county craftsman",
    TitleLevel.CITY: "city craftsman",
    TitleLevel.CITY_GOLD: "city gold craftsman",
    TitleLevel.PROVINCE: "province craftsman",
    TitleLevel.PROVINCE_GRAND: "province grand craftsman",
    TitleLevel.NATION: "nation craftsman",
}
"""How the page names each level (the enterprise's own tier names vary; these are the common ones)."""


class PyramidLevel(BaseModel):
    level: str
    band: str  # enterprise, county, city, above
    label: str
    count: int


class Pyramid(BaseModel):
    year: int | None
    levels: list[PyramidLevel]


class CountRow(BaseModel):
    key: str
    label: str
    enterprises: int
    workers: int


class Counts(BaseModel):
    year: int | None
    by_county: list[CountRow]
    by_industry: list[CountRow]


class ContestRow(BaseModel):
    contest_id: str
    title: str
    trade: str
    level: str
    region_id: str
    year: int
    concluded: bool
    entrants: int


class LeaderboardRow(BaseModel):
    rank: int
    worker_id: str
    enterprise_id: str
    enterprise_name: str | None
    standardised_score: float
    medal: str


class Leaderboard(BaseModel):
    contest_id: str
    rows: list[LeaderboardRow]


class EnterpriseRow(BaseModel):
    enterprise_id: str
    name: str
    region_id: str
    industry: str
    workers: int


class RosterRow(BaseModel):
    worker_id: str
    trade: str
    skill_level: str
    tier: str
    titles: list[str]
    points: float
    erased: bool
    has_left: bool


class Roster(BaseModel):
    enterprise: EnterpriseRow
    workers: list[RosterRow]


class TimelineEntry(BaseModel):
    occurred_on: date
    event_type: str
    summary: str


class WorkerProfile(BaseModel):
    worker_id: str
    enterprise_id: str
    enterprise_name: str | None  # None until the enterprise's registration is projected
    trade: str
    skill_level: str
    tier: str
    erased: bool
    points: float
    timeline: list[TimelineEntry]


class PointsLeader(BaseModel):
    worker_id: str
    enterprise_id: str
    enterprise_name: str
    points: float


class ProgrammeBar(BaseModel):
    programme_id: str
    name: str
    currency: str
    budget: float
    granted: float
    grants: int


class RegionRow(BaseModel):
    region_id: str
    name: str
    kind: str
    parent_id: str | None


def _number(value: Decimal | int | float | None) -> float:
    return float(value or 0)


class DashboardQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _within(self, column: Any, regions: Regions) -> ColumnElement[bool] | None:
        if regions is None:
            return None
        return one_of(dialect_name(self._session), column, sorted(regions))

    def _filtered(self, query: Select[Any], *conditions: ColumnElement[bool] | None) -> Select[Any]:
        present = [condition for condition in conditions if condition is not None]
        return query.where(and_(*present)) if present else query

    async def region_tree(self) -> RegionTree:
        rows = await self._session.execute(select(m.regions))
        return RegionTree(RegionNode(**row._mapping) for row in rows)

    async def regions(self, regions: Regions) -> list[RegionRow]:
        query = self._filtered(select(m.regions), self._within(m.regions.c.region_id, regions))
        rows = await self._session.execute(query.order_by(m.regions.c.kind, m.regions.c.name))
        return [RegionRow(**row._mapping) for row in rows]

    async def enterprise(self, enterprise_id: str) -> EnterpriseRow | None:
        listed = await self.enterprises(None, enterprise_id=enterprise_id)
        return listed[0] if listed else None

    async def enterprises(self, regions: Regions, *, enterprise_id: str | None = None) -> list[EnterpriseRow]:
        e, w = m.enterprises, m.workers
        headcount = self._filtered(
            select(w.c.enterprise_id, func.count().label("workers")).group_by(w.c.enterprise_id),
            ~w.c.has_left,
            w.c.enterprise_id == enterprise_id
            if enterprise_id is not None
            else None,  # one: count only its own
        ).subquery()
        query = self._filtered(
            select(e, func.coalesce(headcount.c.workers, 0).label("workers")).outerjoin(
                headcount, headcount.c.enterprise_id == e.c.enterprise_id
            ),
            self._within(e.c.region_id, regions),
            e.c.enterprise_id == enterprise_id if enterprise_id is not None else None,
        )
        rows = await self._session.execute(query.order_by(e.c.name))
        return [EnterpriseRow(**row._mapping) for row in rows]

    async def pyramid(self, year: int | None, regions: Regions) -> Pyramid:
        """Who holds each tier and title now; with a year, who reached it in that year."""
        w, t, e = m.workers, m.titles, m.enterprises
        workers_in_view = w if regions is None else w.join(e, e.c.enterprise_id == w.c.enterprise_id)
        tiers = self._filtered(
            select(w.c.tier, func.count()).select_from(workers_in_view),
            ~w.c.has_left,
            w.c.tier_year == year if year is not None else None,
            self._within(e.c.region_id, regions),
        ).group_by(w.c.tier)
        tier_counts = dict((await self._session.execute(tiers)).all())
        titles = self._filtered(
            select(t.c.level, func.count(func.distinct(t.c.worker_id))).select_from(
                t if regions is None else t.join(e, e.c.enterprise_id == t.c.enterprise_id)
            ),
            t.c.active,
            t.c.year == year if year is not None else None,
            self._within(e.c.region_id, regions),
        ).group_by(t.c.level)
        title_counts = dict((await self._session.execute(titles)).all())
        levels = [
            PyramidLevel(
                level=rank.value,
                band="enterprise",
                label=LABELS[rank],
                count=tier_counts.get(rank, 0),
            )
            for rank in HELD_TIER_RANKS
        ] + [
            PyramidLevel(level=level.value, band=band, label=LABELS[level], count=title_counts.get(level, 0))
            for level, band in TITLE_GROUPS.items()
        ]
        return Pyramid(year=year, levels=levels)

    async def counts(self, year: int | None, regions: Regions, tree: RegionTree) -> Counts:
        """Enterprises and workers per county and per industry (workers registered in the year)."""
        e, w = m.enterprises, m.workers
        joined = and_(
            w.c.enterprise_id == e.c.enterprise_id,
            ~w.c.has_left,
            *([w.c.registered_year == year] if year is not None else []),
        )
        query = self._filtered(
            select(e.c.enterprise_id, e.c.region_id, e.c.industry, func.count(w.c.worker_id).label("workers"))
            .select_from(e.outerjoin(w, joined))
            .group_by(e.c.enterprise_id, e.c.region_id, e.c.industry),
            self._within(e.c.region_id, regions),
        )
        by_county: dict[str, list[int]] = {}
        by_industry: dict[str, list[int]] = {}
        for _, region_id, industry, workers in await self._session.execute(query):
            for bucket, key in ((by_county, tree.county_of(region_id)), (by_industry, industry)):
                totals = bucket.setdefault(key, [0, 0])
                totals[0] += 1
                totals[1] += workers

        def rows(bucket: dict[str, list[int]], label: Any) -> list[CountRow]:
            return [
                CountRow(key=key, label=label(key), enterprises=totals[0], workers=totals[1])
                for key, totals in sorted(bucket.items(), key=lambda item: -item[1][1])
            ]

        return Counts(
            year=year, by_county=rows(by_county, tree.name_of), by_industry=rows(by_industry, lambda key: key)
        )

    async def contests(self, year: int | None, regions: Regions) -> list[ContestRow]:
        c, r = m.contests, m.results
        entrants = select(r.c.contest_id, func.count().label("entrants")).group_by(r.c.contest_id).subquery()
        query = self._filtered(
            select(c, func.coalesce(entrants.c.entrants, 0).label("entrants")).outerjoin(
                entrants, entrants.c.contest_id == c.c.contest_id
            ),
            c.c.year == year if year is not None else None,
            self._within(c.c.region_id, regions),
        )
        rows = await self._session.execute(query.order_by(c.c.year.desc(), c.c.level, c.c.title).limit(500))
        return [ContestRow(**row._mapping) for row in rows]

    async def leaderboard(self, contest_id: str, regions: Regions, limit: int) -> Leaderboard:
        """A contest's results by rank; in a region, only its entrants (with their contest-wide rank)."""
        r, e = m.results, m.enterprises
        query = self._filtered(
            select(r, e.c.name.label("enterprise_name")).outerjoin(e, e.c.enterprise_id == r.c.enterprise_id),
            r.c.contest_id == contest_id,
            self._within(e.c.region_id, regions),
        )
        rows = await self._session.execute(query.order_by(r.c.rank, r.c.worker_id).limit(limit))
        return Leaderboard(
            contest_id=contest_id,
            rows=[
                LeaderboardRow(
                    rank=row.rank,
                    worker_id=row.worker_id,
                    enterprise_id=row.enterprise_id,
                    enterprise_name=row.enterprise_name,
                    standardised_score=float(row.standardised_score),
                    medal=row.medal,
                )
                for row in rows
            ],
        )

    async def _points_by_worker(self, year: int | None, worker_ids: Sequence[str] | None) -> dict[str, float]:
        p = m.points
        query = self._filtered(
            select(p.c.worker_id, func.sum(p.c.points)).group_by(p.c.worker_id),
            p.c.year == year if year is not None else None,
            one_of(dialect_name(self._session), p.c.worker_id, worker_ids)
            if worker_ids is not None
            else None,
        )
        return {worker: _number(total) for worker, total in (await self._session.execute(query))}

    async def roster(self, enterprise: EnterpriseRow, year: int | None) -> Roster:
        w, t = m.workers, m.titles
        people = (
            await self._session.execute(
                select(w).where(w.c.enterprise_id == enterprise.enterprise_id).order_by(w.c.worker_id)
            )
        ).all()
        held: dict[str, list[str]] = {}
        titles = select(t.c.worker_id, t.c.level).where(
            and_(t.c.enterprise_id == enterprise.enterprise_id, t.c.active)
        )
        for worker_id, level in await self._session.execute(titles):
            held.setdefault(worker_id, []).append(level)
        points = await self._points_by_worker(year, [row.worker_id for row in people])
        return Roster(
            enterprise=enterprise,
            workers=[
                RosterRow(
                    worker_id=row.worker_id,
                    trade=row.trade,
                    skill_level=row.skill_level,
                    tier=row.tier,
                    titles=sorted(held.get(row.worker_id, [])),
                    points=points.get(row.worker_id, 0.0),
                    erased=row.erased,
                    has_left=row.has_left,
                )
                for row in people
            ],
        )

    async def worker(self, worker_id: str) -> Any:
        return (
            await self._session.execute(select(m.workers).where(m.workers.c.worker_id == worker_id))
        ).first()

    async def enterprise_region(self, enterprise_id: str) -> str | None:
        query = select(m.enterprises.c.region_id).where(m.enterprises.c.enterprise_id == enterprise_id)
        found: str | None = await self._session.scalar(query)
        return found

    async def profile(self, worker: Any, year: int | None) -> WorkerProfile:
        tl = m.timeline
        entries = await self._session.execute(
            self._filtered(
                select(tl.c.occurred_on, tl.c.event_type, tl.c.summary),
                tl.c.worker_id == worker.worker_id,
                extract("year", tl.c.occurred_on) == year if year is not None else None,
            ).order_by(tl.c.occurred_on, tl.c.event_id)
        )
        points = await self._points_by_worker(year, [worker.worker_id])
        named = select(m.enterprises.c.name).where(m.enterprises.c.enterprise_id == worker.enterprise_id)
        return WorkerProfile(
            worker_id=worker.worker_id,
            enterprise_id=worker.enterprise_id,
            enterprise_name=await self._session.scalar(named),
            trade=worker.trade,
            skill_level=worker.skill_level,
            tier=worker.tier,
            erased=worker.erased,
            points=points.get(worker.worker_id, 0.0),
            timeline=[TimelineEntry(**row._mapping) for row in entries],
        )

    async def points_leaders(self, year: int | None, regions: Regions, limit: int) -> list[PointsLeader]:
        p, w, e = m.points, m.workers, m.enterprises
        total = func.sum(p.c.points).label("points")
        query = self._filtered(
            select(p.c.worker_id, w.c.enterprise_id, e.c.name, total)
            .select_from(
                p.join(w, w.c.worker_id == p.c.worker_id).join(e, e.c.enterprise_id == w.c.enterprise_id)
            )
            .group_by(p.c.worker_id, w.c.enterprise_id, e.c.name),
            p.c.year == year if year is not None else None,
            self._within(e.c.region_id, regions),
        )
        rows = await self._session.execute(query.order_by(total.desc(), p.c.worker_id).limit(limit))
        return [
            PointsLeader(
                worker_id=worker, enterprise_id=enterprise, enterprise_name=name, points=_number(points)
            )
            for worker, enterprise, name, points in rows
        ]

    async def programme_bars(self, year: int | None, regions: Regions) -> list[ProgrammeBar]:
        """Each programme's budget beside what was granted (in the year, to the regions' enterprises)."""
        pr, g, e = m.programmes, m.grants, m.enterprises
        granted = self._filtered(
            select(g.c.programme_id, func.sum(g.c.amount).label("granted"), func.count().label("grants"))
            .select_from(g.join(e, e.c.enterprise_id == g.c.enterprise_id, isouter=regions is None))
            .group_by(g.c.programme_id),
            ~g.c.revoked,
            g.c.year == year if year is not None else None,
            self._within(e.c.region_id, regions),
        ).subquery()
        query = select(pr, granted.c.granted, granted.c.grants).outerjoin(
            granted, granted.c.programme_id == pr.c.programme_id
        )
        rows = await self._session.execute(query.order_by(pr.c.name))
        return [
            ProgrammeBar(
                programme_id=row.programme_id,
                name=row.name,
                currency=row.currency,
                budget=_number(row.budget),
                granted=_number(row.granted),
                grants=row.grants or 0,
            )
            for row in rows
        ]
