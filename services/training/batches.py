"""Batch decisions for the records created once under their id (courses, classes, certificates,
achievements, visits, mentorships): each item decided by the single command's own function, the facts it
needs fetched for the whole batch at once.

A single command learns that its id exists from its append (`UnitOfWork.ensure_new`); a batch
asks once which ids exist, and refuses an item whose id exists or came earlier in the batch, in
the single command's words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from pydantic import ValidationError

from chassis.aggregate import Aggregate
from chassis.auth import Tenant
from chassis.errors import DomainRuleViolated, NotFound
from chassis.imports import Decision
from chassis.unit_of_work import UnitOfWork
from services.training import class_handlers, handlers, mentoring_handlers
from services.training.class_handlers import Catalogue, ScopeCheck
from services.training.classes import Class, Course, Issuer
from services.training.commands import (
    AwardCertificate,
    OpenCourse,
    PairMentorship,
    RecordAchievement,
    RecordVisit,
    ScheduleClass,
)
from services.training.domain import Certificate
from services.training.mentoring import Mentorship
from services.training.queries import KnownWorkers
from services.training.rules import TrainingRules
from services.training.studios import Achievement, Visit

C = TypeVar("C")


async def once_each(
    uow: UnitOfWork,
    kind: type[Aggregate],
    commands: Sequence[C],
    key: Callable[[C], str],
    exists: str,
    decide: Callable[[C], Awaitable[Aggregate]],
) -> list[Decision]:
    """Each command's new aggregate, or why not: its id is taken (`exists`, formatted with the
    id) or a rule refused it. A caller out of scope of an item (Forbidden) fails the batch."""
    taken = await uow.existing(kind, [key(command) for command in commands])
    decisions: list[Decision] = []
    for command in commands:
        if key(command) in taken:
            decisions.append(exists.format(key(command)))
            continue
        try:
            created = await decide(command)
        except (DomainRuleViolated, NotFound, ValidationError) as error:
            decisions.append(str(error))
            continue
        taken.add(key(command))
        decisions.append(created)
    return decisions


async def certificates(
    uow: UnitOfWork, commands: Sequence[AwardCertificate], check: ScopeCheck, rules: TrainingRules
) -> list[Decision]:
    workers = await KnownWorkers.load(uow.active, [c.worker_id for c in commands])
    qualified = await uow.existing(Issuer, sorted({c.issuer_id for c in commands}))

    async def award(command: AwardCertificate) -> Aggregate:
        worker = workers.require(command.worker_id)
        check(Tenant(enterprise_id=worker.enterprise_id))
        issuer_qualified = command.issuer_id in qualified
        return handlers.certificate(command, worker, issuer_qualified=issuer_qualified, rules=rules)

    exists = handlers.CERTIFICATE_EXISTS
    return await once_each(uow, Certificate, commands, lambda c: c.certificate_id, exists, award)


async def achievements(
    uow: UnitOfWork, commands: Sequence[RecordAchievement], check: ScopeCheck
) -> list[Decision]:
    workers = await KnownWorkers.load(uow.active, [c.worker_id for c in commands])

    async def record(command: RecordAchievement) -> Aggregate:
        return mentoring_handlers.achievement(command, workers, check)

    exists = mentoring_handlers.ACHIEVEMENT_EXISTS
    return await once_each(uow, Achievement, commands, lambda c: c.achievement_id, exists, record)


async def visits(uow: UnitOfWork, commands: Sequence[RecordVisit], check: ScopeCheck) -> list[Decision]:
    team = [w for c in commands for w in mentoring_handlers.visit_team(c)]
    workers = await KnownWorkers.load(uow.active, team)

    async def record(command: RecordVisit) -> Aggregate:
        return mentoring_handlers.visit(command, workers, check)

    exists = mentoring_handlers.VISIT_EXISTS
    return await once_each(uow, Visit, commands, lambda c: c.visit_id, exists, record)


async def mentorships(
    uow: UnitOfWork, commands: Sequence[PairMentorship], check: ScopeCheck
) -> list[Decision]:
    """Each pairing proposed, and started on its day when it names one."""
    workers = await KnownWorkers.load(
        uow.active, [w for c in commands for w in (c.master_id, c.apprentice_id)]
    )

    async def pair(command: PairMentorship) -> Aggregate:
        pairing = mentoring_handlers.proposal(command, workers, check)
        if command.started_on is not None:
            pairing.start(command.started_on)
        return pairing

    exists = mentoring_handlers.MENTORSHIP_EXISTS
    return await once_each(uow, Mentorship, commands, lambda c: c.mentorship_id, exists, pair)


async def courses(uow: UnitOfWork, commands: Sequence[OpenCourse], check: ScopeCheck) -> list[Decision]:
    catalogue = Catalogue(uow)

    async def open_one(command: OpenCourse) -> Aggregate:
        return await class_handlers.course_opened(catalogue, command, check)

    exists = class_handlers.COURSE_EXISTS
    return await once_each(uow, Course, commands, lambda c: c.course_id, exists, open_one)


async def classes(uow: UnitOfWork, commands: Sequence[ScheduleClass], check: ScopeCheck) -> list[Decision]:
    catalogue = Catalogue(uow)

    async def schedule(command: ScheduleClass) -> Aggregate:
        return await class_handlers.class_scheduled(catalogue, command, check)

    exists = class_handlers.CLASS_EXISTS
    return await once_each(uow, Class, commands, lambda c: c.class_id, exists, schedule)
