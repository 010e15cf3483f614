"""What every service's access table shares: the tenants, the callers, a case, request builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.db import session_factory

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


REGISTRARS, RECORDERS = callers("city", "county", "hr"), callers("city", "hr", "service")
READERS = callers("city", "county", "hr", "service")
CITYWIDE = callers("city")
CITYWIDE_AND_SERVICES = callers("city", "service")
OPERATIONS = {
    ("GET", "/health"): Case(get("/health"), EVERYONE, EVERYONE),
    ("GET", "/ready"): Case(get("/ready"), EVERYONE, EVERYONE),
    ("GET", "/asyncapi.json"): Case(get("/asyncapi.json"), EVERYONE, EVERYONE),
    ("GET", "/metrics"): Case(get("/metrics"), EVERYONE, EVERYONE),
}

UNIONS = callers("city", "county")


async def rows(db: AsyncEngine, table: Any, values: list[dict[str, Any]]) -> None:
    async with session_factory(db)() as session, session.begin():
        await session.execute(insert(table), values)
