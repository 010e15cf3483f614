"""Training's batch endpoints: a school's register, an issuer's certificates, a union's
achievements, visits and pairings, many at once. Each item is decided by the rule of its single
endpoint (services/training/batches.py, class_handlers.py) and answered accepted or refused with
its reason; all accepted items are stored in one transaction (chassis/imports.py). A caller out
of scope of any item's record is refused the whole batch (403), as the single endpoint refuses it.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends

from chassis.auth import Role
from chassis.auth_http import Guard, requires
from chassis.imports import IMPORT_RESPONSES, ImportAnswer, ImportRequest, import_batch
from chassis.service import RuntimeDep
from services.training import batches, class_handlers
from services.training.commands import (
    AwardCertificate,
    OpenCourse,
    PairMentorship,
    RecordAchievement,
    RecordAttendance,
    RecordVisit,
    ScheduleClass,
)
from services.training.rules import TrainingRules
from services.training.settings import configured_rules

router = APIRouter(tags=["training imports"])
RECORDERS = requires(Role.CITY_UNION, Role.ENTERPRISE_HR, Role.SERVICE)


@router.post("/courses/import", responses=IMPORT_RESPONSES)
async def import_courses(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Open many courses at once. The caller must be in scope of every course's school."""
    decide = partial(batches.courses, check=guard.check)
    return await import_batch(runtime.unit_of_work, OpenCourse, request.items, decide)


@router.post("/classes/import", responses=IMPORT_RESPONSES)
async def import_classes(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Schedule many classes at once. The caller must be in scope of every class's school."""
    decide = partial(batches.classes, check=guard.check)
    return await import_batch(runtime.unit_of_work, ScheduleClass, request.items, decide)


@router.post("/attendances/import", responses=IMPORT_RESPONSES)
async def import_attendances(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Record a register: attendances of any classes and sessions, each session once per
    enrolment. The caller must be in scope of every class's school."""
    decide = partial(class_handlers.attendances, check=guard.check)
    return await import_batch(runtime.unit_of_work, RecordAttendance, request.items, decide)


@router.post("/certificates/import", responses=IMPORT_RESPONSES)
async def import_certificates(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, RECORDERS],
    rules: Annotated[TrainingRules, Depends(configured_rules)],
) -> ImportAnswer:
    """Award many certificates at once. The caller must be in scope of every known worker's
    enterprise."""
    decide = partial(batches.certificates, check=guard.check, rules=rules)
    return await import_batch(runtime.unit_of_work, AwardCertificate, request.items, decide)


@router.post("/achievements/import", responses=IMPORT_RESPONSES)
async def import_achievements(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Record many innovation achievements at once. The caller must be in scope of every known
    worker's enterprise (or of the item's region)."""
    decide = partial(batches.achievements, check=guard.check)
    return await import_batch(runtime.unit_of_work, RecordAchievement, request.items, decide)


@router.post("/visits/import", responses=IMPORT_RESPONSES)
async def import_visits(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Record many skills-into-enterprises visits at once. The caller must be in scope of every
    host enterprise."""
    decide = partial(batches.visits, check=guard.check)
    return await import_batch(runtime.unit_of_work, RecordVisit, request.items, decide)


@router.post("/mentorships/import", responses=IMPORT_RESPONSES)
async def import_mentorships(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Propose many pairings at once, each started on its `started_on` when it names one. The
    caller must be in scope of every master's enterprise."""
    decide = partial(batches.mentorships, check=guard.check)
    return await import_batch(runtime.unit_of_work, PairMentorship, request.items, decide)
