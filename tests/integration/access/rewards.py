"""The rewards service's endpoints: who reaches what."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.rewards import read_models as rewards_models
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
        get("/workers/{worker}/tier"), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True
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
