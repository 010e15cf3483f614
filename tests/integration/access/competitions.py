"""The competitions service's endpoints: who reaches what.

The seeded contests are enterprise-level contests of each tenant's enterprise in its region,
so the city union (everywhere), the county union (its region) and the enterprise's HR (its
own contest) reach the own one, and only the city union the foreign one."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events.competitions import OrganiserKind
from contracts.vocabulary import ContestLevel
from services.competitions import handlers as competitions_handlers
from services.competitions import read_models as competitions_models
from services.competitions.commands import OpenContest
from services.competitions.service import SPEC as COMPETITIONS
from tests.competitions_support import scheme_json
from tests.integration.access.common import (
    CITYWIDE,
    CITYWIDE_AND_SERVICES,
    EVERYONE,
    OPERATIONS,
    READERS,
    REGISTRARS,
    TENANTS,
    Case,
    Tenant,
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
        "level": "enterprise",
        "organiser_id": t["enterprise"],
        "organiser_kind": "enterprise",
        "region_id": t["region"],
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-03",
    }


MARK = {"entrant_id": "w-1", "aspect_id": "J1", "judge_id": "judge-1", "score": 2}
ORGANISERS = REGISTRARS  # city, county (its region), hr (its own enterprise contest)


def step(path: str, body: dict[str, Any]) -> Case:
    """A step of a seeded contest: its organisers reach it (in draft, most steps are refused by rule)."""
    return Case(post("/contests/{contest}" + path, lambda _, __, ___: body), own=ORGANISERS, foreign=CITYWIDE)


CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("POST", "/contests"): Case(post("/contests", contest_body), own=ORGANISERS, foreign=CITYWIDE),
    **{
        ("POST", f"/contests/{{contest_id}}{path}"): step(path, body)
        for path, body in (
            ("/registration", {"on": "2026-05-01"}),
            ("/entrants", {"worker_ids": ["w-1"]}),
            ("/withdrawals", {"entrant_id": "w-1"}),
            ("/scheme", {"criteria": scheme_json()}),
            ("/judges", {"judge_id": "judge-2"}),
            ("/start", {}),
            ("/marking", {}),
            ("/marks", MARK),
            (
                "/discrepancy-resolutions",
                {"entrant_id": "w-1", "aspect_id": "J1", "scores": {"judge-1": 2}, "resolved_by": "chief"},
            ),
            ("/marks/lock", {}),
            ("/standardisation", {}),
            ("/publicity", {"objections_until": "2026-06-10"}),
            ("/ratification", {}),
            ("/marks/import", {"items": [MARK]}),
            ("/entrants/import", {"items": [{"worker_ids": ["w-1"]}]}),
        )
    },
    ("GET", "/contests/{contest_id}/leaderboard"): Case(
        get("/contests/{contest}/leaderboard"), own=EVERYONE, foreign=EVERYONE
    ),
    ("GET", "/contests/{contest_id}/export"): Case(
        get("/contests/{contest}/export", format="csv"), own=EVERYONE, foreign=EVERYONE
    ),
    ("GET", "/results"): Case(get("/results", level="enterprise", year=2026), own=EVERYONE, foreign=EVERYONE),
    ("GET", "/contests/{contest_id}/judges/{judge_id}/workload"): Case(
        get("/contests/{contest}/judges/judge-1/workload"), own=ORGANISERS, foreign=CITYWIDE
    ),
    ("GET", "/workers/{worker_id}"): Case(
        get("/workers/{worker}"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
    ("GET", "/workers/{worker_id}/competitions"): Case(
        get("/workers/{worker}/competitions"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
}


async def seed(db: AsyncEngine) -> None:
    for t in TENANTS.values():
        opened = OpenContest(
            contest_id=t["contest"],
            title="Welding",
            trade="welding",
            level=ContestLevel.ENTERPRISE,
            organiser_id=t["enterprise"],
            organiser_kind=OrganiserKind.ENTERPRISE,
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
                "level": "enterprise",
                "region_id": t["region"],
                "organiser_id": t["enterprise"],
                "organiser_kind": "enterprise",
                "starts_on": date(2026, 6, 1),
                "ends_on": date(2026, 6, 3),
            }
            for t in TENANTS.values()
        ],
    )
    await rows(
        db,
        competitions_models.judges,
        [{"contest_id": t["contest"], "judge_id": "judge-1", "aspect_ids": []} for t in TENANTS.values()],
    )
    known = [(t["worker"], t["enterprise"]) for t in TENANTS.values()]
    known += [(f"w-{n}", "weichai") for n in range(200)]  # entrants
    await rows(
        db,
        competitions_models.known_workers,
        [{"worker_id": w, "enterprise_id": e, "trade": "welding"} for w, e in known],
    )
    await rows(
        db,
        competitions_models.enterprises,
        [{"enterprise_id": t["enterprise"], "region_id": t["region"]} for t in TENANTS.values()],
    )
