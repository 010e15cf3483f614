"""A read-only service (the dashboard) runs no relay, whatever its roles say: it stores no
events, so a relay would only poll an empty outbox and hold the relay lease."""

from __future__ import annotations

from chassis.roles import Roles
from chassis.service import runs_relay
from deploy.asyncapi import SERVICES
from deploy.k8s.manifests import SPECS
from services.dashboard.service import SPEC as DASHBOARD


def test_the_dashboard_runs_no_relay_and_the_event_services_do() -> None:
    every_role = Roles.parse("api,relay,consumers")
    assert not runs_relay(DASHBOARD, every_role)
    assert all(runs_relay(spec, every_role) for spec in SERVICES)
    assert not any(runs_relay(spec, Roles.parse("api,consumers")) for spec in SERVICES)


def test_the_dashboard_gets_kubernetes_manifests() -> None:
    names = [spec.name for spec in SPECS]
    assert "dashboard" in names and all(spec.name in names for spec in SERVICES)
