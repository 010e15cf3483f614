"""Queries over the training read models (the repository owns the SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.keyed_rows import find_row, require_row
from services.training.read_models import known_workers, learning_records
from services.training.xapi import Completion


@dataclass(frozen=True, slots=True)
class KnownWorker:
    """A worker the registry told training about (projected from WorkerRegistered)."""

    worker_id: str
    enterprise_id: str
    full_name: str
    skill_level: str


async def find_known_worker(session: AsyncSession, worker_id: str) -> KnownWorker | None:
    row = await find_row(session, known_workers, worker_id)
    return None if row is None else KnownWorker(**row)


async def require_known_worker(session: AsyncSession, worker_id: str) -> KnownWorker:
    """Training acts only for workers the registry has told it about."""
    missing = f"worker {worker_id} is not known to training yet"
    return KnownWorker(**await require_row(session, known_workers, worker_id, missing=missing))


class TrainingQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        return await find_known_worker(self._session, worker_id)

    async def completions(self, worker_id: str) -> list[Completion]:
        rows = await self._session.execute(
            select(learning_records)
            .where(learning_records.c.worker_id == worker_id)
            .order_by(learning_records.c.completed_on, learning_records.c.enrolment_id)
        )
        return [Completion(**row._mapping) for row in rows]
