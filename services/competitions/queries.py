"""Queries over the competitions read models (the repository owns the SQL), answered as models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.keyed_rows import KeyedRows
from services.competitions.read_models import contests, known_workers, results


@dataclass(frozen=True, slots=True)
class KnownWorker:
    """A worker the registry told competitions about (projected from WorkerRegistered)."""

    worker_id: str
    enterprise_id: str
    erased: bool = False  # forgotten: no person to show (names stay sealed in the registry)
    skill_level: str | None = None  # not kept here; answers have always shown it as null


KNOWN_WORKERS = KeyedRows(
    known_workers,
    KnownWorker,
    missing=lambda worker_id: f"worker {worker_id} is not known to competitions yet",
)
"""Competitions acts only for workers the registry has told it about."""
find_known_worker = KNOWN_WORKERS.find
find_known_workers = KNOWN_WORKERS.find_many
require_known_worker = KNOWN_WORKERS.require
unknown_worker = KNOWN_WORKERS.missing


class KnownWorkerAnswer(BaseModel):
    worker_id: str
    enterprise_id: str
    erased: bool = False
    skill_level: str | None = None


class Entrant(BaseModel):
    contest_id: str
    worker_id: str
    enterprise_id: str
    erased: bool | None = None
    raw_score: float
    standardised_score: int | None
    rank: int | None
    medal: str | None
    event_id: str


class Leaderboard(BaseModel):
    contest_id: str
    title: str
    trade: str
    level: str
    region_id: str
    starts_on: date
    ends_on: date
    concluded_on: date | None
    results: list[Entrant]


class CompetitionsQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        return await find_known_worker(self._session, worker_id)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        found = await self.known_worker(worker_id)
        return Tenant() if found is None else Tenant(enterprise_id=found.enterprise_id)

    async def contest_tenant(self, contest_id: str) -> Tenant:
        region = await self._session.scalar(
            select(contests.c.region_id).where(contests.c.contest_id == contest_id)
        )
        return Tenant(region_id=region)

    async def leaderboard(self, contest_id: str) -> dict[str, Any] | None:
        """The contest with its entrants, best raw score first; None for an unknown contest.

        Before the contest concludes an entrant shows a raw score only: standardised_score,
        rank and medal are None until its results are published.
        """
        contest = (
            await self._session.execute(select(contests).where(contests.c.contest_id == contest_id))
        ).first()
        if contest is None:
            return None
        rows = await self._session.execute(
            select(results, known_workers.c.erased)
            .outerjoin(known_workers, known_workers.c.worker_id == results.c.worker_id)
            .where(results.c.contest_id == contest_id)
            .order_by(results.c.raw_score.desc(), results.c.worker_id)
        )
        return {**contest._mapping, "results": [dict(row._mapping) for row in rows]}
