"""The competitions service's composition: routes, consumers and migrations for the app factory."""

from __future__ import annotations

from pathlib import Path

from chassis.service import ServiceSpec
from services.competitions.api import router
from services.competitions.projections import subscriptions

SPEC = ServiceSpec(
    name="competitions",
    routes=router,
    subscriptions=subscriptions,
    migrations=(Path(__file__).parent / "migrations" / "versions",),
)
