"""The one scope check, alone: every role against own, foreign and unknown tenants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from chassis.auth import ANONYMOUS, Decision, Principal, Role, Rule, Tenant, decide
from chassis.auth_tokens import Authenticator, principal_of_spec
from chassis.errors import Unauthenticated
from chassis.settings import ServiceSettings
from chassis.token_cli import cli

CITY = Principal(Role.CITY_UNION, "federation")
KUIWEN = Principal(Role.COUNTY_UNION, "kuiwen-union", region_id="kuiwen")
WEICHAI = Principal(Role.ENTERPRISE_HR, "weichai-hr", enterprise_id="weichai")
SERVICE = Principal(Role.SERVICE, "rewards")
PUBLIC_CALLER = Principal(Role.PUBLIC, "someone")

OWN = Tenant(enterprise_id="weichai", region_id="kuiwen")
FOREIGN = Tenant(enterprise_id="haier", region_id="laoshan")
UNKNOWN = Tenant()

ALL_BUT_PUBLIC = frozenset({Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE})
SCOPED = Rule(ALL_BUT_PUBLIC)
HIDDEN = Rule(ALL_BUT_PUBLIC, hide=True)
UNIONS_ONLY = Rule(frozenset({Role.CITY_UNION, Role.COUNTY_UNION}))
PUBLIC = Rule(frozenset({Role.PUBLIC}))

A, F, H = Decision.ALLOW, Decision.FORBID, Decision.HIDE


@pytest.mark.parametrize(
    ("principal", "rule", "tenant", "expected"),
    [
        # the city union and services reach the whole city, known or not
        (CITY, SCOPED, FOREIGN, A),
        (CITY, SCOPED, UNKNOWN, A),
        (SERVICE, HIDDEN, FOREIGN, A),
        # a county union: its region only
        (KUIWEN, SCOPED, OWN, A),
        (KUIWEN, SCOPED, FOREIGN, F),
        (KUIWEN, HIDDEN, FOREIGN, H),
        (KUIWEN, SCOPED, Tenant(enterprise_id="weichai"), F),  # region unknown: not its scope
        # an enterprise's HR: its enterprise only
        (WEICHAI, SCOPED, OWN, A),
        (WEICHAI, SCOPED, Tenant(enterprise_id="weichai"), A),
        (WEICHAI, SCOPED, FOREIGN, F),
        (WEICHAI, HIDDEN, FOREIGN, H),
        (WEICHAI, HIDDEN, UNKNOWN, H),
        (WEICHAI, SCOPED, Tenant(region_id="kuiwen"), F),  # same region, other enterprise
        # a role the rule does not name is refused, never hidden
        (WEICHAI, UNIONS_ONLY, OWN, F),
        (SERVICE, UNIONS_ONLY, OWN, F),
        (PUBLIC_CALLER, HIDDEN, OWN, F),
        (ANONYMOUS, SCOPED, OWN, F),
        # a public endpoint serves everyone
        (ANONYMOUS, PUBLIC, FOREIGN, A),
        (WEICHAI, PUBLIC, FOREIGN, A),
    ],
)
def test_decide(principal: Principal, rule: Rule, tenant: Tenant, expected: Decision) -> None:
    assert decide(principal, rule, tenant) is expected


def test_scoped_roles_need_their_scope() -> None:
    with pytest.raises(ValueError, match="region"):
        Principal(Role.COUNTY_UNION, "x")
    with pytest.raises(ValueError, match="enterprise"):
        Principal(Role.ENTERPRISE_HR, "x")


def test_tokens_round_trip_and_forgeries_are_refused() -> None:
    authenticator = Authenticator(ServiceSettings())
    assert authenticator.from_bearer(authenticator.mint(WEICHAI)) == WEICHAI
    other_key = Authenticator(ServiceSettings(auth_jwt_secret="another-key-of-at-least-thirty-two-bytes"))
    with pytest.raises(Unauthenticated):
        authenticator.from_bearer(other_key.mint(CITY))
    with pytest.raises(Unauthenticated):
        authenticator.from_bearer(authenticator.mint(CITY, lifetime=timedelta(seconds=-1)))
    with pytest.raises(Unauthenticated):
        authenticator.from_bearer("not.a.token")


def test_api_keys_name_their_principal() -> None:
    settings = ServiceSettings(auth_api_keys={"k-hr": "enterprise_hr:weichai", "k-svc": "service:rewards"})
    authenticator = Authenticator(settings)
    hr = authenticator.from_api_key("k-hr")
    assert (hr.role, hr.enterprise_id) == (Role.ENTERPRISE_HR, "weichai")
    assert principal_of_spec("county_union:kuiwen", "x").region_id == "kuiwen"
    with pytest.raises(Unauthenticated):
        authenticator.from_api_key("k-nope")


def test_the_token_command_mints_a_token_the_services_accept() -> None:
    result = CliRunner().invoke(cli, ["token", "--role", "enterprise_hr", "--enterprise", "weichai"])
    assert result.exit_code == 0, result.output
    principal = Authenticator(ServiceSettings()).from_bearer(result.output.strip())
    assert (principal.role, principal.enterprise_id) == (Role.ENTERPRISE_HR, "weichai")
    refused = CliRunner().invoke(cli, ["token", "--role", "county_union"])
    assert refused.exit_code != 0
