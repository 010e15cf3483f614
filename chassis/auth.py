"""Who is calling, and may they: principals, roles, tenants and the one scope check.

Pure: no FastAPI, no tokens (those are in chassis/auth_tokens.py and chassis/auth_http.py).
An endpoint declares a `Rule` (the roles it serves, and whether an out-of-scope record
must look absent); `decide` weighs a principal against the rule and the tenant of the
record addressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


class Role(StrEnum):
    CITY_UNION = "city_union"  # the city federation: the whole city
    COUNTY_UNION = "county_union"  # a county (district) union: its region
    ENTERPRISE_HR = "enterprise_hr"  # an enterprise's HR: its enterprise
    PUBLIC = "public"  # anyone, also without credentials
    SERVICE = "service"  # another service of the platform


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str
    region_id: str | None = None  # county union
    enterprise_id: str | None = None  # enterprise HR

    def __post_init__(self) -> None:
        if self.role is Role.COUNTY_UNION and not self.region_id:
            raise ValueError("a county union principal needs its region")
        if self.role is Role.ENTERPRISE_HR and not self.enterprise_id:
            raise ValueError("an enterprise HR principal needs its enterprise")


ANONYMOUS = Principal(Role.PUBLIC, "anonymous")


@dataclass(frozen=True, slots=True)
class Tenant:
    """Whose record it is, as far as the service knows (None: not known here)."""

    enterprise_id: str | None = None
    region_id: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role]
    hide: bool = False  # out of scope answers 404, so the record's existence does not leak

    @property
    def public(self) -> bool:
        return Role.PUBLIC in self.roles


class Decision(Enum):
    ALLOW = "allow"
    FORBID = "forbid"  # 403
    HIDE = "hide"  # 404


def decide(principal: Principal, rule: Rule, tenant: Tenant) -> Decision:
    """May `principal` act on a record of `tenant` at an endpoint with `rule`?

    A public endpoint serves everyone. Otherwise the role must be one the rule names, and
    then the city union and services reach the whole city, a county union its region and
    an enterprise's HR its enterprise. A tenant the service does not know is nobody's scope.
    """
    if rule.public:
        return Decision.ALLOW
    if principal.role not in rule.roles:
        return Decision.FORBID
    match principal.role:
        case Role.CITY_UNION | Role.SERVICE:
            within = True
        case Role.COUNTY_UNION:
            within = tenant.region_id is not None and tenant.region_id == principal.region_id
        case Role.ENTERPRISE_HR:
            within = tenant.enterprise_id is not None and tenant.enterprise_id == principal.enterprise_id
        case _:
            within = False
    if within:
        return Decision.ALLOW
    return Decision.HIDE if rule.hide else Decision.FORBID
