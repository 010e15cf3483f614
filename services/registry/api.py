"""HTTP boundary of the registry: commands in, read models out, each with its access rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status

from chassis.auth import Role, Tenant
from chassis.auth_http import Guard, requires
from chassis.http import (
    COMMAND_RESPONSES,
    READ_RESPONSES,
    Call,
    CommandAccepted,
    read,
    read_or_404,
    read_settled,
)
from chassis.service import RuntimeDep
from contracts.primitives import Identifier, Text
from contracts.vocabulary import TitleLevel
from services.registry import careers, handlers, imports, public_api, selection_api
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.queries import ProfileQueries, Roster, WorkerProfile

router = APIRouter(tags=["registry"])
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE


@router.post("/enterprises", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def register_enterprise(
    command: RegisterEnterprise, call: Call, guard: Annotated[Guard, requires(CITY, COUNTY)]
) -> CommandAccepted:
    guard.check(Tenant(enterprise_id=command.enterprise_id, region_id=command.region_id))
    return await call.execute(handlers.register_enterprise, command)


@router.post("/workers", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def register_worker(
    command: RegisterWorker,
    call: Call,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR)],
) -> CommandAccepted:
    known = await read_settled(  # an enterprise's region never changes
        call.runtime,
        ("enterprise_tenant", command.enterprise_id),
        lambda session: ProfileQueries(session).enterprise_tenant(command.enterprise_id),
    )
    guard.check(known or Tenant(enterprise_id=command.enterprise_id))
    return await call.execute(handlers.register_worker, command)


@router.post(
    "/workers/{worker_id}/nominations", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES
)
async def nominate_worker(
    worker_id: Identifier,
    call: Call,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR)],
    nomination_id: Annotated[Identifier, Body()],
    nominated_by: Annotated[Identifier, Body()],
    reason: Annotated[Text, Body()],
    level: Annotated[TitleLevel, Body()] = TitleLevel.ENTERPRISE,
) -> CommandAccepted:
    guard.check(await read(call.runtime, lambda session: ProfileQueries(session).worker_tenant(worker_id)))
    command = NominateWorker(
        worker_id=worker_id,
        nomination_id=nomination_id,
        level=level,
        nominated_by=nominated_by,
        reason=reason,
    )
    return await call.execute(handlers.nominate_worker, command)


@router.get("/workers/{worker_id}/profile", responses=READ_RESPONSES)
async def worker_profile(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
) -> WorkerProfile:
    missing = f"no profile for worker {worker_id} (yet)"
    guard.check(
        await read(runtime, lambda session: ProfileQueries(session).worker_tenant(worker_id)), missing=missing
    )
    return await read_or_404(runtime, lambda session: ProfileQueries(session).profile(worker_id), missing)


@router.get("/enterprises/{enterprise_id}/roster", responses=READ_RESPONSES)
async def roster(
    enterprise_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
) -> Roster:
    missing = f"enterprise {enterprise_id} is not registered"
    known = await read(runtime, lambda session: ProfileQueries(session).enterprise_tenant(enterprise_id))
    guard.check(known or Tenant(), missing=missing)
    return await read_or_404(runtime, lambda session: ProfileQueries(session).roster(enterprise_id), missing)


# The other routers after this module's own routes: FastAPI tries a router's routes in order
# (twice per request: to match, then to handle), and the registrations here are the busiest
# commands (POST /workers was the 36th route of 39). No path here overlaps one of theirs.
router.include_router(imports.router)
router.include_router(careers.router)
router.include_router(selection_api.router)
router.include_router(public_api.router)
