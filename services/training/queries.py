"""Queries over the training read models (the repository owns the SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.read_models import known_workers, learning_records
from services.training.xapi import Completion


@dataclass(frozen=True, slots=True)
class KnownWorker:
    worker_id: str
    enterprise_id: str
    full_name: str
    skill_level: str


class TrainingQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        row = (
            await self._session.execute(select(known_workers).where(known_workers.c.worker_id == worker_id))
        ).first()
        return None if row is None else KnownWorker(**row._mapping)

    async def completions(self, worker_id: str) -> list[Completion]:
        rows = await self._session.execute(
            select(learning_records)
            .where(learning_records.c.worker_id == worker_id)
            .order_by(learning_records.c.completed_on, learning_records.c.enrolment_id)
        )
        return [Completion(**row._mapping) for row in rows]
