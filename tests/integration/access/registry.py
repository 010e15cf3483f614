"""The registry's endpoints: who reaches what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.vocabulary import RegionKind, SkillLevel, TierRank, TitleLevel
from services.registry import handlers as registry_handlers
from services.registry import read_models as registry_models
from services.registry import selection_handlers
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.domain import Worker
from services.registry.selection_commands import RegisterRegion
from services.registry.service import SPEC as REGISTRY
from tests.integration.access.common import (
    CITYWIDE,
    CITYWIDE_AND_SERVICES,
    EVERYONE,
    OPERATIONS,
    READERS,
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
from tests.service_support import unit_of_work


def worker_body(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "worker_id": f"w-new-{n}",
        "enterprise_id": t["enterprise"],
        "full_name": "Li Na",
        "trade": "fitter",
        "skill_level": "senior",
    }


def step(path: str, fields: Callable[[Tenant, int], dict[str, Any]], own: frozenset[str] = UNIONS) -> Case:
    """A step on the seeded nomination of the tenant's worker."""
    body = lambda t, _, n: {"worker_id": t["worker"], "nomination_id": f"nom-{t['worker']}", **fields(t, n)}  # noqa: E731
    foreign = own if own == EVERYONE else CITYWIDE
    return Case(post(path, body), own=own, foreign=foreign)


SELECTION_CASES = {
    ("POST", "/regions"): Case(
        post("/regions", lambda _, __, n: {"region_id": f"r-new-{n}", "name": "New city", "kind": "city"}),
        own=CITYWIDE,
        foreign=CITYWIDE,
    ),
    ("POST", "/reviewers"): Case(
        post(
            "/reviewers",
            lambda t, _, n: {
                "region_id": t["region"],
                "reviewer_id": f"rv-{n}",
                "level": "county",
                "role": "member",
            },
        ),
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("POST", "/skill-certificates"): Case(
        post(
            "/skill-certificates",
            lambda t, _, n: {
                "worker_id": t["worker"],
                "certificate_id": f"cert-{n}",
                "skill_level": "technician",
                "occupation": "fitter",
                "issuer_id": "bureau",
                "issuer_kind": "hr_bureau",
                "certified_on": "2026-05-01",
            },
        ),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    ("POST", "/leavers"): Case(
        post("/leavers", lambda t, _, __: {"worker_id": t["worker"], "left_on": "2026-09-30"}),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    ("POST", "/forgettings"): Case(
        post("/forgettings", lambda t, _, __: {"worker_id": t["worker"], "forgotten_on": "2026-11-25"}),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    ("POST", "/tier-revocations"): Case(
        post(
            "/tier-revocations",
            lambda t, _, __: {
                "worker_id": t["worker"],
                "revoked_on": "2026-09-01",
                "reason": "r",
                "revoked_by": "g",
            },
        ),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    ("POST", "/nominations/screening"): step("/nominations/screening", lambda _, __: {"screened_by": "g"}),
    ("POST", "/nominations/expert-scores"): step(
        "/nominations/expert-scores", lambda _, n: {"expert_id": f"e-{n}", "score": 80}
    ),
    ("POST", "/nominations/expert-review"): step(
        "/nominations/expert-review", lambda _, __: {"reviewed_by": "g"}
    ),
    ("POST", "/nominations/site-inspection"): step(
        "/nominations/site-inspection",
        lambda _, __: {"inspected_by": "g", "inspected_on": "2026-06-01", "findings": "sound"},
    ),
    ("POST", "/nominations/publicity"): step(
        "/nominations/publicity", lambda _, __: {"opens_on": "2026-06-01", "closes_on": "2026-06-05"}
    ),
    ("POST", "/nominations/objections"): step(
        "/nominations/objections",
        lambda _, n: {"objection_id": f"o-{n}", "raised_on": "2026-06-02", "summary": "doubt"},
        own=EVERYONE,
    ),
    ("POST", "/nominations/objection-resolution"): step(
        "/nominations/objection-resolution",
        lambda _, n: {"objection_id": f"o-{n}", "upheld": False, "resolution": "none", "resolved_by": "g"},
    ),
    ("POST", "/nominations/rejection"): step(
        "/nominations/rejection", lambda _, __: {"reason": "withdrawn", "rejected_by": "g"}
    ),
    ("POST", "/nominations/conferral"): step(
        "/nominations/conferral",
        lambda _, n: {"title_id": f"t-{n}", "conferred_by": "g", "conferred_on": "2026-06-08"},
    ),
    ("POST", "/title-revocations"): Case(
        post(
            "/title-revocations",
            lambda t, _, n: {
                "worker_id": t["worker"],
                "title_id": f"t-{n}",
                "revoked_on": "2026-09-01",
                "reason": "r",
                "revoked_by": "g",
            },
        ),
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("GET", "/talent/pyramid"): Case(
        lambda t, _, __: {"method": "GET", "url": "/talent/pyramid", "params": {"region_id": t["region"]}},
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("POST", "/reviews/annual"): Case(
        post(
            "/reviews/annual",
            lambda t, _, __: {"reviewed_on": "2026-11-25", "reviewed_by": "group", "region_id": t["region"]},
        ),
        own=UNIONS,
        foreign=CITYWIDE,
    ),
    ("GET", "/public/craftsmen/{worker_id}"): Case(
        get("/public/craftsmen/{worker}-published"), EVERYONE, EVERYONE
    ),
    ("GET", "/public/craftsmen"): Case(
        lambda t, _, __: {"method": "GET", "url": "/public/craftsmen", "params": {"region_id": t["region"]}},
        own=EVERYONE,
        foreign=EVERYONE,
    ),
    ("GET", "/talent/holders"): Case(get("/talent/holders", level="seed"), own=CITYWIDE, foreign=CITYWIDE),
    ("GET", "/workers/{worker_id}/held"): Case(
        get("/workers/{worker}/held"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
}

CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("POST", "/enterprises"): Case(
        post(
            "/enterprises",
            lambda t, _, n: {
                "enterprise_id": f"e-new-{n}",
                "name": "New works",
                "region_id": t["region"],
                "industry": "equipment",
            },
        ),
        own=callers("city", "county"),
        foreign=CITYWIDE,
    ),
    ("POST", "/workers"): Case(post("/workers", worker_body), own=REGISTRARS, foreign=CITYWIDE),
    ("POST", "/workers/import"): Case(
        post("/workers/import", lambda t, who, n: {"items": [worker_body(t, who, n)]}),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    ("POST", "/enterprises/import"): Case(
        post(
            "/enterprises/import",
            lambda t, _, n: {
                "items": [
                    {
                        "enterprise_id": f"e-batch-{n}",
                        "name": "Batch",
                        "region_id": t["region"],
                        "industry": "x",
                    }
                ]
            },
        ),
        own=callers("city", "county"),
        foreign=CITYWIDE,
    ),
    ("POST", "/skill-certificates/import"): Case(
        post(
            "/skill-certificates/import",
            lambda t, _, n: {
                "items": [
                    {
                        "worker_id": t["worker"],
                        "certificate_id": f"cert-batch-{n}",
                        "skill_level": "technician",
                        "occupation": "fitter",
                        "issuer_id": "bureau",
                        "issuer_kind": "hr_bureau",
                        "certified_on": "2026-05-01",
                    }
                ]
            },
        ),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    ("POST", "/careers/import"): Case(
        post(
            "/careers/import",
            lambda t, _, __: {
                "items": [{"worker_id": t["worker"], "tiers": [{"rank": "chief", "since": "2025-07-01"}]}]
            },
        ),
        own=CITYWIDE,
        foreign=CITYWIDE,
    ),
    ("POST", "/workers/{worker_id}/nominations"): Case(
        post(
            "/workers/{worker}/nominations",
            lambda _, __, n: {"nomination_id": f"n-{n}", "nominated_by": "hr", "reason": "skilled"},
        ),
        own=REGISTRARS,
        foreign=CITYWIDE,
    ),
    **SELECTION_CASES,
    ("GET", "/workers/{worker_id}/profile"): Case(
        get("/workers/{worker}/profile"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
    ("GET", "/enterprises/{enterprise_id}/roster"): Case(
        get("/enterprises/{enterprise}/roster"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
}


async def seed(db: AsyncEngine) -> None:
    for t in TENANTS.values():
        region = RegisterRegion(region_id=t["region"], name=t["region"], kind=RegionKind.CITY)
        await selection_handlers.register_region(unit_of_work(db, REGISTRY), region)
        enterprise = RegisterEnterprise(
            enterprise_id=t["enterprise"], name=t["enterprise"], region_id=t["region"], industry="equipment"
        )
        await registry_handlers.register_enterprise(unit_of_work(db, REGISTRY), enterprise)
        worker = RegisterWorker(
            worker_id=t["worker"],
            enterprise_id=t["enterprise"],
            full_name="Li Na",
            trade="fitter",
            skill_level=SkillLevel.SENIOR,
        )
        await registry_handlers.register_worker(unit_of_work(db, REGISTRY), worker)
        async with unit_of_work(db, REGISTRY) as work:  # a craftsman, so a county nomination may follow
            seeded = await work.require(Worker, t["worker"], "seeded")
            for rank, since in ((TierRank.SEED, date(2023, 1, 1)), (TierRank.CRAFTSMAN, date(2024, 6, 1))):
                seeded.promote(rank, label=str(rank), effective_on=since, reason="seed", points=Decimal(80))
            await work.commit()
        nomination = NominateWorker(
            worker_id=t["worker"],
            nomination_id=f"nom-{t['worker']}",
            level=TitleLevel.COUNTY,
            nominated_by="group",
            reason="skilled",
        )
        await registry_handlers.nominate_worker(unit_of_work(db, REGISTRY), nomination)
    # The read models as the projections would have them (they run on Kafka, not here).
    tenants = list(TENANTS.values())
    await rows(
        db,
        registry_models.enterprises,
        [
            {"enterprise_id": t["enterprise"], "name": "x", "region_id": t["region"], "industry": "x"}
            for t in tenants
        ],
    )
    await rows(
        db,
        registry_models.worker_profiles,
        [
            {"worker_id": worker, "enterprise_id": t["enterprise"], "tier": "craftsman"}
            for t in tenants
            # the second one stays published: the first is forgotten by the matrix's /forgettings
            for worker in (t["worker"], f"{t['worker']}-published")
        ],
    )
