"""The rewards service's endpoints: who reaches what."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import EventStore
from chassis.unit_of_work import UnitOfWork
from services.rewards import read_models as rewards_models
from services.rewards.commands import OpenProgramme
from services.rewards.handlers import open_programme
from tests.integration.access.common import (
    CITYWIDE,
    CITYWIDE_AND_SERVICES,
    EVERYONE,
    OPERATIONS,
    READERS,
    RECORDERS,
    REGISTRARS,
    TENANTS,
    UNIONS,
    Case,
    Tenant,
    callers,
    get,
    post,
    rows,
)


def programme_body(t: Tenant, who: str, n: int) -> dict[str, Any]:
    sponsor = t["enterprise"] if who == "hr" else t["region"]  # a programme's sponsor is its tenant
    return {
        "programme_id": f"p-new-{n}",
        "name": "Seed grants",
        "sponsor_id": sponsor,
        "budget": "10000.00",
        "grant_amount": "100.00",
        "trigger": "tier:seed",
    }


def adjustment(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "worker_id": t["worker"],
        "enterprise_id": t["enterprise"],
        "category": "activities",
        "delta": "0.01",
        "reason": f"correction {n}",
        "approved_by": "hr-head",
    }


CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("POST", "/programmes"): Case(
        post("/programmes", programme_body), own=callers("city", "county", "hr"), foreign=CITYWIDE
    ),
    ("GET", "/programmes/{programme_id}"): Case(
        get("/programmes/p-{region}"), own=EVERYONE, foreign=EVERYONE
    ),
    ("GET", "/grants"): Case(
        lambda t, _, __: {
            "method": "GET",
            "url": "/grants",
            "params": {"enterprise_id": t["enterprise"]},
        },
        own=RECORDERS,
        foreign=CITYWIDE_AND_SERVICES,
    ),
    ("GET", "/workers/{worker_id}/tier"): Case(
        get("/workers/{worker}/tier"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
    ("GET", "/programmes/{programme_id}/budget"): Case(
        get("/programmes/p-{region}/budget"), own=EVERYONE, foreign=EVERYONE
    ),
    ("POST", "/applications"): Case(
        post(
            "/applications",
            lambda t, _, n: {
                "programme_id": "p-studio",
                "application_id": f"a-{n}",
                "worker_id": t["worker"],
                "enterprise_id": t["enterprise"],
                "reason": "an innovation studio",
            },
        ),
        own=callers("city", "hr"),
        foreign=CITYWIDE,
    ),
    # A programme's commands are its sponsor's: here a region's (the county union's own).
    ("POST", "/approvals"): Case(
        post("/approvals", lambda t, _, n: {"programme_id": f"p-{t['region']}", "application_id": f"a-{n}"}),
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("POST", "/revocations"): Case(
        post(
            "/revocations",
            lambda t, _, n: {"programme_id": f"p-{t['region']}", "grant_id": f"g-{n}", "reason": "in error"},
        ),
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("POST", "/allowance-runs"): Case(
        post("/allowance-runs", lambda t, _, __: {"programme_id": f"p-{t['region']}", "year": 2026}),
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("POST", "/categories"): Case(
        post(
            "/categories",
            lambda t, _, n: {"enterprise_id": t["enterprise"], "category": f"x-{n}", "name": "专利"},
        ),
        own=callers("city", "hr"),
        foreign=CITYWIDE,
    ),
    ("GET", "/enterprises/{enterprise_id}/categories"): Case(
        get("/enterprises/{enterprise}/categories"), own=READERS, foreign=CITYWIDE_AND_SERVICES
    ),
    ("POST", "/adjustments"): Case(post("/adjustments", adjustment), own=REGISTRARS, foreign=CITYWIDE),
    ("POST", "/adjustments/import"): Case(
        post("/adjustments/import", lambda t, who, n: {"items": [adjustment(t, who, n)]}),
        own=callers("city", "hr"),
        foreign=CITYWIDE,
    ),
    ("POST", "/points-expiries"): Case(
        post("/points-expiries", lambda _, __, ___: {"on": "2026-01-01"}),
        own=CITYWIDE_AND_SERVICES,
        foreign=CITYWIDE_AND_SERVICES,
    ),
    ("GET", "/workers/{worker_id}/points"): Case(
        get("/workers/{worker}/points"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
    ("GET", "/leaderboards/points"): Case(
        lambda t, _, __: {
            "method": "GET",
            "url": "/leaderboards/points",
            "params": {"enterprise_id": t["enterprise"]},
        },
        own=READERS,
        foreign=CITYWIDE_AND_SERVICES,
    ),
}


async def seed(db: AsyncEngine) -> None:
    now = datetime.now(UTC)
    await rows(
        db,
        rewards_models.programmes,
        [
            {
                "programme_id": f"p-{t['region']}",
                "name": "Seed grants",
                "sponsor_id": t["region"],
                "trigger": "tier:seed",
                "currency": "CNY",
                "budget": 10000,
                "grant_amount": 100,
                "opened_on": now.date(),
            }
            for t in TENANTS.values()
        ],
    )
    await rows(
        db,
        rewards_models.worker_tiers,
        [
            {
                "worker_id": t["worker"],
                "enterprise_id": t["enterprise"],
                "tier": "seed",
                "tier_label": "seed",
                "effective_on": now.date(),
                "promoted_at": now,
            }
            for t in TENANTS.values()
        ],
    )

    await rows(
        db,
        rewards_models.workers,
        [{"worker_id": t["worker"], "enterprise_id": t["enterprise"]} for t in TENANTS.values()],
    )
    await rows(
        db,
        rewards_models.enterprises,
        [{"enterprise_id": t["enterprise"], "region_id": t["region"]} for t in TENANTS.values()],
    )
    await rows(
        db,
        rewards_models.points_entries,
        [
            {
                "source_event_id": f"00000000-0000-7000-8000-00000000000{n}",
                "worker_id": t["worker"],
                "category": "activities",
                "rule": "training",
                "points": 1,
                "earned_on": now.date(),
            }
            for n, t in enumerate(TENANTS.values())
        ],
    )
    # The commands decide on the event store: the programmes exist there too.
    programmes = [
        OpenProgramme(
            programme_id=f"p-{t['region']}",
            name="Seed grants",
            sponsor_id=t["region"],
            budget=Decimal(10000),
            grant_amount=Decimal(100),
            trigger="tier:seed",
        )
        for t in TENANTS.values()
    ]
    studio = OpenProgramme(
        programme_id="p-studio",
        name="Studio awards",
        sponsor_id="federation",
        budget=Decimal(1000000),
        grant_amount=Decimal(30000),
        trigger="application:studio",
    )
    for command in (*programmes, studio):
        await open_programme(UnitOfWork(session_factory(db), EventStore(), producer="rewards"), command)
