"""Credentials: signed bearer tokens (JWT, HS256, key from configuration) and API keys."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from chassis.auth import Principal, Role
from chassis.errors import Unauthenticated
from chassis.settings import ServiceSettings

ALGORITHM = "HS256"
VERIFIED_TOKENS_KEPT = 1024


def principal_of_spec(spec: str, subject: str) -> Principal:
    """ "city_union", "county_union:kuiwen", "enterprise_hr:weichai", "service:rewards"."""
    role_name, _, scope = spec.partition(":")
    role = Role(role_name)
    return Principal(
        role,
        subject=subject,
        region_id=scope if role is Role.COUNTY_UNION else None,
        enterprise_id=scope if role is Role.ENTERPRISE_HR else None,
    )


def mint(
    principal: Principal, *, secret: str, issuer: str = "craftsman", lifetime: timedelta = timedelta(hours=12)
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": principal.subject,
        "role": principal.role.value,
        "iat": now,
        "exp": now + lifetime,
    }
    if principal.region_id:
        claims["region"] = principal.region_id
    if principal.enterprise_id:
        claims["enterprise"] = principal.enterprise_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class Authenticator:
    """Turns the credentials of a request into its principal; built from the settings."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._secret = settings.auth_jwt_secret.get_secret_value()
        self._issuer = settings.auth_jwt_issuer
        self._api_keys = {
            key: principal_of_spec(spec, subject=f"api-key:{spec}")
            for key, spec in settings.auth_api_keys.items()
        }
        # Tokens verified already, with their expiry: a client sends the same token with every
        # request, and verifying it (base64, JSON, HMAC, claims) cost more than the rest of a GET.
        self._verified: dict[str, tuple[Principal, float]] = {}

    def mint(self, principal: Principal, lifetime: timedelta = timedelta(hours=12)) -> str:
        return mint(principal, secret=self._secret, issuer=self._issuer, lifetime=lifetime)

    def from_bearer(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()  # bounded: forgetting them all costs one verification each
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["exp", "iss", "sub", "role"]},
            )
            principal = Principal(
                Role(claims["role"]),
                subject=str(claims["sub"]),
                region_id=claims.get("region"),
                enterprise_id=claims.get("enterprise"),
            )
            return principal, float(claims["exp"])
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise Unauthenticated(f"the bearer token is not valid: {type(error).__name__}") from None

    def from_api_key(self, key: str) -> Principal:
        for known, principal in self._api_keys.items():
            if hmac.compare_digest(known.encode(), key.encode()):
                return principal
        raise Unauthenticated("the API key is not known")


CITY_UNION = Principal(Role.CITY_UNION, subject="city-union")


def bearer_headers(
    principal: Principal = CITY_UNION, settings: ServiceSettings | None = None
) -> dict[str, str]:
    """An Authorization header for local clients (demo, tests, bench), signed with the configured key."""
    token = Authenticator(settings or ServiceSettings()).mint(principal)
    return {"Authorization": f"Bearer {token}"}
