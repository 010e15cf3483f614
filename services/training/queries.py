"""Queries over the training read models (the repository owns the SQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.known_workers import KnownWorker, find_known_worker
from services.training.read_models import known_workers, learning_records
from services.training.xapi import Completion


class TrainingQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        return await find_known_worker(self._session, known_workers, worker_id)

    async def completions(self, worker_id: str) -> list[Completion]:
        rows = await self._session.execute(
            select(learning_records)
            .where(learning_records.c.worker_id == worker_id)
            .order_by(learning_records.c.completed_on, learning_records.c.enrolment_id)
        )
        return [Completion(**row._mapping) for row in rows]
