"""The dashboard's HTTP side: the page (public: it holds no data) and its JSON views.

Who reads: union officials. The city union sees the whole city, a county union its own region
(`region` narrows a view; a county union asking for a region outside its own gets 403). The
page authenticates like every other client, with a bearer token: it takes one from the URL's
fragment (`/#token=<jwt>`, which browsers never send to a server or write to its logs), keeps it
in the tab's sessionStorage and sends it as `Authorization: Bearer` with each JSON request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from chassis.auth import Role, Tenant
from chassis.auth_http import PUBLIC, Guard, requires
from chassis.errors import ErrorAnswer, NotFound
from chassis.http import READ_RESPONSES, read
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.dashboard.bus import BusMonitor, Live
from services.dashboard.queries import (
    ContestRow,
    Counts,
    DashboardQueries,
    EnterpriseRow,
    Leaderboard,
    PointsLeader,
    ProgrammeBar,
    Pyramid,
    RegionRow,
    Roster,
    WorkerProfile,
)
from services.dashboard.scope import RegionTree, regions_in_view

STATIC = Path(__file__).parent / "static"
ASSETS: dict[str, tuple[str, str]] = {  # what the page loads, all from here: no CDN
    "dashboard.js": ("dashboard.js", "text/javascript"),
    "dashboard.css": ("dashboard.css", "text/css"),
    "chart.umd.min.js": ("vendor/chart.umd.min.js", "text/javascript"),
    "chart.js.LICENSE.md": ("vendor/chart.js.LICENSE.md", "text/markdown"),
}

router = APIRouter(tags=["dashboard"])
pages = APIRouter(tags=["page"], dependencies=[PUBLIC])
UNIONS = requires(Role.CITY_UNION, Role.COUNTY_UNION)
UNIONS_HIDING = requires(Role.CITY_UNION, Role.COUNTY_UNION, hide=True)
Year = Annotated[int | None, Query(ge=1949, le=9999, description="Facts dated in this year only")]
Region = Annotated[Identifier | None, Query(description="A region (and what lies under it)")]
Limit = Annotated[int, Query(ge=1, le=500)]
Reader = Annotated[Guard, UNIONS]


@pages.get("/", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}})
async def page() -> HTMLResponse:
    """The dashboard page (it holds no data: it fetches the views with the official's token)."""
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))


@pages.get(
    "/static/{asset}",
    response_class=FileResponse,
    responses={
        200: {"content": {media: {} for _, media in ASSETS.values()}, "description": "The asset"},
        404: {"model": ErrorAnswer, "description": "No such asset"},
    },
)
async def static_asset(asset: str) -> FileResponse:
    """The page's script, style sheet and chart library, all served from here."""
    if asset not in ASSETS:
        raise NotFound(f"no asset {asset}")
    path, media_type = ASSETS[asset]
    return FileResponse(STATIC / path, media_type=media_type, headers={"Cache-Control": "max-age=3600"})


async def _view(
    runtime: RuntimeDep, guard: Guard, region: str | None
) -> tuple[RegionTree, frozenset[str] | None]:
    tree = await read(runtime, lambda session: DashboardQueries(session).region_tree())
    return tree, regions_in_view(tree, guard.principal, region)


@router.get("/api/regions", responses=READ_RESPONSES)
async def regions(runtime: RuntimeDep, guard: Reader) -> list[RegionRow]:
    _, scope = await _view(runtime, guard, None)
    return await read(runtime, lambda session: DashboardQueries(session).regions(scope))


@router.get("/api/pyramid", responses=READ_RESPONSES)
async def pyramid(runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None) -> Pyramid:
    """The talent pyramid: the enterprise tiers held, and the titles from county up."""
    _, scope = await _view(runtime, guard, region)
    return await read(runtime, lambda session: DashboardQueries(session).pyramid(year, scope))


@router.get("/api/counts", responses=READ_RESPONSES)
async def counts(runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None) -> Counts:
    tree, scope = await _view(runtime, guard, region)
    return await read(runtime, lambda session: DashboardQueries(session).counts(year, scope, tree))


@router.get("/api/contests", responses=READ_RESPONSES)
async def contests(
    runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None
) -> list[ContestRow]:
    _, scope = await _view(runtime, guard, region)
    return await read(runtime, lambda session: DashboardQueries(session).contests(year, scope))


@router.get("/api/contests/{contest_id}/leaderboard", responses=READ_RESPONSES)
async def leaderboard(
    contest_id: Identifier, runtime: RuntimeDep, guard: Reader, region: Region = None, limit: Limit = 50
) -> Leaderboard:
    """A contest's results by rank; a county union sees its own region's entrants."""
    _, scope = await _view(runtime, guard, region)
    return await read(
        runtime, lambda session: DashboardQueries(session).leaderboard(contest_id, scope, limit)
    )


@router.get("/api/enterprises", responses=READ_RESPONSES)
async def enterprises(runtime: RuntimeDep, guard: Reader, region: Region = None) -> list[EnterpriseRow]:
    _, scope = await _view(runtime, guard, region)
    return await read(runtime, lambda session: DashboardQueries(session).enterprises(scope))


async def _check_enterprise(
    runtime: RuntimeDep, guard: Guard, enterprise_id: str, missing: str
) -> EnterpriseRow:
    """The enterprise, if the caller's region holds it (404 otherwise: no leak that it exists)."""
    found = await read(runtime, lambda session: DashboardQueries(session).enterprise(enterprise_id))
    tree = await read(runtime, lambda session: DashboardQueries(session).region_tree())
    tenant = Tenant() if found is None else Tenant(enterprise_id, tree.county_of(found.region_id))
    guard.check(tenant, missing=missing)
    if found is None:
        raise NotFound(missing)
    return found


@router.get("/api/enterprises/{enterprise_id}/roster", responses=READ_RESPONSES)
async def roster(
    enterprise_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, UNIONS_HIDING], year: Year = None
) -> Roster:
    """An enterprise's workers: tier, titles and points (of the year, if given)."""
    enterprise = await _check_enterprise(
        runtime, guard, enterprise_id, f"enterprise {enterprise_id} is not known"
    )
    return await read(runtime, lambda session: DashboardQueries(session).roster(enterprise, year))


@router.get("/api/workers/{worker_id}/timeline", responses=READ_RESPONSES)
async def worker_timeline(
    worker_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, UNIONS_HIDING], year: Year = None
) -> WorkerProfile:
    """A worker's profile and every fact about them in order (personal data stays in the registry)."""
    missing = f"worker {worker_id} is not known"
    worker = await read(runtime, lambda session: DashboardQueries(session).worker(worker_id))
    if worker is None:
        guard.check(Tenant(), missing=missing)
        raise NotFound(missing)
    await _check_enterprise(runtime, guard, worker.enterprise_id, missing)
    return await read(runtime, lambda session: DashboardQueries(session).profile(worker, year))


@router.get("/api/points/leaders", responses=READ_RESPONSES)
async def points_leaders(
    runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None, limit: Limit = 20
) -> list[PointsLeader]:
    _, scope = await _view(runtime, guard, region)
    return await read(runtime, lambda session: DashboardQueries(session).points_leaders(year, scope, limit))


@router.get("/api/grants", responses=READ_RESPONSES)
async def grants(
    runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None
) -> list[ProgrammeBar]:
    """Each programme's budget and what it granted."""
    _, scope = await _view(runtime, guard, region)
    return await read(runtime, lambda session: DashboardQueries(session).programme_bars(year, scope))


def _monitor(request: Request, runtime: RuntimeDep) -> BusMonitor:
    """One monitor per app, made on first use (its samples are shared by every caller)."""
    monitor: BusMonitor | None = getattr(request.app.state, "bus_monitor", None)
    if monitor is None:
        monitor = request.app.state.bus_monitor = BusMonitor(runtime.settings)
    return monitor


@router.get("/api/live", responses=READ_RESPONSES)
async def live(request: Request, runtime: RuntimeDep, _: Reader) -> Live:
    """Each service's event rate and consumer lag, sampled from Kafka at most every few seconds."""
    return await _monitor(request, runtime).live()


router.include_router(pages)
