"""Queries over the rewards read models (the repository owns the SQL)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.tenancy import worker_tenant
from services.rewards.budget import remaining
from services.rewards.read_models import (
    allowances,
    categories,
    enterprises,
    grants,
    points_entries,
    programmes,
    worker_tiers,
    workers,
)

_CENT = Decimal("0.01")


def _money(value: Any) -> str:
    return str(Decimal(value).quantize(_CENT))


class Programme(BaseModel):
    programme_id: str
    name: str
    sponsor_id: str
    trigger: str
    opened_on: date
    closes_on: date | None
    currency: str
    budget: str
    grant_amount: str
    amounts_by_place: dict[str, str]
    recurring: bool
    credit_support: bool
    eligible_enterprises: list[str]
    granted_total: str
    remaining: str
    grants: int
    exhausted_at: datetime | None


class BudgetUse(BaseModel):
    programme_id: str
    budget: str
    committed: str
    left: str
    grants: int
    revoked: int
    allowances_running: int
    exhausted_at: datetime | None


class Grant(BaseModel):
    grant_id: str
    programme_id: str
    worker_id: str
    enterprise_id: str
    amount: str
    currency: str
    reason: str
    event_id: str
    granted_at: datetime
    revoked_at: datetime | None = None
    revoke_reason: str | None = None


class GrantLedger(BaseModel):
    grants: list[Grant]


class WorkerTier(BaseModel):
    worker_id: str
    enterprise_id: str
    tier: str
    tier_label: str
    effective_on: date
    promoted_at: datetime


class StatementLine(BaseModel):
    source_event_id: str
    rule: str
    points: str
    earned_on: date
    expired_on: date | None


class CategoryPoints(BaseModel):
    category: str
    points: str
    lines: list[StatementLine]


class PointsStatement(BaseModel):
    worker_id: str
    balance: str
    categories: list[CategoryPoints]


class LeaderboardRow(BaseModel):
    rank: int
    worker_id: str
    enterprise_id: str
    points: str


class Leaderboard(BaseModel):
    enterprise_id: str | None
    region_id: str | None
    rows: list[LeaderboardRow]


class Category(BaseModel):
    category: str
    name: str
    cap: str | None


class Categories(BaseModel):
    enterprise_id: str
    common: list[str]
    own: list[Category]


_LIVE_GRANT = grants.c.revoked_at.is_(None)
_LIVE_POINTS = points_entries.c.expired_on.is_(None)


class RewardQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _totals(self, programme_id: str) -> tuple[Decimal, int, int]:
        committed, live, revoked = (
            await self._session.execute(
                select(
                    func.coalesce(func.sum(grants.c.amount).filter(_LIVE_GRANT), 0),
                    func.count().filter(_LIVE_GRANT),
                    func.count().filter(grants.c.revoked_at.is_not(None)),
                ).where(grants.c.programme_id == programme_id)
            )
        ).one()
        return Decimal(committed), int(live), int(revoked)

    async def programme(self, programme_id: str) -> dict[str, Any] | None:
        row = (
            await self._session.execute(select(programmes).where(programmes.c.programme_id == programme_id))
        ).first()
        if row is None:
            return None
        granted, count, _ = await self._totals(programme_id)
        budget = Decimal(row.budget)
        return {
            "programme_id": row.programme_id,
            "name": row.name,
            "sponsor_id": row.sponsor_id,
            "trigger": row.trigger,
            "opened_on": row.opened_on,
            "closes_on": row.closes_on,
            "currency": row.currency,
            "budget": _money(budget),
            "grant_amount": _money(row.grant_amount),
            "amounts_by_place": {
                place: _money(amount) for place, amount in (row.amounts_by_place or {}).items()
            },
            "recurring": row.recurring,
            "credit_support": row.credit_support,
            "eligible_enterprises": list(row.eligible_enterprises or []),
            "granted_total": _money(granted),
            "remaining": _money(remaining(budget, granted)),
            "grants": count,
            "exhausted_at": row.exhausted_at,
        }

    async def budget_use(self, programme_id: str) -> dict[str, Any] | None:
        row = (
            await self._session.execute(
                select(programmes.c.budget, programmes.c.exhausted_at).where(
                    programmes.c.programme_id == programme_id
                )
            )
        ).first()
        if row is None:
            return None
        committed, count, revoked = await self._totals(programme_id)
        running = await self._session.scalar(
            select(func.count()).where(
                allowances.c.programme_id == programme_id, allowances.c.stopped_on.is_(None)
            )
        )
        return {
            "programme_id": programme_id,
            "budget": _money(row.budget),
            "committed": _money(committed),
            "left": _money(remaining(Decimal(row.budget), committed)),
            "grants": count,
            "revoked": revoked,
            "allowances_running": int(running or 0),
            "exhausted_at": row.exhausted_at,
        }

    async def sponsor(self, programme_id: str) -> str | None:
        found: str | None = await self._session.scalar(
            select(programmes.c.sponsor_id).where(programmes.c.programme_id == programme_id)
        )
        return found

    async def grants(
        self,
        *,
        worker_id: str | None = None,
        enterprise_id: str | None = None,
        programme_id: str | None = None,
        year: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        query = select(grants).order_by(grants.c.granted_at, grants.c.grant_id).limit(limit)
        for column, wanted in (
            (grants.c.worker_id, worker_id),
            (grants.c.enterprise_id, enterprise_id),
            (grants.c.programme_id, programme_id),
        ):
            if wanted is not None:
                query = query.where(column == wanted)
        if year is not None:
            query = query.where(extract("year", grants.c.granted_at) == year)
        rows = await self._session.execute(query)
        return [{**row._mapping, "amount": _money(row.amount)} for row in rows]

    async def worker_tier(self, worker_id: str) -> dict[str, Any] | None:
        row = (
            await self._session.execute(select(worker_tiers).where(worker_tiers.c.worker_id == worker_id))
        ).first()
        return None if row is None else dict(row._mapping)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        """The worker's enterprise and its region (registry's facts), for the scope check."""
        found = await worker_tenant(self._session, workers, enterprises, worker_id)
        if found is not None:
            return found
        enterprise = await self._session.scalar(
            select(worker_tiers.c.enterprise_id).where(worker_tiers.c.worker_id == worker_id)
        )
        return Tenant(enterprise_id=enterprise)

    async def enterprise_tenant(self, enterprise_id: str) -> Tenant:
        region = await self._session.scalar(
            select(enterprises.c.region_id).where(enterprises.c.enterprise_id == enterprise_id)
        )
        return Tenant(enterprise_id=enterprise_id, region_id=region)

    async def statement(self, worker_id: str) -> dict[str, Any] | None:
        rows = (
            await self._session.execute(
                select(points_entries)
                .where(points_entries.c.worker_id == worker_id)
                .order_by(
                    points_entries.c.category, points_entries.c.earned_on, points_entries.c.source_event_id
                )
            )
        ).all()
        if not rows:
            return None
        by_category: dict[str, list[Any]] = {}
        for row in rows:
            by_category.setdefault(row.category, []).append(row)

        def live(lines: list[Any]) -> Decimal:
            return sum((Decimal(line.points) for line in lines if line.expired_on is None), Decimal(0))

        return {
            "worker_id": worker_id,
            "balance": _money(live(list(rows))),
            "categories": [
                {
                    "category": category,
                    "points": _money(live(lines)),
                    "lines": [
                        {
                            "source_event_id": line.source_event_id,
                            "rule": line.rule,
                            "points": _money(line.points),
                            "earned_on": line.earned_on,
                            "expired_on": line.expired_on,
                        }
                        for line in lines
                    ],
                }
                for category, lines in by_category.items()
            ],
        }

    async def leaderboard(
        self, *, enterprise_id: str | None = None, region_id: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        total = func.sum(points_entries.c.points).label("points")
        query = (
            select(points_entries.c.worker_id, workers.c.enterprise_id, total)
            .select_from(
                points_entries.join(workers, workers.c.worker_id == points_entries.c.worker_id).outerjoin(
                    enterprises, enterprises.c.enterprise_id == workers.c.enterprise_id
                )
            )
            .where(_LIVE_POINTS)
            .group_by(points_entries.c.worker_id, workers.c.enterprise_id)
            .order_by(total.desc(), points_entries.c.worker_id)
            .limit(limit)
        )
        if enterprise_id is not None:
            query = query.where(workers.c.enterprise_id == enterprise_id)
        if region_id is not None:
            query = query.where(enterprises.c.region_id == region_id)
        rows = (await self._session.execute(query)).all()
        return [
            {
                "rank": rank,
                "worker_id": row.worker_id,
                "enterprise_id": row.enterprise_id,
                "points": _money(row.points),
            }
            for rank, row in enumerate(rows, start=1)
        ]

    async def categories(self, enterprise_id: str) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(categories)
            .where(categories.c.enterprise_id == enterprise_id)
            .order_by(categories.c.category)
        )
        return [
            {"category": row.category, "name": row.name, "cap": None if row.cap is None else _money(row.cap)}
            for row in rows
        ]
