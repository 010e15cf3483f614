"""The dashboard's HTTP side: the page (public: it holds no data) and its JSON views.

Who reads: union officials. The city union sees the whole city, a county union its own region
(`region` narrows a view; a county union asking for a region outside its own gets 403). The
page authenticates like every other client, with a bearer token: it takes one from the URL's
fragment (`/#token=<jwt>`, which browsers never send to a server or write to its logs), keeps it
in the tab's sessionStorage and sends it as `Authorization: Bearer` with each JSON request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Role, Tenant
from chassis.auth_http import PUBLIC, Guard, requires
from chassis.errors import ErrorAnswer, NotFound
from chassis.http import READ_RESPONSES, read
from chassis.service import Runtime, RuntimeDep
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
    Regions,
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


T = TypeVar("T")
ViewQuery = Callable[[DashboardQueries, RegionTree, Regions], Awaitable[T]]


async def _in_view(runtime: Runtime, guard: Guard, region: str | None, query: ViewQuery[T]) -> T:
    """The caller's regions and the view's queries on one read session (one connection, one
    snapshot): a county union asking outside its region gets 403 before any query runs."""

    async def run(session: AsyncSession) -> T:
        queries = DashboardQueries(session)
        tree = await queries.region_tree()
        return await query(queries, tree, regions_in_view(tree, guard.principal, region))

    return await read(runtime, run)


@router.get("/api/regions", responses=READ_RESPONSES)
async def regions(runtime: RuntimeDep, guard: Reader) -> list[RegionRow]:
    return await _in_view(runtime, guard, None, lambda q, t, scope: q.regions(scope))


@router.get("/api/pyramid", responses=READ_RESPONSES)
async def pyramid(runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None) -> Pyramid:
    """The talent pyramid: the enterprise tiers held, and the titles from county up."""
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.pyramid(year, scope))


@router.get("/api/counts", responses=READ_RESPONSES)
async def counts(runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None) -> Counts:
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.counts(year, scope, t))


@router.get("/api/contests", responses=READ_RESPONSES)
async def contests(
    runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None
) -> list[ContestRow]:
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.contests(year, scope))


@router.get("/api/contests/{contest_id}/leaderboard", responses=READ_RESPONSES)
async def leaderboard(
    contest_id: Identifier, runtime: RuntimeDep, guard: Reader, region: Region = None, limit: Limit = 50
) -> Leaderboard:
    """A contest's results by rank; a county union sees its own region's entrants."""
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.leaderboard(contest_id, scope, limit))


@router.get("/api/enterprises", responses=READ_RESPONSES)
async def enterprises(runtime: RuntimeDep, guard: Reader, region: Region = None) -> list[EnterpriseRow]:
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.enterprises(scope))


async def _enterprise_in_reach(
    queries: DashboardQueries, guard: Guard, enterprise_id: str, missing: str
) -> EnterpriseRow:
    """The enterprise, if the caller's region holds it (404 otherwise: no leak that it exists)."""
    found = await queries.enterprise(enterprise_id)
    tree = await queries.region_tree()
    guard.check(
        Tenant() if found is None else Tenant(enterprise_id, tree.county_of(found.region_id)), missing=missing
    )
    if found is None:
        raise NotFound(missing)
    return found


@router.get("/api/enterprises/{enterprise_id}/roster", responses=READ_RESPONSES)
async def roster(
    enterprise_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, UNIONS_HIDING], year: Year = None
) -> Roster:
    """An enterprise's workers: tier, titles and points (of the year, if given)."""

    async def run(session: AsyncSession) -> Roster:
        queries = DashboardQueries(session)
        missing = f"enterprise {enterprise_id} is not known"
        return await queries.roster(await _enterprise_in_reach(queries, guard, enterprise_id, missing), year)

    return await read(runtime, run)


@router.get("/api/workers/{worker_id}/timeline", responses=READ_RESPONSES)
async def worker_timeline(
    worker_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, UNIONS_HIDING], year: Year = None
) -> WorkerProfile:
    """A worker's profile and every fact about them in order (personal data stays in the registry)."""
    missing = f"worker {worker_id} is not known"

    async def run(session: AsyncSession) -> WorkerProfile:
        queries = DashboardQueries(session)
        worker = await queries.worker(worker_id)
        if worker is None:
            guard.check(Tenant(), missing=missing)
            raise NotFound(missing)
        await _enterprise_in_reach(queries, guard, worker.enterprise_id, missing)
        return await queries.profile(worker, year)

    return await read(runtime, run)


@router.get("/api/points/leaders", responses=READ_RESPONSES)
async def points_leaders(
    runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None, limit: Limit = 20
) -> list[PointsLeader]:
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.points_leaders(year, scope, limit))


@router.get("/api/grants", responses=READ_RESPONSES)
async def grants(
    runtime: RuntimeDep, guard: Reader, year: Year = None, region: Region = None
) -> list[ProgrammeBar]:
    """Each programme's budget and what it granted."""
    return await _in_view(runtime, guard, region, lambda q, t, scope: q.programme_bars(year, scope))


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
