"""The training service's endpoints: who reaches what."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.training import read_models as training_models
from tests.integration.access.common import (
    CITYWIDE_AND_SERVICES,
    OPERATIONS,
    RECORDERS,
    TENANTS,
    Case,
    get,
    post,
    rows,
)

CASES: dict[tuple[str, str], Case] = {
    **OPERATIONS,
    ("POST", "/completions"): Case(
        post(
            "/completions",
            lambda t, _, n: {
                "enrolment_id": f"enr-{n}",
                "worker_id": t["worker"],
                "course_id": "course-1",
                "course_title": "Robotics",
                "hours": 8,
                "completed_on": "2026-05-01",
                "provider": "Academy",
            },
        ),
        own=RECORDERS,
        foreign=CITYWIDE_AND_SERVICES,
    ),
    ("POST", "/completions/import"): Case(
        post(
            "/completions/import",
            lambda t, _, n: {
                "items": [
                    {
                        "enrolment_id": f"enr-bulk-{n}",
                        "worker_id": t["worker"],
                        "course_id": "course-1",
                        "course_title": "Robotics",
                        "hours": 8,
                        "completed_on": "2026-05-01",
                        "provider": "Academy",
                    }
                ]
            },
        ),
        own=RECORDERS,
        foreign=CITYWIDE_AND_SERVICES,
    ),
    ("POST", "/certificates"): Case(
        post(
            "/certificates",
            lambda t, _, n: {
                "certificate_id": f"cert-{n}",
                "worker_id": t["worker"],
                "occupation": "fitter",
                "skill_level": "senior",
                "issuer_id": "bureau",
                "issuer_kind": "hr_bureau",
                "issued_on": "2026-05-01",
            },
        ),
        own=RECORDERS,
        foreign=CITYWIDE_AND_SERVICES,
    ),
    ("GET", "/workers/{worker_id}"): Case(
        get("/workers/{worker}"), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
    ("GET", "/workers/{worker_id}/learning-record"): Case(
        get("/workers/{worker}/learning-record"), own=RECORDERS, foreign=CITYWIDE_AND_SERVICES, hide=True
    ),
}


async def seed(db: AsyncEngine) -> None:
    await rows(
        db,
        training_models.known_workers,
        [
            {
                "worker_id": t["worker"],
                "enterprise_id": t["enterprise"],
                "skill_level": "senior",
            }
            for t in TENANTS.values()
        ],
    )
