"""The rewards service's composition: routes, consumers and migrations for the app factory."""

from __future__ import annotations

from pathlib import Path

from chassis.service import ServiceSpec
from services.rewards.api import router
from services.rewards.projections import subscriptions

SPEC = ServiceSpec(
    name="rewards",
    routes=router,
    subscriptions=subscriptions,
    migrations=(Path(__file__).parent / "migrations" / "versions",),
)
