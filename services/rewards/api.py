"""HTTP boundary of the rewards service: commands in, read models out, each with its access
rule. A programme belongs to its sponsor (a region or an enterprise); programmes are public,
grants are the enterprise's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from chassis.auth import Role, Tenant
from chassis.auth_http import PUBLIC, Guard, requires
from chassis.http import COMMAND_RESPONSES, READ_RESPONSES, Call, Command, CommandAccepted, read, read_or_404
from chassis.service import RuntimeDep
from contracts.primitives import Identifier, Text
from services.rewards import handlers
from services.rewards.commands import (
    ApplyForGrant,
    ApproveApplication,
    OpenProgramme,
    RevokeGrant,
    RunAllowances,
)
from services.rewards.domain import BudgetExhausted
from services.rewards.points_api import check_worker_of
from services.rewards.points_api import router as points_router
from services.rewards.queries import BudgetUse, GrantLedger, Programme, RewardQueries, WorkerTier

router = APIRouter(tags=["rewards"])
router.include_router(points_router)
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE


@router.post("/programmes", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def open_programme(
    command: OpenProgramme, call: Call, guard: Annotated[Guard, requires(CITY, COUNTY, HR)]
) -> CommandAccepted:
    guard.check(Tenant(enterprise_id=command.sponsor_id, region_id=command.sponsor_id))
    return await call.execute(handlers.open_programme, command)


async def _check_sponsor(runtime: RuntimeDep, guard: Guard, programme_id: str) -> None:
    """A programme's commands belong to its sponsor (a region or an enterprise)."""
    sponsor = await read_or_404(
        runtime,
        lambda session: RewardQueries(session).sponsor(programme_id),
        f"no programme {programme_id} (yet)",
    )
    guard.check(Tenant(enterprise_id=sponsor, region_id=sponsor))


@router.post("/applications", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def apply_for_grant(
    command: ApplyForGrant, call: Call, runtime: RuntimeDep, guard: Annotated[Guard, requires(CITY, HR)]
) -> CommandAccepted:
    """A worker's application to a programme that grants by application (its enterprise's HR)."""
    guard.check(Tenant(enterprise_id=command.enterprise_id))
    await check_worker_of(runtime, command.worker_id, command.enterprise_id)
    return await call.execute(handlers.apply_for_grant, command)


@router.post("/approvals", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def approve_application(
    command: ApproveApplication,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR)],
) -> CommandAccepted:
    """The sponsor approves an application: the grant is paid, within the budget, once."""
    await _check_sponsor(runtime, guard, command.programme_id)
    try:
        return await call.execute(handlers.approve_application, command)
    except BudgetExhausted as refused:
        await handlers.note_exhausted(runtime.unit_of_work, refused)
        raise


class RevokeRequest(Command):
    programme_id: Identifier
    grant_id: Identifier
    reason: Text


@router.post("/revocations", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def revoke_grant(
    request: RevokeRequest,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR)],
) -> CommandAccepted:
    """The sponsor withdraws a grant, with a reason; its amount returns to the budget."""
    await _check_sponsor(runtime, guard, request.programme_id)
    command = RevokeGrant(**request.model_dump(), revoked_by=guard.principal.subject)
    return await call.execute(handlers.revoke_grant, command)


@router.post("/allowance-runs", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def run_allowances(
    command: RunAllowances,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR)],
) -> CommandAccepted:
    """Pay a year's allowances (once per worker and year, however often it runs)."""
    await _check_sponsor(runtime, guard, command.programme_id)
    return await call.execute(handlers.run_allowances, command)


@router.get("/programmes/{programme_id}", responses=READ_RESPONSES, dependencies=[PUBLIC])
async def programme(programme_id: Identifier, runtime: RuntimeDep) -> Programme:
    found = await read_or_404(
        runtime,
        lambda session: RewardQueries(session).programme(programme_id),
        f"no programme {programme_id} (yet)",
    )
    return Programme.model_validate(found)


@router.get("/programmes/{programme_id}/budget", responses=READ_RESPONSES, dependencies=[PUBLIC])
async def budget_use(programme_id: Identifier, runtime: RuntimeDep) -> BudgetUse:
    """What the programme has committed (grants not revoked) and what is left."""
    found = await read_or_404(
        runtime,
        lambda session: RewardQueries(session).budget_use(programme_id),
        f"no programme {programme_id} (yet)",
    )
    return BudgetUse.model_validate(found)


@router.get("/grants", responses=READ_RESPONSES)
async def grant_ledger(
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, HR, SERVICE)],
    worker_id: Identifier | None = None,
    enterprise_id: Annotated[Identifier | None, Query(description="Required for an enterprise's HR")] = None,
    programme_id: Identifier | None = None,
    year: Annotated[int | None, Query(ge=2000, le=9999, description="The year granted")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> GrantLedger:
    guard.check(Tenant(enterprise_id=enterprise_id))
    found = await read(
        runtime,
        lambda session: RewardQueries(session).grants(
            worker_id=worker_id,
            enterprise_id=enterprise_id,
            programme_id=programme_id,
            year=year,
            limit=limit,
        ),
    )
    return GrantLedger.model_validate({"grants": found})


@router.get("/workers/{worker_id}/tier", responses=READ_RESPONSES)
async def worker_tier(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
) -> WorkerTier:
    missing = f"no tier known for worker {worker_id} (yet)"
    guard.check(
        await read(runtime, lambda session: RewardQueries(session).worker_tenant(worker_id)), missing=missing
    )
    found = await read_or_404(runtime, lambda session: RewardQueries(session).worker_tier(worker_id), missing)
    return WorkerTier.model_validate(found)
