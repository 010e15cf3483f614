"""The training service's composition: routes, consumers and migrations for the app factory."""

from __future__ import annotations

from pathlib import Path

from chassis.service import ServiceSpec
from services.training.api import router
from services.training.projections import subscriptions

SPEC = ServiceSpec(
    name="training",
    routes=router,
    subscriptions=subscriptions,
    migrations=(Path(__file__).parent / "migrations" / "versions",),
)
