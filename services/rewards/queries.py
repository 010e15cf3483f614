"""Queries over the rewards read models (the repository owns the SQL)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from services.rewards.budget import remaining
from services.rewards.read_models import grants, programmes, worker_tiers

_CENT = Decimal("0.01")


def _money(value: Any) -> str:
    return str(Decimal(value).quantize(_CENT))


class Programme(BaseModel):
    programme_id: str
    name: str
    sponsor_id: str
    trigger: str
    opened_on: date
    currency: str
    budget: str
    grant_amount: str
    granted_total: str
    remaining: str
    grants: int


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


class GrantLedger(BaseModel):
    grants: list[Grant]


class WorkerTier(BaseModel):
    worker_id: str
    enterprise_id: str
    tier: str
    tier_label: str
    effective_on: date
    promoted_at: datetime


class RewardQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def programme(self, programme_id: str) -> dict[str, Any] | None:
        row = (
            await self._session.execute(select(programmes).where(programmes.c.programme_id == programme_id))
        ).first()
        if row is None:
            return None
        totals = (
            await self._session.execute(
                select(func.coalesce(func.sum(grants.c.amount), 0), func.count()).where(
                    grants.c.programme_id == programme_id
                )
            )
        ).one()
        budget, granted = Decimal(row.budget), Decimal(totals[0])
        return {
            "programme_id": row.programme_id,
            "name": row.name,
            "sponsor_id": row.sponsor_id,
            "trigger": row.trigger,
            "opened_on": row.opened_on,
            "currency": row.currency,
            "budget": _money(budget),
            "grant_amount": _money(row.grant_amount),
            "granted_total": _money(granted),
            "remaining": _money(remaining(budget, granted)),
            "grants": int(totals[1]),
        }

    async def grants(
        self,
        *,
        worker_id: str | None = None,
        enterprise_id: str | None = None,
        programme_id: str | None = None,
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
        rows = await self._session.execute(query)
        return [{**row._mapping, "amount": _money(row.amount)} for row in rows]

    async def worker_tier(self, worker_id: str) -> dict[str, Any] | None:
        row = (
            await self._session.execute(select(worker_tiers).where(worker_tiers.c.worker_id == worker_id))
        ).first()
        return None if row is None else dict(row._mapping)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        enterprise = await self._session.scalar(
            select(worker_tiers.c.enterprise_id).where(worker_tiers.c.worker_id == worker_id)
        )
        return Tenant(enterprise_id=enterprise)
