"""The training service's endpoints: who reaches what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Tenant as Scope
from contracts.events.training import SchoolKind
from contracts.vocabulary import CertificateIssuerKind, SkillLevel
from services.training import class_handlers, handlers, mentoring_handlers
from services.training import read_models as training_models
from services.training.commands import (
    ApplyForStudio,
    AwardCertificate,
    EnrolWorker,
    OpenCourse,
    ProposeMentorship,
    RecordAttendance,
    RegisterSchool,
    ScheduleClass,
)
from services.training.service import SPEC as TRAINING
from tests.integration.access.common import (
    CITYWIDE_AND_SERVICES,
    EVERYONE,
    OPERATIONS,
    READERS,
    RECORDERS,
    TENANTS,
    Build,
    Case,
    Tenant,
    callers,
    get,
    post,
    rows,
)
from tests.service_support import unit_of_work

DAY = "2026-05-01"


def fetch(url: Callable[[Tenant], str], **params: Callable[[Tenant], str]) -> Build:
    """A GET whose path or query names a record of the tenant other than its worker."""
    return lambda t, _, __: {"method": "GET", "url": url(t), "params": {k: v(t) for k, v in params.items()}}


def recorded(path: str, body: Callable[[Tenant, str, int], dict[str, Any]]) -> Case:
    """A command on a record of the tenant's enterprise: its HR, the city union, services."""
    return Case(post(path, body), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES)


def federation(path: str, body: Callable[[Tenant, str, int], dict[str, Any]]) -> Case:
    return Case(post(path, body), own=CITYWIDE_AND_SERVICES, foreign=CITYWIDE_AND_SERVICES)


def own_record(build: Build) -> Case:
    return Case(build, own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True)


def worker_record(build: Build) -> Case:
    """A worker's record: also the county union of the worker's enterprise's region."""
    return Case(build, own=READERS, foreign=CITYWIDE_AND_SERVICES, hide=True)


def completion(t: Tenant, enrolment_id: str) -> dict[str, Any]:
    return {
        "enrolment_id": enrolment_id,
        "worker_id": t["worker"],
        "course_id": "course-1",
        "course_title": "Robotics",
        "hours": 8,
        "completed_on": DAY,
        "provider": "Academy",
    }


def enrolment(t: Tenant, n: int) -> dict[str, Any]:
    return {
        "enrolment_id": f"enr-{n}",
        "class_id": f"class-{t['enterprise']}",
        "worker_id": t["worker"],
        "enrolled_on": DAY,
    }


def assessment(t: Tenant) -> dict[str, Any]:
    return {
        "class_id": f"class-{t['enterprise']}",
        "enrolment_id": f"enr-{t['enterprise']}",
        "result": "pass",
        "score": 80,
        "assessed_on": DAY,
    }


def course(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "course_id": f"course-{n}",
        "school_id": f"school-{t['enterprise']}",
        "title": "PLC",
        "major": "mechatronics",
        "hours": 48,
        "target_level": "technician",
        "capacity": 40,
        "opened_on": DAY,
    }


def scheduled_class(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "class_id": f"class-{n}",
        "course_id": f"course-{t['enterprise']}",
        "starts_on": DAY,
        "session_count": 4,
    }


def attendance(t: Tenant, _: str, __: int) -> dict[str, Any]:
    return {
        "class_id": f"class-{t['enterprise']}",
        "enrolment_id": f"enr-{t['enterprise']}",
        "session_no": 2,
        "attended_on": DAY,
    }


def certificate(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "certificate_id": f"cert-{n}",
        "worker_id": t["worker"],
        "occupation": "fitter",
        "skill_level": "senior",
        "issuer_id": "bureau",
        "issuer_kind": "hr_bureau",
        "issued_on": DAY,
    }


def proposal(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "mentorship_id": f"m-{n}",
        "master_id": t["worker"],
        "apprentice_id": f"{t['worker']}-apprentice",
        "proposed_on": DAY,
    }


def achievement(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "achievement_id": f"ach-{n}",
        "worker_id": t["worker"],
        "region_id": t["region"],
        "kind": "invention_patent",
        "title": "A detector",
        "year": 2026,
        "recorded_on": DAY,
    }


def visit(t: Tenant, _: str, n: int) -> dict[str, Any]:
    return {
        "visit_id": f"visit-{n}",
        "worker_id": t["worker"],
        "host_enterprise_id": t["enterprise"],
        "services": ["training"],
        "delivered_on": DAY,
        "workers_reached": 10,
        "problems_solved": 1,
    }


def bulk(path: str, item: Callable[[Tenant, str, int], dict[str, Any]]) -> Case:
    """The batch form of a recorded command: one item, under the single command's rule."""
    return recorded(path, lambda t, w, n: {"items": [item(t, w, n)]})


def pairing_step(t: Tenant, _: str, __: int) -> dict[str, Any]:
    return {"mentorship_id": f"m-{t['enterprise']}", "on": DAY}


def studio(t: Tenant) -> str:
    return f"st-{t['enterprise']}"


CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("POST", "/completions"): recorded("/completions", lambda t, _, n: completion(t, f"enr-c-{n}")),
    ("POST", "/completions/import"): recorded(
        "/completions/import", lambda t, _, n: {"items": [completion(t, f"enr-bulk-{n}")]}
    ),
    ("POST", "/certificates"): recorded("/certificates", certificate),
    ("POST", "/certificates/import"): bulk("/certificates/import", certificate),
    ("GET", "/workers/{worker_id}"): worker_record(get("/workers/{worker}")),
    ("GET", "/workers/{worker_id}/learning-record"): worker_record(get("/workers/{worker}/learning-record")),
    ("POST", "/schools"): recorded(
        "/schools",
        lambda t, _, n: {
            "school_id": f"school-{n}",
            "name": "Craftsman school",
            "kind": "enterprise_school",
            "region_id": t["region"],
            "enterprise_id": t["enterprise"],
            "majors": ["mechatronics"],
            "registered_on": DAY,
        },
    ),
    ("POST", "/issuers"): federation(
        "/issuers",
        lambda t, _, n: {
            "issuer_id": f"{t['enterprise']}-{n}",
            "issuer_kind": "enterprise",
            "qualified_on": DAY,
        },
    ),
    ("POST", "/courses"): recorded("/courses", course),
    ("POST", "/courses/import"): bulk("/courses/import", course),
    ("POST", "/classes"): recorded("/classes", scheduled_class),
    ("POST", "/classes/import"): bulk("/classes/import", scheduled_class),
    ("POST", "/enrolments"): recorded("/enrolments", lambda t, _, n: enrolment(t, n)),
    ("POST", "/enrolments/import"): recorded(
        "/enrolments/import", lambda t, _, n: {"items": [enrolment(t, n)]}
    ),
    ("POST", "/attendances"): recorded("/attendances", attendance),
    ("POST", "/attendances/import"): bulk("/attendances/import", attendance),
    ("POST", "/assessments"): recorded("/assessments", lambda t, _, __: assessment(t)),
    ("POST", "/assessments/import"): recorded(
        "/assessments/import", lambda t, _, __: {"items": [assessment(t)]}
    ),
    ("POST", "/certificate-revocations"): recorded(
        "/certificate-revocations",
        lambda t, _, __: {
            "certificate_id": f"cert-{t['enterprise']}",
            "revoked_on": DAY,
            "reason": "forged papers",
            "revoked_by": "bureau",
        },
    ),
    ("POST", "/mentorships"): recorded("/mentorships", proposal),
    ("POST", "/mentorships/import"): bulk(
        "/mentorships/import", lambda t, w, n: {**proposal(t, w, n), "started_on": DAY}
    ),
    ("POST", "/mentorships/start"): recorded("/mentorships/start", pairing_step),
    ("POST", "/mentorships/assessments"): recorded(
        "/mentorships/assessments", lambda t, w, n: {**pairing_step(t, w, n), "passed": True}
    ),
    ("POST", "/mentorships/advances"): recorded(
        "/mentorships/advances", lambda t, w, n: {**pairing_step(t, w, n), "honour": "gold medal"}
    ),
    ("POST", "/mentorships/completions"): recorded("/mentorships/completions", pairing_step),
    ("POST", "/mentorships/terminations"): recorded(
        "/mentorships/terminations", lambda t, w, n: {**pairing_step(t, w, n), "reason": "moved"}
    ),
    ("POST", "/studios"): recorded(
        "/studios",
        lambda t, _, n: {
            "studio_id": f"st-{n}",
            "worker_id": t["worker"],
            "region_id": t["region"],
            "name": "Studio",
            "applied_on": DAY,
        },
    ),
    ("POST", "/studios/naming"): federation(
        "/studios/naming", lambda t, _, __: {"studio_id": studio(t), "named_on": DAY}
    ),
    ("POST", "/studios/funding"): federation(
        "/studios/funding",
        lambda t, _, __: {
            "studio_id": studio(t),
            "amount": "1000",
            "funded_by": "federation",
            "funded_on": DAY,
        },
    ),
    ("POST", "/studios/reviews"): federation(
        "/studios/reviews",
        lambda t, _, n: {
            "studio_id": studio(t),
            "year": 2000 + n,
            "reconfirmed": True,
            "reviewed_by": "federation",
            "reviewed_on": DAY,
        },
    ),
    ("POST", "/studios/revocations"): federation(
        "/studios/revocations",
        lambda t, _, __: {
            "studio_id": studio(t),
            "revoked_on": DAY,
            "reason": "closed",
            "revoked_by": "federation",
        },
    ),
    ("POST", "/achievements"): recorded("/achievements", achievement),
    ("POST", "/achievements/import"): bulk("/achievements/import", achievement),
    ("POST", "/visits"): recorded("/visits", visit),
    ("POST", "/visits/import"): bulk("/visits/import", visit),
    ("GET", "/workers/{worker_id}/xapi"): worker_record(get("/workers/{worker}/xapi")),
    ("GET", "/xapi/statements"): Case(get("/xapi/statements"), CITYWIDE_AND_SERVICES, CITYWIDE_AND_SERVICES),
    ("GET", "/certificates/{certificate_id}/credential"): worker_record(
        fetch(lambda t: f"/certificates/cert-{t['enterprise']}/credential")
    ),
    ("GET", "/credentials/{certificate_id}/status"): Case(
        fetch(lambda t: f"/credentials/cert-{t['enterprise']}/status"), EVERYONE, EVERYONE
    ),
    ("GET", "/classes/{class_id}/roster"): own_record(
        fetch(lambda t: f"/classes/class-{t['enterprise']}/roster")
    ),
    ("GET", "/fill-rates"): Case(get("/fill-rates"), CITYWIDE_AND_SERVICES, CITYWIDE_AND_SERVICES),
    ("GET", "/masters/{worker_id}/apprentices"): worker_record(get("/masters/{worker}/apprentices")),
    ("GET", "/innovation-counters"): Case(
        fetch(lambda _: "/innovation-counters", region_id=lambda t: t["region"]),
        own=callers("city", "county", "service"),
        foreign=CITYWIDE_AND_SERVICES,
    ),
    ("GET", "/visit-statistics"): Case(
        get("/visit-statistics"), CITYWIDE_AND_SERVICES, CITYWIDE_AND_SERVICES
    ),
}


def allow(_: Scope) -> None:
    """The seed acts as the operator: every scope is in reach."""


async def seed(db: AsyncEngine) -> None:
    workers = [(t["worker"], t["enterprise"]) for t in TENANTS.values()]
    workers += [(f"{t['worker']}-apprentice", t["enterprise"]) for t in TENANTS.values()]
    await rows(
        db,
        training_models.known_workers,
        [
            {"worker_id": worker, "enterprise_id": enterprise, "skill_level": "senior", "tier": "craftsman"}
            for worker, enterprise in workers
        ],
    )
    await rows(
        db,
        training_models.enterprises,
        [{"enterprise_id": t["enterprise"], "region_id": t["region"]} for t in TENANTS.values()],
    )
    for t in TENANTS.values():
        enterprise = t["enterprise"]
        steps: list[tuple[Any, Any]] = [
            (
                class_handlers.register_school,
                RegisterSchool(
                    school_id=f"school-{enterprise}",
                    name="Craftsman school",
                    kind=SchoolKind.ENTERPRISE_SCHOOL,
                    region_id=t["region"],
                    enterprise_id=enterprise,
                    majors=["mechatronics"],
                    registered_on=date(2026, 1, 5),
                ),
            ),
            (
                class_handlers.open_course,
                OpenCourse(
                    course_id=f"course-{enterprise}",
                    school_id=f"school-{enterprise}",
                    title="PLC",
                    major="mechatronics",
                    hours=48,
                    target_level=SkillLevel.TECHNICIAN,
                    capacity=1000,
                    opened_on=date(2026, 1, 6),
                ),
            ),
            (
                class_handlers.schedule_class,
                ScheduleClass(
                    class_id=f"class-{enterprise}",
                    course_id=f"course-{enterprise}",
                    starts_on=date(2026, 2, 1),
                    session_count=4,
                ),
            ),
            (
                class_handlers.enrol_worker,
                EnrolWorker(
                    enrolment_id=f"enr-{enterprise}",
                    class_id=f"class-{enterprise}",
                    worker_id=t["worker"],
                    enrolled_on=date(2026, 1, 20),
                ),
            ),
            (
                class_handlers.record_attendance,
                RecordAttendance(
                    class_id=f"class-{enterprise}",
                    enrolment_id=f"enr-{enterprise}",
                    session_no=1,
                    attended_on=date(2026, 2, 1),
                ),
            ),
            (
                mentoring_handlers.propose_mentorship,
                ProposeMentorship(
                    mentorship_id=f"m-{enterprise}",
                    master_id=t["worker"],
                    apprentice_id=f"{t['worker']}-apprentice",
                    proposed_on=date(2026, 1, 5),
                ),
            ),
            (
                mentoring_handlers.apply_for_studio,
                ApplyForStudio(
                    studio_id=f"st-{enterprise}",
                    worker_id=t["worker"],
                    region_id=t["region"],
                    name="Studio",
                    applied_on=date(2026, 1, 5),
                ),
            ),
        ]
        for handler, command in steps:
            await handler(unit_of_work(db, TRAINING), command, check=allow)
        await handlers.award_certificate(
            unit_of_work(db, TRAINING),
            AwardCertificate(
                certificate_id=f"cert-{enterprise}",
                worker_id=t["worker"],
                occupation="fitter",
                skill_level=SkillLevel.SENIOR,
                issuer_id="bureau",
                issuer_kind=CertificateIssuerKind.HR_BUREAU,
                issued_on=date(2026, 1, 5),
            ),
        )
    await _read_models(db)


async def _read_models(db: AsyncEngine) -> None:
    """What the reads need, as the projections would have it."""
    tenants = list(TENANTS.values())
    await rows(
        db,
        training_models.schools,
        [
            {
                "school_id": f"school-{t['enterprise']}",
                "name": "Craftsman school",
                "kind": "enterprise_school",
                "region_id": t["region"],
                "enterprise_id": t["enterprise"],
            }
            for t in tenants
        ],
    )
    await rows(
        db,
        training_models.courses,
        [
            {
                "course_id": f"course-{t['enterprise']}",
                "school_id": f"school-{t['enterprise']}",
                "title": "PLC",
                "major": "mechatronics",
                "target_level": "technician",
                "capacity": 1000,
            }
            for t in tenants
        ],
    )
    await rows(
        db,
        training_models.classes,
        [
            {
                "class_id": f"class-{t['enterprise']}",
                "course_id": f"course-{t['enterprise']}",
                "school_id": f"school-{t['enterprise']}",
                "starts_on": date(2026, 2, 1),
                "session_count": 4,
            }
            for t in tenants
        ],
    )
    await rows(
        db,
        training_models.certificates,
        [
            {
                "certificate_id": f"cert-{t['enterprise']}",
                "event_id": "0190a000-0000-7000-8000-000000000001",
                "worker_id": t["worker"],
                "occupation": "fitter",
                "skill_level": "senior",
                "issuer_id": "bureau",
                "issuer_kind": "hr_bureau",
                "issued_on": date(2026, 1, 5),
            }
            for t in tenants
        ],
    )
