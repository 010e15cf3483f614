"""HTTP boundary of the points ledger: an enterprise's categories, manual adjustments (one,
or a batch that an HR system brings), the expiry sweep, statements and leaderboards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from chassis.auth import Role, Tenant
from chassis.auth_http import Guard, requires
from chassis.errors import DomainRuleViolated
from chassis.http import COMMAND_RESPONSES, READ_RESPONSES, Call, CommandAccepted, read, read_or_404
from chassis.imports import IMPORT_RESPONSES, ImportAnswer, ImportRequest, import_batch, item_values
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from contracts.vocabulary import COMMON_POINT_CATEGORIES
from services.rewards import points_handlers
from services.rewards.commands import AdjustPoints, DeclareCategory, SweepExpiries
from services.rewards.queries import Categories, Leaderboard, PointsStatement, RewardQueries

router = APIRouter(tags=["points"])
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE


async def _enterprise(runtime: RuntimeDep, enterprise_id: str) -> Tenant:
    return await read(runtime, lambda session: RewardQueries(session).enterprise_tenant(enterprise_id))


@router.post("/categories", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def declare_category(
    command: DeclareCategory, call: Call, guard: Annotated[Guard, requires(CITY, HR)]
) -> CommandAccepted:
    """An enterprise declares one of its own X categories (patents, methods, hard problems)."""
    guard.check(Tenant(enterprise_id=command.enterprise_id))
    return await call.execute(points_handlers.declare_category, command)


@router.get("/enterprises/{enterprise_id}/categories", responses=READ_RESPONSES)
async def enterprise_categories(
    enterprise_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE)],
) -> Categories:
    guard.check(await _enterprise(runtime, enterprise_id))
    own = await read(runtime, lambda session: RewardQueries(session).categories(enterprise_id))
    return Categories.model_validate(
        {"enterprise_id": enterprise_id, "common": COMMON_POINT_CATEGORIES, "own": own}
    )


async def check_worker_of(runtime: RuntimeDep, worker_id: str, enterprise_id: str) -> None:
    known = await read(runtime, lambda session: RewardQueries(session).worker_tenant(worker_id))
    if known.enterprise_id is not None and known.enterprise_id != enterprise_id:
        raise DomainRuleViolated(
            f"worker {worker_id} works for {known.enterprise_id}, not {enterprise_id}",
            rule="worker_enterprise",
        )


@router.post("/adjustments", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def adjust_points(
    command: AdjustPoints,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR)],
) -> CommandAccepted:
    """A manual correction with its reason and approver, in a known category."""
    guard.check(await _enterprise(runtime, command.enterprise_id))
    await check_worker_of(runtime, command.worker_id, command.enterprise_id)
    return await call.execute(points_handlers.adjust_points, command)


@router.post("/adjustments/import", responses=IMPORT_RESPONSES)
async def import_adjustments(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, requires(CITY, HR)]
) -> ImportAnswer:
    """Many adjustments in one transaction, an answer each (accepted, or refused with the rule).

    The caller must be in scope of every enterprise the items name (403 otherwise)."""
    for enterprise_id in item_values(request.items, "enterprise_id"):
        guard.check(Tenant(enterprise_id=enterprise_id))
    return await import_batch(
        runtime.unit_of_work, AdjustPoints, request.items, points_handlers.adjustments_batch
    )


@router.post("/points-expiries", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def sweep_expiries(
    command: SweepExpiries, call: Call, _: Annotated[Guard, requires(CITY, SERVICE)]
) -> CommandAccepted:
    """Close every validity window that has ended by `on`: PointsExpired for each award
    (idempotent: a second sweep of the same day expires nothing)."""
    return await call.execute(points_handlers.sweep_expiries, command)


@router.get("/workers/{worker_id}/points", responses=READ_RESPONSES)
async def points_statement(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
) -> PointsStatement:
    """A worker's points by category, each line with the fact that earned it."""
    missing = f"no points known for worker {worker_id} (yet)"
    guard.check(
        await read(runtime, lambda session: RewardQueries(session).worker_tenant(worker_id)), missing=missing
    )
    found = await read_or_404(runtime, lambda session: RewardQueries(session).statement(worker_id), missing)
    return PointsStatement.model_validate(found)


@router.get("/leaderboards/points", responses=READ_RESPONSES)
async def points_leaderboard(
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE)],
    enterprise_id: Annotated[Identifier | None, Query(description="One enterprise's workers")] = None,
    region_id: Annotated[Identifier | None, Query(description="One region's workers")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Leaderboard:
    """Live points by worker, highest first, per enterprise or region (city-wide without either)."""
    scope = (
        await _enterprise(runtime, enterprise_id)
        if enterprise_id is not None
        else Tenant(region_id=region_id)
        if region_id is not None
        else Tenant()
    )
    if enterprise_id is not None and region_id is not None and scope.region_id != region_id:
        scope = Tenant()  # an enterprise outside the region named: nobody's scope but the city's
    guard.check(scope)
    rows = await read(
        runtime,
        lambda session: RewardQueries(session).leaderboard(
            enterprise_id=enterprise_id, region_id=region_id, limit=limit
        ),
    )
    return Leaderboard.model_validate({"enterprise_id": enterprise_id, "region_id": region_id, "rows": rows})
