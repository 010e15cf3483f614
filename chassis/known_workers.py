"""A service's own copy of the registry's workers, projected from WorkerRegistered.

Several services act only for workers the registry told them about (training records a
course, competitions marks an entrant); each keeps its own table, and this one piece of
code projects and reads any of them. A table may leave out the optional columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.errors import DomainRuleViolated
from chassis.inbox import Handler
from chassis.sqlutil import dialect_name, one_of, upsert
from contracts.envelope import Envelope
from contracts.events.registry import WorkerRegistered


@dataclass(frozen=True, slots=True)
class KnownWorker:
    worker_id: str
    enterprise_id: str
    full_name: str
    skill_level: str | None = None


def known_workers_table(name: str, metadata: MetaData, *, skill_level: bool = False) -> Table:
    columns = [
        Column("worker_id", String(128), primary_key=True),
        Column("enterprise_id", String(128), nullable=False),
        Column("full_name", String(200), nullable=False),
    ]
    if skill_level:
        columns.append(Column("skill_level", String(32), nullable=False))
    return Table(name, metadata, *columns)


def remember_workers(table: Table) -> Handler:
    """The inbox handler that keeps `table` in step with the registry."""

    async def on_worker_registered(
        session: AsyncSession, envelope: Envelope, event: WorkerRegistered
    ) -> None:
        facts: dict[str, Any] = {
            "worker_id": event.worker_id,
            "enterprise_id": event.enterprise_id,
            "full_name": event.full_name,
            "skill_level": event.skill_level.value,
        }
        await session.execute(
            upsert(session, table, {k: v for k, v in facts.items() if k in table.c}, keys=("worker_id",))
        )

    return on_worker_registered


async def find_known_worker(session: AsyncSession, table: Table, worker_id: str) -> KnownWorker | None:
    row = (await session.execute(select(table).where(table.c.worker_id == worker_id))).first()
    return None if row is None else KnownWorker(**row._mapping)


async def find_known_workers(
    session: AsyncSession, table: Table, worker_ids: Sequence[str]
) -> dict[str, KnownWorker]:
    """Many workers in one query (batch imports)."""
    if not worker_ids:
        return {}
    wanted = one_of(dialect_name(session), table.c.worker_id, sorted(set(worker_ids)))
    rows = (await session.execute(select(table).where(wanted))).all()
    return {row.worker_id: KnownWorker(**row._mapping) for row in rows}


def unknown_worker(worker_id: str, service: str) -> str:
    return f"worker {worker_id} is not known to {service} yet"


async def require_known_worker(
    session: AsyncSession, table: Table, worker_id: str, service: str
) -> KnownWorker:
    """A service acts only for workers the registry has told it about."""
    worker = await find_known_worker(session, table, worker_id)
    if worker is None:
        raise DomainRuleViolated(unknown_worker(worker_id, service))
    return worker
