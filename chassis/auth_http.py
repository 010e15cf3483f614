"""The caller check as FastAPI dependencies: each endpoint states its rule with `requires`.

`requires(...)` gives a `Guard` (the principal and the rule); a role outside the rule is
refused before the endpoint runs, and the endpoint calls `guard.check(tenant)` once it
knows whose record it addresses. The rule stays on the route (`endpoints`), so a test can
walk the app's routes and find an endpoint that declares none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from chassis.auth import ANONYMOUS, Decision, Principal, Role, Rule, Tenant, decide
from chassis.auth_tokens import Authenticator
from chassis.errors import Forbidden, NotFound, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="A JWT from `python -m chassis token`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="A key from CRAFTSMAN_AUTH_API_KEYS")


async def principal_of(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    if bearer is not None:
        return authenticator.from_bearer(bearer.credentials)
    if api_key is not None:
        return authenticator.from_api_key(api_key)
    if request.headers.get("authorization"):
        raise Unauthenticated("the Authorization header is not a bearer token")
    return ANONYMOUS


class Guard:
    def __init__(self, principal: Principal, rule: Rule) -> None:
        self.principal = principal
        self.rule = rule

    def check(self, tenant: Tenant, *, missing: str = "not found") -> None:
        """Raise Forbidden (403) or NotFound (404, with the words a missing record gets)."""
        match decide(self.principal, self.rule, tenant):
            case Decision.ALLOW:
                return
            case Decision.HIDE:
                raise NotFound(missing)
            case Decision.FORBID:
                raise Forbidden(f"a {self.principal.role.value} principal may not do this here")


class Access:
    """The dependency behind `requires`: it carries the endpoint's rule."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    # Coroutines (here and principal_of), though they never await: FastAPI runs a plain
    # function dependency in its thread pool, a thread hop and a GIL hand-off per request.
    async def __call__(self, principal: Annotated[Principal, Depends(principal_of)]) -> Guard:
        if self.rule.public:
            return Guard(principal, self.rule)
        if principal is ANONYMOUS:
            raise Unauthenticated("this endpoint needs a bearer token or an API key")
        if principal.role not in self.rule.roles:
            raise Forbidden(f"a {principal.role.value} principal may not do this")
        return Guard(principal, self.rule)


def requires(*roles: Role, hide: bool = False) -> Any:
    """`guard: Annotated[Guard, requires(Role.CITY_UNION, ...)]`; hide=True answers 404 out of scope."""
    return Depends(Access(Rule(frozenset(roles), hide=hide)))


PUBLIC = requires(Role.PUBLIC)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    rule: Rule | None  # None: it declared none


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every operation of the app with the rule it declared, as FastAPI routes them (also
    through included routers)."""
    found = []
    for context in iter_route_contexts(app.routes):
        dependant: Dependant | None = getattr(context, "dependant", None)
        if dependant is None or context.path is None:
            continue  # not an API route (the OpenAPI document, the docs)
        rule = next(
            (d.call.rule for d in _flattened(dependant) if isinstance(d.call, Access)),
            None,
        )
        found += [Endpoint(method, context.path, rule) for method in sorted(context.methods or ())]
    return found


def _flattened(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _flattened(dependency)


def document_public_endpoints(app: FastAPI) -> None:
    """Say in /openapi.json that a public endpoint needs no credentials (`{}` among its
    security requirements), so clients and checkers do not expect a 401 there."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI caches it: the change below is made once
        for endpoint in endpoints(app):
            operation = document["paths"].get(endpoint.path, {}).get(endpoint.method.lower())
            if (
                operation is not None and endpoint.rule is not None and endpoint.rule.public
            ):  # not undocumented
                security = operation.setdefault("security", [])
                if {} not in security:
                    security.insert(0, {})
        return document

    app.openapi = openapi  # type: ignore[method-assign]
