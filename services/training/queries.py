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
from chassis.errors import DomainRuleViolated
from chassis.keyed_rows import KeyedRows
from chassis.tenancy import worker_tenant
from services.training.read_models import enterprises, known_workers, learning_records
from services.training.xapi import Completion


@dataclass(frozen=True, slots=True)
class KnownWorker:
    """A worker the registry told training about (projected from WorkerRegistered)."""

    worker_id: str
    enterprise_id: str
    skill_level: str
    erased: bool = False  # forgotten: no person to show (names stay sealed in the registry)
    level_since: date | None = None
    tier: str = "none"
    city_titles: int = 0


KNOWN_WORKERS = KeyedRows(
    known_workers, KnownWorker, missing=lambda worker_id: f"worker {worker_id} is not known to training yet"
)
"""Training acts only for workers the registry has told it about."""
find_known_worker = KNOWN_WORKERS.find
find_known_workers = KNOWN_WORKERS.find_many
require_known_worker = KNOWN_WORKERS.require
unknown_worker = KNOWN_WORKERS.missing


class KnownWorkers:
    """The known workers a command (or a whole batch) names, fetched in one query; `require`
    refuses one training was not told about, in the words of `require_known_worker`."""

    def __init__(self, found: dict[str, KnownWorker]) -> None:
        self._found = found

    @classmethod
    async def load(cls, session: AsyncSession, worker_ids: Sequence[str]) -> KnownWorkers:
        return cls(await find_known_workers(session, worker_ids))

    def require(self, worker_id: str) -> KnownWorker:
        worker = self._found.get(worker_id)
        if worker is None:
            raise DomainRuleViolated(unknown_worker(worker_id))
        return worker


class KnownWorkerAnswer(BaseModel):
    worker_id: str
    enterprise_id: str
    erased: bool = False
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
    class_id: str | None = None
    score: float | None = None
    xapi: dict[str, Any]


class FailureAnswer(BaseModel):
    enrolment_id: str
    course_id: str
    class_id: str
    assessed_on: date
    score: float


class CertificateAnswer(BaseModel):
    certificate_id: str
    occupation: str
    skill_level: str
    issuer_id: str
    issued_on: date
    revoked_on: date | None = None


class LearningRecord(BaseModel):
    """A worker's learning record: courses completed (with their xAPI statement), assessments
    failed, certificates held or revoked."""

    worker_id: str
    total_hours: float
    completions: list[CompletionAnswer]
    failures: list[FailureAnswer] = []
    certificates: list[CertificateAnswer] = []


class TrainingQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_worker(self, worker_id: str) -> KnownWorker | None:
        return await find_known_worker(self._session, worker_id)

    async def worker_tenant(self, worker_id: str) -> Tenant:
        """The worker's enterprise and its region; nobody's (Tenant()) for a worker not known here."""
        return await worker_tenant(self._session, known_workers, enterprises, worker_id) or Tenant()

    async def completions(self, worker_id: str) -> list[Completion]:
        rows = await self._session.execute(
            select(learning_records)
            .where(learning_records.c.worker_id == worker_id)
            .order_by(learning_records.c.completed_on, learning_records.c.enrolment_id)
        )
        return [Completion(**row._mapping) for row in rows]
