"""HTTP boundary of the competitions service: commands in, read models out, each with its
access rule. Contests belong to a region; leaderboards are public."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, status

from chassis.auth import Role, Tenant
from chassis.auth_http import PUBLIC, Guard, requires
from chassis.http import COMMAND_RESPONSES, READ_RESPONSES, Call, CommandAccepted, read, read_or_404
from chassis.service import RuntimeDep
from contracts.primitives import Identifier, RawScore
from services.competitions import handlers, imports
from services.competitions.commands import ConcludeContest, OpenContest, RecordMark
from services.competitions.queries import CompetitionsQueries, KnownWorkerAnswer, Leaderboard

router = APIRouter(tags=["competitions"])
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE
ORGANISERS = requires(CITY, COUNTY)
router.include_router(imports.router)


@router.post("/contests", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def open_contest(
    command: OpenContest, call: Call, guard: Annotated[Guard, ORGANISERS]
) -> CommandAccepted:
    guard.check(Tenant(region_id=command.region_id))
    return await call.execute(handlers.open_contest, command)


async def _check_organiser(runtime: RuntimeDep, guard: Guard, contest_id: str) -> None:
    guard.check(await read(runtime, lambda session: CompetitionsQueries(session).contest_tenant(contest_id)))


@router.post(
    "/contests/{contest_id}/results", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES
)
async def record_mark(
    contest_id: Identifier,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, ORGANISERS],
    worker_id: Annotated[Identifier, Body()],
    raw_score: Annotated[RawScore, Body()],
    judged_by: Annotated[Identifier | None, Body()] = None,
) -> CommandAccepted:
    """Record an entrant's mark (MarkRecorded); results are published when the contest concludes."""
    await _check_organiser(runtime, guard, contest_id)
    command = RecordMark(contest_id=contest_id, worker_id=worker_id, raw_score=raw_score, judged_by=judged_by)
    return await call.execute(handlers.record_mark, command)


@router.post(
    "/contests/{contest_id}/conclusion", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES
)
async def conclude_contest(
    contest_id: Identifier,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, ORGANISERS],
    concluded_on: Annotated[date | None, Body(embed=True)] = None,
) -> CommandAccepted:
    """Score every entrant over the whole field (CompetitionScored each), then ContestConcluded."""
    await _check_organiser(runtime, guard, contest_id)
    command = (
        ConcludeContest(contest_id=contest_id)
        if concluded_on is None
        else ConcludeContest(contest_id=contest_id, concluded_on=concluded_on)
    )
    return await call.execute(handlers.conclude_contest, command)


@router.get("/contests/{contest_id}/leaderboard", responses=READ_RESPONSES, dependencies=[PUBLIC])
async def leaderboard(contest_id: Identifier, runtime: RuntimeDep) -> Leaderboard:
    board = await read_or_404(
        runtime,
        lambda session: CompetitionsQueries(session).leaderboard(contest_id),
        f"no leaderboard for contest {contest_id} (yet)",
    )
    return Leaderboard.model_validate(board)


@router.get("/workers/{worker_id}", responses=READ_RESPONSES)
async def known_worker(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, HR, SERVICE, hide=True)],
) -> KnownWorkerAnswer:
    missing = f"worker {worker_id} is not known to competitions yet"
    guard.check(
        await read(runtime, lambda session: CompetitionsQueries(session).worker_tenant(worker_id)),
        missing=missing,
    )
    worker = await read_or_404(
        runtime, lambda session: CompetitionsQueries(session).known_worker(worker_id), missing
    )
    return KnownWorkerAnswer.model_validate(worker, from_attributes=True)
