"""The registry's composition: routes, consumers and migrations for the app factory."""

from __future__ import annotations

from pathlib import Path

from chassis.service import ServiceSpec
from services.registry.api import router
from services.registry.projections import subscriptions

SPEC = ServiceSpec(
    name="registry",
    routes=router,
    subscriptions=subscriptions,
    migrations=(Path(__file__).parent / "migrations" / "versions",),
)
