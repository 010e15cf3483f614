"""Queries over the competitions read models (the repository owns the SQL), answered as models."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.keyed_rows import KeyedRows
from chassis.tenancy import worker_tenant
from contracts.events.competitions import Aspect
from contracts.primitives import Identifier
from contracts.vocabulary import ContestLevel
from services.competitions import marking
from services.competitions.read_models import (
    aspects,
    contests,
    discrepancies,
    enterprises,
    entrants,
    judges,
    known_workers,
    marks,
    results,
)

ERASED = "erased"  # the name shown for a worker who was forgotten


@dataclass(frozen=True, slots=True)
class KnownWorker:
    """A worker the registry told competitions about (projected from WorkerRegistered)."""

    worker_id: str
    enterprise_id: str
    erased: bool = False  # forgotten: no person to show (names stay sealed in the registry)
    trade: str | None = None  # the occupation registered (None: registered before it was kept)
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
    """A row of a board: final once standardised, provisional (raw only) while marking."""

    contest_id: str
    worker_id: str
    enterprise_id: str
    erased: bool | None = None
    raw_score: float
    standardised_score: int | None
    rank: int | None
    medal: str | None
    prize: str | None = None
    prize_money: Decimal | None = None
    event_id: str | None = None  # the CompetitionScored of a final row


class ContestSummary(BaseModel):
    contest_id: str
    title: str
    trade: str
    level: str
    region_id: str
    starts_on: date
    ends_on: date
    concluded_on: date | None
    phase: str


class Leaderboard(ContestSummary):
    provisional: bool  # raw totals of the marks so far; no standardised score, rank or medal yet
    results: list[Entrant]


class WorkerResult(ContestSummary):
    raw_score: float
    standardised_score: int | None
    rank: int | None
    medal: str | None
    prize: str | None


class WorkerHistory(BaseModel):
    worker_id: str
    results: list[WorkerResult]


class OpenDiscrepancy(BaseModel):
    entrant_id: str
    aspect_id: str
    scores: dict[str, int]


class JudgeWorkload(BaseModel):
    contest_id: str
    judge_id: str
    aspect_ids: list[str]  # empty: every aspect
    marks_recorded: int
    entrants_marked: int
    outstanding_discrepancies: list[OpenDiscrepancy]


class ExportRow(BaseModel):
    """The columns a results ceremony reads out."""

    position: int
    name: str  # as competitions knows the person (the worker id), "erased" if forgotten
    enterprise: str
    occupation: str
    medal: str
    standardised_score: int


class ResultsQuery(BaseModel):
    level: ContestLevel | None = None
    region_id: Identifier | None = None
    year: int | None = Field(default=None, ge=1900, le=2999, description="the year the contest started")


class CompetitionsQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        return await find_known_worker(self._session, worker_id)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        """The worker's enterprise and its region; nobody's (Tenant()) for a worker not known here."""
        return await worker_tenant(self._session, known_workers, enterprises, worker_id) or Tenant()

    async def contest_tenant(self, contest_id: str) -> Tenant:
        row = (
            await self._session.execute(
                select(contests.c.region_id, contests.c.organiser_id, contests.c.organiser_kind).where(
                    contests.c.contest_id == contest_id
                )
            )
        ).first()
        if row is None:
            return Tenant()
        enterprise = row.organiser_id if row.organiser_kind == "enterprise" else None
        return Tenant(region_id=row.region_id, enterprise_id=enterprise)

    async def _contest(self, contest_id: str) -> ContestSummary | None:
        row = (
            await self._session.execute(select(contests).where(contests.c.contest_id == contest_id))
        ).first()
        return None if row is None else ContestSummary.model_validate(dict(row._mapping))

    async def leaderboard(self, contest_id: str) -> Leaderboard | None:
        """The final board once standardised, else the provisional one from the marks so far."""
        contest = await self._contest(contest_id)
        if contest is None:
            return None
        rows = await self._session.execute(
            select(results, known_workers.c.erased)
            .outerjoin(known_workers, known_workers.c.worker_id == results.c.worker_id)
            .where(results.c.contest_id == contest_id)
            .order_by(results.c.rank, results.c.raw_score.desc(), results.c.worker_id)
        )
        final = [Entrant.model_validate(dict(row._mapping)) for row in rows]
        if final:
            return Leaderboard(**contest.model_dump(), provisional=False, results=final)
        return Leaderboard(
            **contest.model_dump(), provisional=True, results=await self._provisional(contest_id)
        )

    async def _provisional(self, contest_id: str) -> list[Entrant]:
        scheme = [
            Aspect.model_validate(definition)
            for definition in await self._session.scalars(
                select(aspects.c.definition).where(aspects.c.contest_id == contest_id)
            )
        ]
        weight = await self._session.scalar(
            select(contests.c.theory_weight).where(contests.c.contest_id == contest_id)
        )
        scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for row in await self._session.execute(
            select(marks.c.entrant_id, marks.c.aspect_id, marks.c.score).where(
                marks.c.contest_id == contest_id
            )
        ):
            scores[row.entrant_id][row.aspect_id].append(row.score)
        board: list[Entrant] = []
        for row in await self._session.execute(
            select(entrants).where(entrants.c.contest_id == contest_id, entrants.c.withdrawn.is_(False))
        ):
            total = marking.raw_total(scheme, scores[row.entrant_id], weight or 0.0) if scheme else 0.0
            board += [
                Entrant(
                    contest_id=contest_id,
                    worker_id=worker,
                    enterprise_id=row.enterprise_id,
                    raw_score=total,
                    standardised_score=None,
                    rank=None,
                    medal=None,
                )
                for worker in row.worker_ids
            ]
        return sorted(board, key=lambda entrant: (-entrant.raw_score, entrant.worker_id))

    async def worker_history(self, worker_id: str) -> WorkerHistory:
        rows = await self._session.execute(
            select(
                contests,
                results.c.raw_score,
                results.c.standardised_score,
                results.c.rank,
                results.c.medal,
                results.c.prize,
            )
            .join(results, results.c.contest_id == contests.c.contest_id)
            .where(results.c.worker_id == worker_id)
            .order_by(contests.c.starts_on.desc(), contests.c.contest_id)
        )
        return WorkerHistory(
            worker_id=worker_id, results=[WorkerResult.model_validate(dict(row._mapping)) for row in rows]
        )

    async def judge_workload(self, contest_id: str, judge_id: str) -> JudgeWorkload | None:
        judge = (
            await self._session.execute(
                select(judges).where(judges.c.contest_id == contest_id, judges.c.judge_id == judge_id)
            )
        ).first()
        if judge is None:
            return None
        given = list(
            await self._session.scalars(
                select(marks.c.entrant_id).where(
                    marks.c.contest_id == contest_id, marks.c.judge_id == judge_id
                )
            )
        )
        flagged = await self._session.execute(
            select(discrepancies).where(
                discrepancies.c.contest_id == contest_id, discrepancies.c.open.is_(True)
            )
        )
        return JudgeWorkload(
            contest_id=contest_id,
            judge_id=judge_id,
            aspect_ids=list(judge.aspect_ids),
            marks_recorded=len(given),
            entrants_marked=len(set(given)),
            outstanding_discrepancies=[
                OpenDiscrepancy(entrant_id=row.entrant_id, aspect_id=row.aspect_id, scores=row.scores)
                for row in flagged
                if judge_id in row.scores
            ],
        )

    async def results(self, query: ResultsQuery) -> list[WorkerResult]:
        """Published results per level, region and year (of the contest's start)."""
        statement = (
            select(
                contests,
                results.c.raw_score,
                results.c.standardised_score,
                results.c.rank,
                results.c.medal,
                results.c.prize,
            )
            .join(results, results.c.contest_id == contests.c.contest_id)
            .where(results.c.standardised_score.is_not(None))
        )
        if query.level is not None:
            statement = statement.where(contests.c.level == query.level.value)
        if query.region_id is not None:
            statement = statement.where(contests.c.region_id == query.region_id)
        if query.year is not None:
            statement = statement.where(
                contests.c.starts_on >= date(query.year, 1, 1),
                contests.c.starts_on <= date(query.year, 12, 31),
            )
        rows = await self._session.execute(
            statement.order_by(contests.c.starts_on, contests.c.contest_id, results.c.rank)
        )
        return [WorkerResult.model_validate(dict(row._mapping)) for row in rows]

    async def export(self, contest_id: str) -> list[ExportRow] | None:
        contest = await self._contest(contest_id)
        if contest is None:
            return None
        rows = await self._session.execute(
            select(results, known_workers.c.erased)
            .outerjoin(known_workers, known_workers.c.worker_id == results.c.worker_id)
            .where(results.c.contest_id == contest_id, results.c.standardised_score.is_not(None))
            .order_by(results.c.rank, results.c.worker_id)
        )
        return [
            ExportRow(
                position=row.rank,
                name=ERASED if row.erased else row.worker_id,
                enterprise=row.enterprise_id,
                occupation=contest.trade,
                medal=row.medal,
                standardised_score=row.standardised_score,
            )
            for row in rows
        ]
