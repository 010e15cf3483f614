"""HTTP boundary of the competitions service: commands in, read models out."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from chassis.errors import NotFound
from chassis.http import IdempotencyKey, execute
from chassis.service import RuntimeDep
from contracts.primitives import Identifier, RawScore
from services.competitions import handlers, imports
from services.competitions.commands import ConcludeContest, OpenContest, RecordMark
from services.competitions.queries import CompetitionsQueries

router = APIRouter(tags=["competitions"])
router.include_router(imports.router)


@router.post("/contests", status_code=status.HTTP_201_CREATED)
async def open_contest(
    command: OpenContest, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await execute(runtime, handlers.open_contest, command, idempotency_key)


@router.post("/contests/{contest_id}/results", status_code=status.HTTP_201_CREATED)
async def record_mark(
    contest_id: Identifier,
    runtime: RuntimeDep,
    worker_id: Annotated[Identifier, Body()],
    raw_score: Annotated[RawScore, Body()],
    judged_by: Annotated[Identifier | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Record an entrant's mark (MarkRecorded); results are published when the contest concludes."""
    command = RecordMark(contest_id=contest_id, worker_id=worker_id, raw_score=raw_score, judged_by=judged_by)
    return await execute(runtime, handlers.record_mark, command, idempotency_key)


@router.post("/contests/{contest_id}/conclusion", status_code=status.HTTP_201_CREATED)
async def conclude_contest(
    contest_id: Identifier,
    runtime: RuntimeDep,
    concluded_on: Annotated[date | None, Body(embed=True)] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Score every entrant over the whole field (CompetitionScored each), then ContestConcluded."""
    command = (
        ConcludeContest(contest_id=contest_id)
        if concluded_on is None
        else ConcludeContest(contest_id=contest_id, concluded_on=concluded_on)
    )
    return await execute(runtime, handlers.conclude_contest, command, idempotency_key)


@router.get("/contests/{contest_id}/leaderboard")
async def leaderboard(contest_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        board = await CompetitionsQueries(session).leaderboard(contest_id)
    if board is None:
        raise NotFound(f"no leaderboard for contest {contest_id} (yet)")
    return board


@router.get("/workers/{worker_id}")
async def known_worker(worker_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        worker = await CompetitionsQueries(session).known_worker(worker_id)
    if worker is None:
        raise NotFound(f"worker {worker_id} is not known to competitions yet")
    return asdict(worker)
