"""Whose worker: the worker's enterprise and that enterprise's region, for the scope check.

A service that answers per-worker requests keeps two projections of the registry's facts:
its workers (worker → enterprise, from WorkerRegistered) and its enterprises (enterprise →
region, from EnterpriseRegistered). With both, `chassis.auth.decide` lets an enterprise's HR
reach its own workers and a county union the workers of its region's enterprises. The
mechanism only: the service declares its tables (a `worker_id`/`enterprise_id` and an
`enterprise_id`/`region_id` table) and subscribes the handler below.
"""

from __future__ import annotations

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.inbox import Handler
from chassis.keyed_rows import upserting
from chassis.row_writes import Writer, one_at_a_time


def enterprise_rows(enterprises: Table) -> Writer:
    """The writer of EnterpriseRegistered that keeps `enterprises` (its id and region) current."""
    return upserting(enterprises, lambda event: event.model_dump())


def enterprise_regions(enterprises: Table) -> Handler:
    """`enterprise_rows` one event at a time."""
    return one_at_a_time(enterprise_rows(enterprises))


async def worker_tenant(
    session: AsyncSession, workers: Table, enterprises: Table, worker_id: str
) -> Tenant | None:
    """The worker's enterprise and its region (None: an enterprise not known here yet), or None
    for a worker not known here."""
    row = (
        await session.execute(
            select(workers.c.enterprise_id, enterprises.c.region_id)
            .select_from(
                workers.outerjoin(enterprises, enterprises.c.enterprise_id == workers.c.enterprise_id)
            )
            .where(workers.c.worker_id == worker_id)
        )
    ).first()
    return None if row is None else Tenant(enterprise_id=row.enterprise_id, region_id=row.region_id)
