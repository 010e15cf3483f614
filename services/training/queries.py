"""Queries over the training read models (the repository owns the SQL), and the models the
API answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.keyed_rows import find_row, find_rows, require_row
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


async def find_known_workers(session: AsyncSession, worker_ids: Sequence[str]) -> dict[str, KnownWorker]:
    """Many workers in one query (batch imports)."""
    return {
        key: KnownWorker(**row) for key, row in (await find_rows(session, known_workers, worker_ids)).items()
    }


def unknown_worker(worker_id: str) -> str:
    return f"worker {worker_id} is not known to training yet"


async def require_known_worker(session: AsyncSession, worker_id: str) -> KnownWorker:
    """Training acts only for workers the registry has told it about."""
    missing = unknown_worker(worker_id)
    return KnownWorker(**await require_row(session, known_workers, worker_id, missing=missing))


class KnownWorkerAnswer(BaseModel):
    worker_id: str
    enterprise_id: str
    full_name: str
    skill_level: str | None = None


class CompletionAnswer(BaseModel):
    event_id: str
    enrolment_id: str
    worker_id: str
    course_id: str
    course_title: str
    hours: float
    completed_on: date
    provider: str
    xapi: dict[str, Any]


class LearningRecord(BaseModel):
    worker_id: str
    total_hours: float
    completions: list[CompletionAnswer]


class TrainingQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        return await find_known_worker(self._session, worker_id)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        found = await self.known_worker(worker_id)
        return Tenant() if found is None else Tenant(enterprise_id=found.enterprise_id)

    async def completions(self, worker_id: str) -> list[Completion]:
        rows = await self._session.execute(
            select(learning_records)
            .where(learning_records.c.worker_id == worker_id)
            .order_by(learning_records.c.completed_on, learning_records.c.enrolment_id)
        )
        return [Completion(**row._mapping) for row in rows]
