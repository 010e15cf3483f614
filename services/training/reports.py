"""Queries over the training read models for the reports and exports, and their answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Tenant
from chassis.tenancy import worker_tenant
from services.training.badges import CertificateRecord
from services.training.read_models import (
    achievements,
    apprentice_outcomes,
    attendances,
    certificates,
    classes,
    courses,
    enterprises,
    failures,
    known_workers,
    learning_records,
    mentorships,
    rosters,
    schools,
    visits,
)
from services.training.xapi import Attendance, Completion, Failure, LearningEntry


class RosterEntry(BaseModel):
    enrolment_id: str
    worker_id: str
    enrolled_on: date
    sessions_attended: int
    status: str
    score: float | None = None


class Roster(BaseModel):
    class_id: str
    course_id: str
    school_id: str
    capacity: int
    enrolled: int
    entries: list[RosterEntry]


class FillRate(BaseModel):
    school_id: str
    major: str
    classes: int
    places: int
    enrolled: int
    fill_rate: float
    attendances: int = Field(description="Sessions attended, summed over the enrolments")


class Outcome(BaseModel):
    kind: str
    skill_level: str | None = None
    honour: str | None = None
    advanced_on: date


class Apprentice(BaseModel):
    mentorship_id: str
    apprentice_id: str
    state: str
    started_on: date | None = None
    ended_on: date | None = None
    outcomes: list[Outcome]


class MasterApprentices(BaseModel):
    master_id: str
    apprentices: list[Apprentice]


class InnovationCounter(BaseModel):
    year: int
    region_id: str
    kind: str
    count: int
    economic_benefit: Decimal


class VisitStatistics(BaseModel):
    visits: int
    problems_solved: int
    workers_reached: int


class StatementResult(BaseModel):
    """The xAPI StatementResult shape."""

    statements: list[dict[str, Any]]
    more: str = ""


def _rows_as(kind: type[Any], rows: Any) -> list[Any]:
    return [kind(**row._mapping) for row in rows]


COMPLETION_COLUMNS = [learning_records.c[name] for name in Completion.__dataclass_fields__]
FAILURE_COLUMNS = [failures.c[name] for name in Failure.__dataclass_fields__]
ATTENDANCE_COLUMNS = [attendances.c[name] for name in Attendance.__dataclass_fields__]


def learning_selects(worker_id: str | None) -> list[tuple[type[LearningEntry], Select[Any]]]:
    """The three kinds of entry of a learning record (one worker's, or everyone's)."""
    parts: list[tuple[type[LearningEntry], Select[Any]]] = [
        (Completion, select(*COMPLETION_COLUMNS).order_by(learning_records.c.event_id)),
        (Failure, select(*FAILURE_COLUMNS).order_by(failures.c.event_id)),
        (Attendance, select(*ATTENDANCE_COLUMNS).order_by(attendances.c.event_id)),
    ]
    if worker_id is None:
        return parts
    tables = (learning_records, failures, attendances)
    return [
        (kind, query.where(table.c.worker_id == worker_id))
        for (kind, query), table in zip(parts, tables, strict=True)
    ]


class Reports:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def learning_entries(self, worker_id: str) -> list[LearningEntry]:
        entries: list[LearningEntry] = []
        for kind, query in learning_selects(worker_id):
            entries.extend(_rows_as(kind, await self._session.execute(query)))
        return entries

    async def stream_learning_entries(self, batch: int = 2000) -> AsyncIterator[LearningEntry]:
        """Every learning entry, read in batches: the bulk export never holds them all."""
        for kind, query in learning_selects(None):
            result = await self._session.stream(query.execution_options(yield_per=batch))
            async for row in result:
                yield kind(**row._mapping)

    async def failures(self, worker_id: str) -> list[Failure]:
        query = (
            select(*FAILURE_COLUMNS).where(failures.c.worker_id == worker_id).order_by(failures.c.assessed_on)
        )
        return _rows_as(Failure, await self._session.execute(query))

    async def certificates_of(self, worker_id: str) -> list[CertificateRecord]:
        query = (
            select(certificates)
            .where(certificates.c.worker_id == worker_id)
            .order_by(certificates.c.issued_on)
        )
        return _rows_as(CertificateRecord, await self._session.execute(query))

    async def certificate(self, certificate_id: str) -> CertificateRecord | None:
        row = (
            await self._session.execute(
                select(certificates).where(certificates.c.certificate_id == certificate_id)
            )
        ).first()
        return None if row is None else CertificateRecord(**row._mapping)

    async def certificate_tenant(self, certificate_id: str) -> Tenant:
        """Its worker's: the worker's enterprise and region."""
        worker = await self._session.scalar(
            select(certificates.c.worker_id).where(certificates.c.certificate_id == certificate_id)
        )
        found = (
            None if worker is None else await worker_tenant(self._session, known_workers, enterprises, worker)
        )
        return found or Tenant()

    async def class_tenant(self, class_id: str) -> Tenant:
        query = (
            select(schools.c.enterprise_id, schools.c.region_id)
            .join(classes, classes.c.school_id == schools.c.school_id)
            .where(classes.c.class_id == class_id)
        )
        row = (await self._session.execute(query)).first()
        return Tenant() if row is None else Tenant(enterprise_id=row.enterprise_id, region_id=row.region_id)

    async def roster(self, class_id: str) -> Roster | None:
        head = (
            await self._session.execute(
                select(classes.c.class_id, classes.c.course_id, classes.c.school_id, courses.c.capacity)
                .join(courses, courses.c.course_id == classes.c.course_id)
                .where(classes.c.class_id == class_id)
            )
        ).first()
        if head is None:
            return None
        rows = await self._session.execute(
            select(rosters)
            .where(rosters.c.class_id == class_id)
            .order_by(rosters.c.enrolled_on, rosters.c.enrolment_id)
        )
        entries = [RosterEntry.model_validate(row._mapping, from_attributes=False) for row in rows]
        return Roster(**head._mapping, enrolled=len(entries), entries=entries)

    async def fill_rates(self) -> list[FillRate]:
        """Per school and major: places offered (capacity times classes), places taken, and the
        sessions attended."""
        enrolled = (
            select(
                rosters.c.class_id,
                func.count().label("enrolled"),
                func.sum(rosters.c.sessions_attended).label("attendances"),
            )
            .group_by(rosters.c.class_id)
            .subquery()
        )
        query = (
            select(
                courses.c.school_id,
                courses.c.major,
                func.count(classes.c.class_id).label("classes"),
                func.sum(courses.c.capacity).label("places"),
                func.coalesce(func.sum(enrolled.c.enrolled), literal(0)).label("enrolled"),
                func.coalesce(func.sum(enrolled.c.attendances), literal(0)).label("attendances"),
            )
            .join(classes, classes.c.course_id == courses.c.course_id)
            .outerjoin(enrolled, enrolled.c.class_id == classes.c.class_id)
            .group_by(courses.c.school_id, courses.c.major)
            .order_by(courses.c.school_id, courses.c.major)
        )
        return [
            FillRate(
                **row._mapping, fill_rate=round(int(row.enrolled) / int(row.places), 4) if row.places else 0.0
            )
            for row in await self._session.execute(query)
        ]

    async def apprentices(self, master_id: str) -> MasterApprentices:
        pairs = await self._session.execute(
            select(mentorships)
            .where(mentorships.c.master_id == master_id)
            .order_by(mentorships.c.mentorship_id)
        )
        outcomes = await self._session.execute(
            select(apprentice_outcomes)
            .where(apprentice_outcomes.c.master_id == master_id)
            .order_by(apprentice_outcomes.c.advanced_on)
        )
        by_pair: dict[str, list[Outcome]] = {}
        for row in outcomes:
            by_pair.setdefault(row.mentorship_id, []).append(Outcome.model_validate(row._mapping))
        return MasterApprentices(
            master_id=master_id,
            apprentices=[
                Apprentice(**pair._mapping, outcomes=by_pair.get(pair.mentorship_id, [])) for pair in pairs
            ],
        )

    async def innovation_counters(self, year: int | None, region_id: str | None) -> list[InnovationCounter]:
        query = select(
            achievements.c.year,
            achievements.c.region_id,
            achievements.c.kind,
            func.count().label("count"),
            func.coalesce(func.sum(achievements.c.economic_benefit), literal(0)).label("economic_benefit"),
        ).group_by(achievements.c.year, achievements.c.region_id, achievements.c.kind)
        if year is not None:
            query = query.where(achievements.c.year == year)
        if region_id is not None:
            query = query.where(achievements.c.region_id == region_id)
        rows = await self._session.execute(
            query.order_by(achievements.c.year, achievements.c.region_id, achievements.c.kind)
        )
        return [InnovationCounter.model_validate(row._mapping) for row in rows]

    async def visit_statistics(self, host_enterprise_id: str | None) -> VisitStatistics:
        query = select(
            func.count().label("visits"),
            func.coalesce(func.sum(visits.c.problems_solved), literal(0)).label("problems_solved"),
            func.coalesce(func.sum(visits.c.workers_reached), literal(0)).label("workers_reached"),
        )
        if host_enterprise_id is not None:
            query = query.where(visits.c.host_enterprise_id == host_enterprise_id)
        row = (await self._session.execute(query)).one()
        return VisitStatistics(**{name: int(value) for name, value in row._mapping.items()})
