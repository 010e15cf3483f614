"""The dashboard's endpoints: who reaches what (union officials; a county union its own region)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.dashboard import read_models as dashboard_models
from tests.integration.access.common import (
    CITYWIDE,
    EVERYONE,
    OPERATIONS,
    TENANTS,
    UNIONS,
    Build,
    Case,
    get,
    rows,
)


def in_region(path: str) -> Build:
    """A view narrowed to the tenant's region."""
    return lambda t, _, __: {"method": "GET", "url": path.format(**t), "params": {"region": t["region"]}}


def regional(path: str) -> Case:
    return Case(in_region(path), own=UNIONS, foreign=CITYWIDE)


CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("GET", "/"): Case(get("/"), EVERYONE, EVERYONE),
    ("GET", "/static/{asset}"): Case(get("/static/chart.umd.min.js"), EVERYONE, EVERYONE),
    ("GET", "/api/regions"): Case(get("/api/regions"), own=UNIONS, foreign=UNIONS),
    ("GET", "/api/live"): Case(get("/api/live"), own=UNIONS, foreign=UNIONS),
    ("GET", "/api/pyramid"): regional("/api/pyramid"),
    ("GET", "/api/counts"): regional("/api/counts"),
    ("GET", "/api/contests"): regional("/api/contests"),
    ("GET", "/api/contests/{contest_id}/leaderboard"): regional("/api/contests/{contest}/leaderboard"),
    ("GET", "/api/enterprises"): regional("/api/enterprises"),
    ("GET", "/api/points/leaders"): regional("/api/points/leaders"),
    ("GET", "/api/grants"): regional("/api/grants"),
    ("GET", "/api/enterprises/{enterprise_id}/roster"): Case(
        get("/api/enterprises/{enterprise}/roster"), own=UNIONS, foreign=CITYWIDE, hide=True
    ),
    ("GET", "/api/workers/{worker_id}/timeline"): Case(
        get("/api/workers/{worker}/timeline"), own=UNIONS, foreign=CITYWIDE, hide=True
    ),
}


async def seed(db: AsyncEngine) -> None:
    tenants: list[dict[str, Any]] = list(TENANTS.values())
    await rows(
        db,
        dashboard_models.regions,
        [
            {"region_id": t["region"], "name": t["region"], "kind": "county", "parent_id": None}
            for t in tenants
        ],
    )
    await rows(
        db,
        dashboard_models.enterprises,
        [
            {
                "enterprise_id": t["enterprise"],
                "name": t["enterprise"],
                "region_id": t["region"],
                "industry": "x",
            }
            for t in tenants
        ],
    )
    await rows(
        db,
        dashboard_models.workers,
        [
            {
                "worker_id": t["worker"],
                "enterprise_id": t["enterprise"],
                "trade": "fitter",
                "skill_level": "senior",
                "tier": "seed",
                "registered_year": 2026,
                "erased": False,
                "has_left": False,
            }
            for t in tenants
        ],
    )
