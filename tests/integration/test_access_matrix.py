"""Who may call what: every role, every endpoint of every service, own and foreign tenant.

The endpoints come from the apps' routes, so a new endpoint without a declared rule, or
without a row in this table, fails the test. The table says, per endpoint, which callers
reach a record of their own tenant and which reach a foreign one; everyone else is refused
with 403 (404 where the record must not be seen to exist), and a caller without
credentials gets 401 unless the endpoint is public.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.auth_http import endpoints
from chassis.auth_tokens import bearer_headers
from chassis.db import session_factory
from chassis.service import ServiceSpec
from contracts.vocabulary import ContestLevel, RegionKind, SkillLevel, TierRank, TitleLevel
from services.competitions import handlers as competitions_handlers
from services.competitions import read_models as competitions_models
from services.competitions.commands import OpenContest
from services.competitions.service import SPEC as COMPETITIONS
from services.registry import handlers as registry_handlers
from services.registry import read_models as registry_models
from services.registry import selection_handlers
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.domain import Worker
from services.registry.selection_commands import RegisterRegion
from services.registry.service import SPEC as REGISTRY
from services.rewards import read_models as rewards_models
from services.rewards.service import SPEC as REWARDS
from services.training import read_models as training_models
from services.training.service import SPEC as TRAINING
from tests.service_support import http_service, migrated, unit_of_work

pytestmark = pytest.mark.postgres

# Two tenants: "own" is the county union's region and the HR's enterprise; "foreign" is neither.
TENANTS = {
    "own": {"enterprise": "weichai", "region": "kuiwen", "worker": "w-own", "contest": "c-own"},
    "foreign": {"enterprise": "haier", "region": "laoshan", "worker": "w-foreign", "contest": "c-foreign"},
}
CALLERS: dict[str, Principal | None] = {
    "city": Principal(Role.CITY_UNION, "federation"),
    "county": Principal(Role.COUNTY_UNION, "kuiwen-union", region_id="kuiwen"),
    "hr": Principal(Role.ENTERPRISE_HR, "weichai-hr", enterprise_id="weichai"),
    "service": Principal(Role.SERVICE, "another-service"),
    "public": Principal(Role.PUBLIC, "someone"),
    "anonymous": None,
}
EVERYONE = frozenset(CALLERS)

Tenant = dict[str, str]
Build = Callable[[Tenant, str, int], dict[str, Any]]  # tenant, caller, a fresh number → request


@dataclass(frozen=True)
class Case:
    build: Build
    own: frozenset[str]  # callers that reach a record of the own tenant
    foreign: frozenset[str]  # callers that reach a foreign record
    hide: bool = False  # the others get 404 instead of 403

    @property
    def public(self) -> bool:
        return "anonymous" in self.own


def callers(*names: str) -> frozenset[str]:
    return frozenset(names)


def get(path: str, **params: Any) -> Build:
    return lambda t, _, __: {"method": "GET", "url": path.format(**t), "params": params}


def post(path: str, body: Callable[[Tenant, str, int], dict[str, Any]]) -> Build:
    return lambda t, who, n: {"method": "POST", "url": path.format(**t), "json": body(t, who, n)}


def worker_body(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "worker_id": f"w-new-{n}",
        "enterprise_id": t["enterprise"],
        "full_name": "Li Na",
        "trade": "fitter",
        "skill_level": "senior",
    }


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


REGISTRARS, RECORDERS = callers("city", "county", "hr"), callers("city", "hr", "service")
READERS = callers("city", "county", "hr", "service")
CITYWIDE = callers("city")
CITYWIDE_AND_SERVICES = callers("city", "service")
OPERATIONS = {
    ("GET", "/health"): Case(get("/health"), EVERYONE, EVERYONE),
    ("GET", "/ready"): Case(get("/ready"), EVERYONE, EVERYONE),
    ("GET", "/asyncapi.json"): Case(get("/asyncapi.json"), EVERYONE, EVERYONE),
}

UNIONS = callers("city", "county")


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
    ("GET", "/talent/holders"): Case(get("/talent/holders", level="seed"), own=CITYWIDE, foreign=CITYWIDE),
    ("GET", "/workers/{worker_id}/held"): Case(
        get("/workers/{worker}/held"), own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
}

CASES: dict[str, dict[tuple[str, str], Case]] = {
    "registry": {
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
    },
    "competitions": {
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
                lambda t, _, n: {
                    "items": [{"contest_id": t["contest"], "worker_id": f"w-{n}", "raw_score": 60}]
                },
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
    },
    "training": {
        **OPERATIONS,
        ("POST", "/completions"): Case(
            post(
                "/completions",
                lambda t, _, n: {
                    "enrolment_id": f"enr-{n}",
                    "worker_id": t["worker"],
                    "course_id": "course-1",
                    "course_title": "Robotics",
                    "hours": 8,
                    "completed_on": "2026-05-01",
                    "provider": "Academy",
                },
            ),
            own=RECORDERS,
            foreign=CITYWIDE_AND_SERVICES,
        ),
        ("POST", "/completions/import"): Case(
            post(
                "/completions/import",
                lambda t, _, n: {
                    "items": [
                        {
                            "enrolment_id": f"enr-bulk-{n}",
                            "worker_id": t["worker"],
                            "course_id": "course-1",
                            "course_title": "Robotics",
                            "hours": 8,
                            "completed_on": "2026-05-01",
                            "provider": "Academy",
                        }
                    ]
                },
            ),
            own=RECORDERS,
            foreign=CITYWIDE_AND_SERVICES,
        ),
        ("POST", "/certificates"): Case(
            post(
                "/certificates",
                lambda t, _, n: {
                    "certificate_id": f"cert-{n}",
                    "worker_id": t["worker"],
                    "occupation": "fitter",
                    "skill_level": "senior",
                    "issuer_id": "bureau",
                    "issuer_kind": "hr_bureau",
                    "issued_on": "2026-05-01",
                },
            ),
            own=RECORDERS,
            foreign=CITYWIDE_AND_SERVICES,
        ),
        ("GET", "/workers/{worker_id}"): Case(
            get("/workers/{worker}"), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True
        ),
        ("GET", "/workers/{worker_id}/learning-record"): Case(
            get("/workers/{worker}/learning-record"), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True
        ),
    },
    "rewards": {
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
    },
}


async def rows(db: AsyncEngine, table: Any, values: list[dict[str, Any]]) -> None:
    async with session_factory(db)() as session, session.begin():
        await session.execute(insert(table), values)


async def seed_registry(db: AsyncEngine) -> None:
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
        [{"worker_id": t["worker"], "enterprise_id": t["enterprise"], "tier": "none"} for t in tenants],
    )


async def seed_competitions(db: AsyncEngine) -> None:
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


async def seed_training(db: AsyncEngine) -> None:
    await rows(
        db,
        training_models.known_workers,
        [
            {
                "worker_id": t["worker"],
                "enterprise_id": t["enterprise"],
                "skill_level": "senior",
            }
            for t in TENANTS.values()
        ],
    )


async def seed_rewards(db: AsyncEngine) -> None:
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


SERVICES: dict[str, tuple[ServiceSpec, Callable[[AsyncEngine], Awaitable[None]]]] = {
    "registry": (REGISTRY, seed_registry),
    "competitions": (COMPETITIONS, seed_competitions),
    "training": (TRAINING, seed_training),
    "rewards": (REWARDS, seed_rewards),
}


def expected(case: Case, caller: str, tenant: str) -> int | None:
    """None: allowed; else the status of the refusal."""
    if caller in (case.own if tenant == "own" else case.foreign):
        return None
    if CALLERS[caller] is None and not case.public:
        return 401
    in_rule = caller in case.own or caller in case.foreign
    return 404 if case.hide and in_rule else 403


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_role_on_every_endpoint_in_own_and_foreign_tenant(
    engine: AsyncEngine, service: str
) -> None:
    spec, seed = SERVICES[service]
    db = await migrated(engine, spec)
    await seed(db)
    app = http_service(db, spec)
    routes = [(endpoint.method, endpoint.path) for endpoint in endpoints(app)]
    assert len(routes) >= 5, routes
    table = CASES[service]
    undeclared = [(e.method, e.path) for e in endpoints(app) if e.rule is None]
    assert not undeclared, f"endpoints without an access rule: {undeclared}"
    missing = [key for key in routes if key not in table]
    assert not missing, f"endpoints without a row in the access matrix: {missing}"

    numbers = itertools.count()
    wrong: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for key, caller, tenant in itertools.product(routes, CALLERS, TENANTS):
            case = table[key]
            principal = CALLERS[caller]
            headers = {} if principal is None else bearer_headers(principal)
            answer = await client.request(
                **case.build(TENANTS[tenant], caller, next(numbers)), headers=headers
            )
            refusal = expected(case, caller, tenant)
            if refusal is None:
                # Let through: whatever the service then answers, it is not a refusal of the caller.
                # (a second conclusion of one contest is refused by the rule, not the caller check)
                ok = answer.status_code in (200, 201, 409, 503) or (
                    answer.status_code == 422 and answer.json()["error"]["code"] == "rule_violated"
                )
            else:
                ok = answer.status_code == refusal
            if not ok:
                wrong.append(f"{caller:9} {tenant:7} {key}: {answer.status_code} {answer.text[:120]}")
    assert not wrong, "\n".join(wrong)
