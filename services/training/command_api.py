"""HTTP endpoints of training's commands: one endpoint per command, each with its access rule.

Every handler takes the caller's scope check and applies it to the record's tenant once it has
loaded the record (a school's enterprise or region, a worker's enterprise, a pairing's or a
studio's enterprise): one read serves the access rule and the decision.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from chassis.auth import Role
from chassis.auth_http import Guard, requires
from chassis.http import COMMAND_RESPONSES, Call, CommandAccepted
from chassis.imports import IMPORT_RESPONSES, ImportAnswer, ImportRequest, import_batch
from chassis.service import RuntimeDep
from services.training import class_handlers, handlers, mentoring_handlers
from services.training.commands import (
    ApplyForStudio,
    AssessCompletion,
    AssessMentorship,
    EnrolWorker,
    FundStudio,
    MentorshipStep,
    NameStudio,
    OpenCourse,
    ProposeMentorship,
    QualifyIssuer,
    RecordAchievement,
    RecordApprenticeAdvance,
    RecordAttendance,
    RecordVisit,
    RegisterSchool,
    ReviewStudio,
    RevokeCertificate,
    RevokeStudio,
    ScheduleClass,
    TerminateMentorship,
)

router = APIRouter(tags=["training commands"])
CITY, HR, SERVICE = Role.CITY_UNION, Role.ENTERPRISE_HR, Role.SERVICE
RECORDERS = requires(CITY, HR, SERVICE)  # in scope of the record's enterprise, or citywide
FEDERATION = requires(CITY, SERVICE)  # decisions of the city federation (qualifying, studios)


def _command(path: str, command_type: type[BaseModel], handler: Any, rule: Any) -> None:
    async def run(command: Any, call: Call, guard: Guard) -> CommandAccepted:
        return await call.execute(partial(handler, check=guard.check), command)

    # FastAPI validates the body as this command and checks the caller by this rule.
    run.__annotations__["command"] = command_type
    run.__annotations__["guard"] = Annotated[Guard, rule]
    run.__doc__ = (command_type.__doc__ or command_type.__name__).strip()
    name = path.strip("/").replace("/", "_").replace("-", "_")
    router.post(path, status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES, name=name)(run)


for _path, _command_type, _handler, _rule in (
    ("/schools", RegisterSchool, class_handlers.register_school, RECORDERS),
    ("/issuers", QualifyIssuer, class_handlers.qualify_issuer, FEDERATION),
    ("/courses", OpenCourse, class_handlers.open_course, RECORDERS),
    ("/classes", ScheduleClass, class_handlers.schedule_class, RECORDERS),
    ("/enrolments", EnrolWorker, class_handlers.enrol_worker, RECORDERS),
    ("/attendances", RecordAttendance, class_handlers.record_attendance, RECORDERS),
    ("/assessments", AssessCompletion, class_handlers.assess_completion, RECORDERS),
    ("/certificate-revocations", RevokeCertificate, handlers.revoke_certificate, RECORDERS),
    ("/mentorships", ProposeMentorship, mentoring_handlers.propose_mentorship, RECORDERS),
    ("/mentorships/start", MentorshipStep, mentoring_handlers.start_mentorship, RECORDERS),
    ("/mentorships/assessments", AssessMentorship, mentoring_handlers.assess_mentorship, RECORDERS),
    ("/mentorships/advances", RecordApprenticeAdvance, mentoring_handlers.record_advance, RECORDERS),
    ("/mentorships/completions", MentorshipStep, mentoring_handlers.complete_mentorship, RECORDERS),
    ("/mentorships/terminations", TerminateMentorship, mentoring_handlers.terminate_mentorship, RECORDERS),
    ("/studios", ApplyForStudio, mentoring_handlers.apply_for_studio, RECORDERS),
    ("/studios/naming", NameStudio, mentoring_handlers.studio_step, FEDERATION),
    ("/studios/funding", FundStudio, mentoring_handlers.studio_step, FEDERATION),
    ("/studios/reviews", ReviewStudio, mentoring_handlers.studio_step, FEDERATION),
    ("/studios/revocations", RevokeStudio, mentoring_handlers.studio_step, FEDERATION),
    ("/achievements", RecordAchievement, mentoring_handlers.record_achievement, RECORDERS),
    ("/visits", RecordVisit, mentoring_handlers.record_visit, RECORDERS),
):
    _command(_path, _command_type, _handler, _rule)


@router.post("/enrolments/import", responses=IMPORT_RESPONSES)
async def import_enrolments(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Enrol many workers at once, in one transaction; each item is accepted or refused with
    its rule. The caller must be in scope of every known worker's enterprise (403 otherwise)."""
    decide = partial(class_handlers.enrolments, check=guard.check)
    return await import_batch(runtime.unit_of_work, EnrolWorker, request.items, decide)


@router.post("/assessments/import", responses=IMPORT_RESPONSES)
async def import_assessments(
    request: ImportRequest, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> ImportAnswer:
    """Record many completions with their assessment at once, in one transaction; each item is
    accepted or refused with its rule. The caller must be in scope of every class's school."""
    decide = partial(class_handlers.assessments, check=guard.check)
    return await import_batch(runtime.unit_of_work, AssessCompletion, request.items, decide)
