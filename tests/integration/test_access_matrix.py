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
from types import ModuleType

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth_http import endpoints
from chassis.auth_tokens import bearer_headers
from chassis.service import ServiceSpec
from services.competitions.service import SPEC as COMPETITIONS
from services.dashboard.service import SPEC as DASHBOARD
from services.registry.service import SPEC as REGISTRY
from services.rewards.service import SPEC as REWARDS
from services.training.service import SPEC as TRAINING
from tests.integration.access import competitions, dashboard, registry, rewards, training
from tests.integration.access.common import CALLERS, TENANTS, Case
from tests.service_support import http_service, migrated

pytestmark = pytest.mark.postgres

SERVICES: dict[str, tuple[ServiceSpec, ModuleType]] = {
    "registry": (REGISTRY, registry),
    "competitions": (COMPETITIONS, competitions),
    "training": (TRAINING, training),
    "rewards": (REWARDS, rewards),
    "dashboard": (DASHBOARD, dashboard),
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
    spec, table_module = SERVICES[service]
    seed: Callable[[AsyncEngine], Awaitable[None]] = table_module.seed
    db = await migrated(engine, spec)
    await seed(db)
    app = http_service(db, spec)
    routes = [(endpoint.method, endpoint.path) for endpoint in endpoints(app)]
    assert len(routes) >= 5, routes
    table: dict[tuple[str, str], Case] = table_module.CASES
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
