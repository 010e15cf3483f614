"""The dashboard's composition: read-only routes, one consumer group over every public topic."""

from __future__ import annotations

from pathlib import Path

from chassis.service import ServiceSpec
from services.dashboard.api import router
from services.dashboard.projections import subscriptions

SPEC = ServiceSpec(
    name="dashboard",
    routes=router,
    subscriptions=subscriptions,
    migrations=(Path(__file__).parent / "migrations" / "versions",),
    appends_events=False,  # read-only: no events of its own, so no relay
)
