"""HTTP boundary of the competitions service: commands in, read models out, each with its
access rule. A contest belongs to its region (its county or the city union runs it); an
enterprise-level contest also to its organising enterprise. Boards and results are public."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Role, Tenant
from chassis.auth_http import PUBLIC, Guard, requires
from chassis.http import COMMAND_RESPONSES, READ_RESPONSES, Call, CommandAccepted, read, read_or_404
from chassis.imports import IMPORT_RESPONSES, ImportAnswer, ImportRequest
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.competitions import handlers
from services.competitions.commands import (
    AssignJudge,
    LockMarks,
    LockScheme,
    OpenContest,
    OpenRegistration,
    Publicise,
    Ratify,
    RecordMark,
    RegisterEntrant,
    ResolveDiscrepancy,
    Standardise,
    StartContest,
    StartMarking,
    WithdrawEntrant,
)
from services.competitions.export import as_csv
from services.competitions.imports import import_entrants, import_marks
from services.competitions.queries import (
    CompetitionsQueries,
    ExportRow,
    JudgeWorkload,
    KnownWorkerAnswer,
    Leaderboard,
    ResultsQuery,
    WorkerHistory,
    WorkerResult,
)

router = APIRouter(tags=["competitions"])
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE
ORGANISERS = requires(CITY, COUNTY, HR)  # the region's union, or the enterprise of its own contest
CREATED = status.HTTP_201_CREATED


@router.post("/contests", status_code=CREATED, responses=COMMAND_RESPONSES)
async def open_contest(
    command: OpenContest, call: Call, guard: Annotated[Guard, ORGANISERS]
) -> CommandAccepted:
    """A draft contest: a region's (county or city union) or an enterprise's own (enterprise level)."""
    guard.check(handlers.opening_scope(command))
    return await call.execute(handlers.open_contest, command)


def _contest_step(path: str, command_type: type[Any], handler: handlers.StepHandler[Any]) -> None:
    """One endpoint per step of a contest: the contest's organiser (as the aggregate says) acts."""

    async def run(contest_id: Identifier, command: Any, call: Call, guard: Guard) -> CommandAccepted:
        return await call.execute(handler(contest_id, guard.check), command)

    # FastAPI validates the body as this command and checks the caller by the organisers' rule.
    run.__annotations__["command"] = command_type
    run.__annotations__["guard"] = Annotated[Guard, ORGANISERS]
    run.__doc__ = (command_type.__doc__ or command_type.__name__).strip()
    name = "contest_" + path.strip("/").replace("/", "_").replace("-", "_")
    router.post(
        f"/contests/{{contest_id}}{path}", status_code=CREATED, responses=COMMAND_RESPONSES, name=name
    )(run)


for _path, _command, _handler in (
    ("/registration", OpenRegistration, handlers.open_registration),
    ("/entrants", RegisterEntrant, handlers.register_entrant),
    ("/withdrawals", WithdrawEntrant, handlers.withdraw_entrant),
    ("/scheme", LockScheme, handlers.lock_scheme),
    ("/judges", AssignJudge, handlers.assign_judge),
    ("/start", StartContest, handlers.start_contest),
    ("/marking", StartMarking, handlers.start_marking),
    ("/marks", RecordMark, handlers.record_mark),
    ("/discrepancy-resolutions", ResolveDiscrepancy, handlers.resolve_discrepancy),
    ("/marks/lock", LockMarks, handlers.lock_marks),
    ("/standardisation", Standardise, handlers.standardise),
    ("/publicity", Publicise, handlers.publicise),
    ("/ratification", Ratify, handlers.ratify),
):
    _contest_step(_path, _command, _handler)


@router.post("/contests/{contest_id}/marks/import", responses=IMPORT_RESPONSES)
async def import_contest_marks(
    contest_id: Identifier,
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, ORGANISERS],
) -> ImportAnswer:
    """Many marks of one contest at once (items as for /marks), one transaction, an answer each."""
    return await import_marks(runtime.unit_of_work, contest_id, request, guard.check)


@router.post("/contests/{contest_id}/entrants/import", responses=IMPORT_RESPONSES)
async def import_contest_entrants(
    contest_id: Identifier,
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, ORGANISERS],
) -> ImportAnswer:
    """Many entrants of one contest at once (items as for /entrants), one transaction, an answer each."""
    return await import_entrants(runtime.unit_of_work, contest_id, request, guard.check)


async def _check_organiser(runtime: RuntimeDep, guard: Guard, contest_id: str) -> None:
    guard.check(await read(runtime, partial(_contest_tenant, contest_id)))


async def _contest_tenant(contest_id: str, session: AsyncSession) -> Tenant:
    return await CompetitionsQueries(session).contest_tenant(contest_id)


@router.get("/contests/{contest_id}/leaderboard", responses=READ_RESPONSES, dependencies=[PUBLIC])
async def leaderboard(contest_id: Identifier, runtime: RuntimeDep) -> Leaderboard:
    """The final board once standardised; before, a provisional one of the raw totals so far."""
    return await read_or_404(
        runtime,
        lambda session: CompetitionsQueries(session).leaderboard(contest_id),
        f"no leaderboard for contest {contest_id} (yet)",
    )


@router.get(
    "/contests/{contest_id}/export",
    response_model=list[ExportRow],
    responses={**READ_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "The rows, JSON or CSV"}},
    dependencies=[PUBLIC],
)
async def export_results(
    contest_id: Identifier,
    runtime: RuntimeDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> list[ExportRow] | Response:
    """The results for the ceremony: position, name, enterprise, occupation, medal, standardised score."""
    rows = await read_or_404(
        runtime,
        lambda session: CompetitionsQueries(session).export(contest_id),
        f"no results for contest {contest_id} (yet)",
    )
    if format == "csv":
        return as_csv(rows, f"{contest_id}-results.csv")
    return rows


@router.get("/contests/{contest_id}/judges/{judge_id}/workload", responses=READ_RESPONSES)
async def judge_workload(
    contest_id: Identifier,
    judge_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, ORGANISERS],
) -> JudgeWorkload:
    """A judge's marks so far and the discrepancies they are part of that are still open."""
    await _check_organiser(runtime, guard, contest_id)
    return await read_or_404(
        runtime,
        lambda session: CompetitionsQueries(session).judge_workload(contest_id, judge_id),
        f"judge {judge_id} is not assigned to contest {contest_id}",
    )


@router.get("/results", responses=READ_RESPONSES, dependencies=[PUBLIC])
async def published_results(
    runtime: RuntimeDep, query: Annotated[ResultsQuery, Query()]
) -> list[WorkerResult]:
    """Standardised results per contest level, region and year."""
    return await read(runtime, lambda session: CompetitionsQueries(session).results(query))


@router.get("/workers/{worker_id}", responses=READ_RESPONSES)
async def known_worker(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
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


@router.get("/workers/{worker_id}/competitions", responses=READ_RESPONSES)
async def competition_history(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
) -> WorkerHistory:
    """Every result of the worker, newest contest first."""
    guard.check(
        await read(runtime, lambda session: CompetitionsQueries(session).worker_tenant(worker_id)),
        missing=f"worker {worker_id} is not known to competitions yet",
    )
    return await read(runtime, lambda session: CompetitionsQueries(session).worker_history(worker_id))
