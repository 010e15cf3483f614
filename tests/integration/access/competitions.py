"""The competitions service's endpoints: who reaches what."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.vocabulary import ContestLevel
from services.competitions import handlers as competitions_handlers
from services.competitions import read_models as competitions_models
from services.competitions.commands import OpenContest
from services.competitions.service import SPEC as COMPETITIONS
from tests.integration.access.common import (
    CITYWIDE,
    CITYWIDE_AND_SERVICES,
    EVERYONE,
    OPERATIONS,
    RECORDERS,
    TENANTS,
    Case,
    Tenant,
    callers,
    get,
    post,
    rows,
)
from tests.service_support import unit_of_work


def contest_body(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "contest_id": f"c-new-{n}",
        "title": "Welding",
        "trade": "welding",
        "level": "city",
        "organiser_id": "federation",
        "region_id": t["region"],
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-03",
    }


CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("POST", "/contests"): Case(
        post("/contests", contest_body), own=callers("city", "county"), foreign=CITYWIDE
    ),
    ("POST", "/contests/{contest_id}/results"): Case(
        post(
            "/contests/{contest}/results",
            lambda _, __, n: {"worker_id": f"w-{n}", "raw_score": 50 + n % 50},
        ),
        own=callers("city", "county"),
        foreign=CITYWIDE,
    ),
    ("POST", "/marks/import"): Case(
        post(
            "/marks/import",
            lambda t, _, n: {"items": [{"contest_id": t["contest"], "worker_id": f"w-{n}", "raw_score": 60}]},
        ),
        own=callers("city", "county"),
        foreign=CITYWIDE,
    ),
    ("POST", "/contests/{contest_id}/conclusion"): Case(
        post("/contests/{contest}/conclusion", lambda _, __, ___: {"concluded_on": "2026-06-03"}),
        own=callers("city", "county"),
        foreign=CITYWIDE,
    ),
    ("GET", "/contests/{contest_id}/leaderboard"): Case(
        get("/contests/{contest}/leaderboard"), own=EVERYONE, foreign=EVERYONE
    ),
    ("GET", "/workers/{worker_id}"): Case(
        get("/workers/{worker}"), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
}


async def seed(db: AsyncEngine) -> None:
    for t in TENANTS.values():
        opened = OpenContest(
            contest_id=t["contest"],
            title="Welding",
            trade="welding",
            level=ContestLevel.CITY,
            organiser_id="federation",
            region_id=t["region"],
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 6, 3),
        )
        await competitions_handlers.open_contest(unit_of_work(db, COMPETITIONS), opened)
    await rows(
        db,
        competitions_models.contests,
        [
            {
                "contest_id": t["contest"],
                "title": "Welding",
                "trade": "welding",
                "level": "city",
                "region_id": t["region"],
                "starts_on": date(2026, 6, 1),
                "ends_on": date(2026, 6, 3),
            }
            for t in TENANTS.values()
        ],
    )
    known = [(t["worker"], t["enterprise"]) for t in TENANTS.values()]
    known += [(f"w-{n}", "weichai") for n in range(200)]  # entrants to mark
    await rows(
        db,
        competitions_models.known_workers,
        [{"worker_id": w, "enterprise_id": e} for w, e in known],
    )
