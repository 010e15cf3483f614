"""Command handlers for the training bases, courses and classes: plain functions over a unit of
work. Each takes the caller's scope check (`check`), applied to the record's tenant once the
record is loaded, so the access rule and the decision read the same state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

from chassis.auth import Tenant
from chassis.errors import DomainRuleViolated, NotFound
from chassis.imports import Changed, Decision
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.events.training import CourseOpened
from contracts.vocabulary import SkillLevel
from services.training.classes import Class, Course, CourseFacts, Issuer, School
from services.training.commands import (
    AssessCompletion,
    EnrolWorker,
    OpenCourse,
    QualifyIssuer,
    RecordAttendance,
    RegisterSchool,
    ScheduleClass,
)
from services.training.queries import KnownWorker, find_known_workers, require_known_worker, unknown_worker

ScopeCheck = Callable[[Tenant], None]
"""Raises Forbidden (or NotFound) when the caller may not act on a record of this tenant."""


class Catalogue:
    """Schools, courses and classes as one unit of work loads them, each once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._schools: dict[str, School] = {}
        self._courses: dict[str, Course] = {}
        self._classes: dict[str, Class] = {}

    async def school(self, school_id: str) -> School:
        if school_id not in self._schools:
            missing = f"school {school_id} is not registered"
            self._schools[school_id] = await self._uow.require(School, school_id, missing)
        return self._schools[school_id]

    async def course(self, course_id: str) -> Course:
        if course_id not in self._courses:
            missing = f"course {course_id} was never opened"
            self._courses[course_id] = await self._uow.require(Course, course_id, missing)
        return self._courses[course_id]

    async def klass(self, class_id: str) -> Class:
        if class_id not in self._classes:
            missing = f"class {class_id} was never scheduled"
            self._classes[class_id] = await self._uow.require(Class, class_id, missing)
        return self._classes[class_id]

    async def course_facts(self, course_id: str) -> CourseFacts:
        course = await self.course(course_id)
        return course.facts((await self.school(course.require_opened().school_id)).name)

    async def class_in_scope(self, class_id: str, check: ScopeCheck) -> tuple[Class, CourseFacts]:
        """The class and its course, once the caller is found in scope of its school."""
        klass = await self.klass(class_id)
        facts = await self.course_facts(klass.course_id)
        check((await self.school(facts.school_id)).scope)
        return klass, facts


async def register_school(
    uow: UnitOfWork, command: RegisterSchool, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    check(Tenant(enterprise_id=command.enterprise_id, region_id=command.region_id))
    async with uow:
        await uow.ensure_new(School, command.school_id, f"school {command.school_id} is registered already")
        uow.track(
            School.register(
                command.school_id,
                name=command.name,
                kind=command.kind,
                region_id=command.region_id,
                enterprise_id=command.enterprise_id,
                majors=command.majors,
                registered_on=command.registered_on,
            )
        )
        return await uow.commit(command_id=command_id)


async def qualify_issuer(
    uow: UnitOfWork, command: QualifyIssuer, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    check(Tenant(enterprise_id=command.issuer_id))
    async with uow:
        await uow.ensure_new(Issuer, command.issuer_id, f"issuer {command.issuer_id} is qualified already")
        uow.track(
            Issuer.qualify(
                command.issuer_id, kind=command.issuer_kind, on=command.qualified_on, tenant=command.issuer_id
            )
        )
        return await uow.commit(command_id=command_id)


COURSE_EXISTS = "course {} is open already"
CLASS_EXISTS = "class {} is scheduled already"


async def course_opened(catalogue: Catalogue, command: OpenCourse, check: ScopeCheck) -> Course:
    """A school in the caller's scope opens a course of one of its majors."""
    school = await catalogue.school(command.school_id)
    check(school.scope)
    return Course.open(school, CourseOpened(**command.model_dump()))


async def class_scheduled(catalogue: Catalogue, command: ScheduleClass, check: ScopeCheck) -> Class:
    """A class of an open course, scheduled by (or for) the course's school."""
    course = await catalogue.course(command.course_id)
    check((await catalogue.school(course.require_opened().school_id)).scope)
    return Class.schedule(
        command.class_id, course=course, starts_on=command.starts_on, session_count=command.session_count
    )


async def open_course(
    uow: UnitOfWork, command: OpenCourse, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        course = await course_opened(Catalogue(uow), command, check)
        await uow.ensure_new(Course, command.course_id, COURSE_EXISTS.format(command.course_id))
        uow.track(course)
        return await uow.commit(command_id=command_id)


async def schedule_class(
    uow: UnitOfWork, command: ScheduleClass, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        klass = await class_scheduled(Catalogue(uow), command, check)
        await uow.ensure_new(Class, command.class_id, CLASS_EXISTS.format(command.class_id))
        uow.track(klass)
        return await uow.commit(command_id=command_id)


def _enrol(klass: Class, facts: CourseFacts, worker: KnownWorker, command: EnrolWorker) -> None:
    klass.enrol(
        command.enrolment_id,
        worker_id=worker.worker_id,
        enterprise_id=worker.enterprise_id,
        worker_level=SkillLevel(worker.skill_level),
        course=facts,
        enrolled_on=command.enrolled_on,
    )


async def enrol_worker(
    uow: UnitOfWork, command: EnrolWorker, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    """The worker's enterprise (or the city) enrols its worker in a class of any school."""
    async with uow:
        worker = await require_known_worker(uow.active, command.worker_id)
        check(Tenant(enterprise_id=worker.enterprise_id))
        catalogue = Catalogue(uow)
        klass = await catalogue.klass(command.class_id)
        _enrol(klass, await catalogue.course_facts(klass.course_id), worker, command)
        return await uow.commit(command_id=command_id)


def _attend(klass: Class, command: RecordAttendance) -> None:
    klass.attend(command.enrolment_id, session_no=command.session_no, attended_on=command.attended_on)


async def record_attendance(
    uow: UnitOfWork, command: RecordAttendance, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        klass, _ = await Catalogue(uow).class_in_scope(command.class_id, check)
        _attend(klass, command)
        return await uow.commit(command_id=command_id)


def _assess(klass: Class, facts: CourseFacts, command: AssessCompletion) -> None:
    klass.assess(
        command.enrolment_id,
        passed=command.result == "pass",
        score=command.score,
        assessed_on=command.assessed_on,
        course=facts,
    )


async def assess_completion(
    uow: UnitOfWork, command: AssessCompletion, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    """The school records the end of a class for one enrolment: passed (TrainingCompleted) or failed."""
    async with uow:
        klass, facts = await Catalogue(uow).class_in_scope(command.class_id, check)
        _assess(klass, facts, command)
        return await uow.commit(command_id=command_id)


# --- batches: the same rules, the facts fetched once; a caller out of scope of any item gets 403


async def enrolments(uow: UnitOfWork, commands: Sequence[EnrolWorker], check: ScopeCheck) -> list[Decision]:
    workers = await find_known_workers(uow.active, [c.worker_id for c in commands])
    for enterprise_id in sorted({worker.enterprise_id for worker in workers.values()}):
        check(Tenant(enterprise_id=enterprise_id))
    catalogue = Catalogue(uow)
    decisions: list[Decision] = []
    for command in commands:
        worker = workers.get(command.worker_id)
        if worker is None:
            decisions.append(unknown_worker(command.worker_id))
            continue
        try:
            klass = await catalogue.klass(command.class_id)
            before = len(klass.pending)
            _enrol(klass, await catalogue.course_facts(klass.course_id), worker, command)
        except (DomainRuleViolated, NotFound) as error:
            decisions.append(str(error))
            continue
        decisions.append(Changed(klass, len(klass.pending) - before))
    return decisions


async def assessments(
    uow: UnitOfWork, commands: Sequence[AssessCompletion], check: ScopeCheck
) -> list[Decision]:
    return await _class_by_class(uow, commands, check, _assess)


async def attendances(
    uow: UnitOfWork, commands: Sequence[RecordAttendance], check: ScopeCheck
) -> list[Decision]:
    """A register of any classes and sessions: each class is loaded once, and its attendances
    are recorded on it in the batch's order (one append per class, no conflict among them)."""
    return await _class_by_class(uow, commands, check, lambda klass, _, command: _attend(klass, command))


OnClass = TypeVar("OnClass", AssessCompletion, RecordAttendance)


async def _class_by_class(
    uow: UnitOfWork,
    commands: Sequence[OnClass],
    check: ScopeCheck,
    act: Callable[[Class, CourseFacts, OnClass], None],
) -> list[Decision]:
    """Each command acts on its class, loaded once for the batch, after the scope check."""
    catalogue = Catalogue(uow)
    decisions: list[Decision] = []
    for command in commands:
        try:
            klass, facts = await catalogue.class_in_scope(command.class_id, check)
            before = len(klass.pending)
            act(klass, facts, command)
        except (DomainRuleViolated, NotFound) as error:
            decisions.append(str(error))
            continue
        # Several items record on one class: each item's answer names its own events.
        decisions.append(Changed(klass, len(klass.pending) - before))
    return decisions
