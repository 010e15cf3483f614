"""Training's batch endpoints on a real database (SQLite and Postgres): each item is accepted or
refused by the rule of its single endpoint, a duplicate in one batch is refused, a batch sent
again accepts nothing twice, an item is stored whole or not at all, and a caller out of scope of
any item is refused the whole batch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Principal, Role
from chassis.db import session_factory
from chassis.eventstore.schema import events, snapshots
from services.training.read_models import known_workers
from services.training.service import SPEC
from tests.integration.test_training_academy import (
    DAY,
    ENTERPRISE,
    a_class,
    accepted,
    enrolment,
    with_known_workers,
)
from tests.service_support import count_rows, http_client, stored_envelopes

pytestmark = pytest.mark.postgres


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncEngine:
    return await with_known_workers(engine)


@pytest.fixture
async def client(db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(db, SPEC) as client:
        yield client


async def imported(client: httpx.AsyncClient, path: str, items: list[dict[str, Any]]) -> list[str]:
    """Each item's answer: "accepted" with its event types, or its reason."""
    answer = await client.post(path, json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["accepted"] + body["refused"] == len(items)
    return [
        ",".join(e["event_type"] for e in item["events"]) if item["status"] == "accepted" else item["reason"]
        for item in body["items"]
    ]


async def resent_changes_nothing(
    db: AsyncEngine, client: httpx.AsyncClient, path: str, items: list[dict[str, Any]]
) -> list[str]:
    before = await count_rows(db, events)
    answer = await client.post(path, json={"items": items})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 0
    assert await count_rows(db, events) == before
    return [item["reason"] for item in answer.json()["items"]]


def course(n: int, major: str = "mechatronics", school: str = "academy") -> dict[str, Any]:
    return {
        "course_id": f"course-{n}",
        "school_id": school,
        "title": "PLC",
        "major": major,
        "hours": 48,
        "target_level": "technician",
        "capacity": 40,
        "opened_on": DAY,
    }


def klass(n: int, course_n: int) -> dict[str, Any]:
    return {"class_id": f"class-{n}", "course_id": f"course-{course_n}", "starts_on": DAY, "session_count": 8}


async def test_courses_and_classes_in_bulk(db: AsyncEngine, client: httpx.AsyncClient) -> None:
    await a_class(client)  # the academy (mechatronics), course plc, class-1
    courses = [course(1), course(2, major="cooking"), course(1), course(3, school="school-9"), course(4)]
    answers = await imported(client, "/courses/import", courses)
    assert answers[0] == answers[4] == "CourseOpened"
    assert "teaches no major" in answers[1]
    assert answers[2] == "course course-1 is open already"
    assert "school school-9 is not registered" in answers[3]
    await resent_changes_nothing(db, client, "/courses/import", [courses[0], courses[4]])

    classes = [
        klass(2, 1),
        klass(3, 4),
        klass(2, 4),
        klass(4, 2),
        klass(1, 1),
        {**klass(5, 1), "session_count": 0},
    ]
    answers = await imported(client, "/classes/import", classes)
    assert answers[0] == answers[1] == "ClassScheduled"
    assert answers[2] == "class class-2 is scheduled already"
    assert "course course-2 was never opened" in answers[3]
    assert answers[4] == "class class-1 is scheduled already"
    assert answers[5].startswith("invalid: session_count")
    await resent_changes_nothing(db, client, "/classes/import", classes[:2])


def attendance(worker: str, session_no: int, class_id: str = "class-1") -> dict[str, Any]:
    return {
        "class_id": class_id,
        "enrolment_id": f"enr-{worker}-0",
        "session_no": session_no,
        "attended_on": DAY,
    }


async def test_a_register_of_many_sessions_appends_to_its_class_in_order(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await a_class(client, capacity=3)
    await imported(client, "/enrolments/import", [enrolment("w-senior"), enrolment("w-senior2")])
    register = [attendance(worker, n) for n in (1, 2, 3) for worker in ("w-senior", "w-senior2")]
    items = [
        *register,
        attendance("w-senior", 2),  # the same session again in one batch
        attendance("w-senior", 4),  # the class has three
        attendance("w-inter", 1),  # not enrolled
        attendance("w-senior", 1, class_id="class-9"),
        {**attendance("w-senior", 3), "session_no": "third"},
    ]
    answers = await imported(client, "/attendances/import", items)
    assert answers[:6] == ["SessionAttended"] * 6
    assert "session_attended" in answers[6]
    assert "session_range" in answers[7]
    assert "not_enrolled" in answers[8]
    assert "never scheduled" in answers[9]
    assert answers[10].startswith("invalid: session_no")
    stream = await stored_envelopes(db, "Class", "class-1")
    attended = [(e.payload["enrolment_id"], e.payload["session_no"]) for e in stream[-6:]]
    assert attended == [(i["enrolment_id"], i["session_no"]) for i in register]
    assert [e.stream_version for e in stream] == list(range(1, len(stream) + 1))

    reasons = await resent_changes_nothing(db, client, "/attendances/import", register)
    assert all("session_attended" in reason for reason in reasons)


async def test_a_long_register_loads_from_the_class_snapshot(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    workers = [f"w-extra-{n}" for n in range(20)]
    async with session_factory(db)() as session, session.begin():
        await session.execute(
            insert(known_workers),
            [
                {"worker_id": w, "enterprise_id": ENTERPRISE, "skill_level": "senior", "tier": "none"}
                for w in workers
            ],
        )
    await a_class(client, capacity=20)
    await imported(client, "/enrolments/import", [enrolment(w) for w in workers])
    register = [attendance(w, n) for n in (1, 2, 3) for w in workers]
    assert await imported(client, "/attendances/import", register[:40]) == ["SessionAttended"] * 40
    assert await count_rows(db, snapshots) == 1  # the class crossed 50 events (1 + 20 + 40)
    answers = await imported(client, "/attendances/import", register)  # loaded from the snapshot on
    assert all("session_attended" in answer for answer in answers[:40])
    assert answers[40:] == ["SessionAttended"] * 20


async def test_the_single_attendance_refuses_a_session_attended_already(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await a_class(client)
    await imported(client, "/enrolments/import", [enrolment("w-senior")])
    await accepted(client, "/attendances", attendance("w-senior", 1))
    answer = await client.post("/attendances", json=attendance("w-senior", 1))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["rule"] == "session_attended"


def certificate(worker: str, n: int, issuer: str = ENTERPRISE) -> dict[str, Any]:
    return {
        "certificate_id": f"cert-{n}",
        "worker_id": worker,
        "occupation": "fitter",
        "skill_level": "technician",
        "issuer_id": issuer,
        "issuer_kind": "enterprise",
        "issued_on": "2026-05-01",
    }


async def test_certificates_in_bulk_follow_the_single_award_rules(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    async with session_factory(db)() as session, session.begin():
        await session.execute(known_workers.update().values(level_since=date(2020, 1, 1)))
    await accepted(
        client,
        "/issuers",
        {"issuer_id": ENTERPRISE, "issuer_kind": "enterprise", "qualified_on": "2025-01-01"},
    )
    items = [
        certificate("w-senior", 1),
        certificate("w-senior2", 2, issuer="ent-unqualified"),
        certificate("w-senior3", 1),  # the id of the first
        certificate("w-nobody", 4),
        certificate("w-senior3", 5),
    ]
    answers = await imported(client, "/certificates/import", items)
    assert answers[0] == answers[4] == "CertificateAwarded"
    assert "issuer_qualified" in answers[1]
    assert answers[2] == "certificate cert-1 is awarded already"
    assert "not known" in answers[3]
    reasons = await resent_changes_nothing(db, client, "/certificates/import", [items[0], items[4]])
    assert reasons == ["certificate cert-1 is awarded already", "certificate cert-5 is awarded already"]


def achievement(worker: str, n: int) -> dict[str, Any]:
    return {
        "achievement_id": f"ach-{n}",
        "worker_id": worker,
        "region_id": "370700",
        "kind": "technical_innovation",
        "title": f"jig {n}",
        "year": 2026,
        "recorded_on": DAY,
        "economic_benefit": "1200.50",
    }


def visit(n: int, team: list[str]) -> dict[str, Any]:
    return {
        "visit_id": f"visit-{n}",
        "worker_id": "w-senior",
        "team_ids": team,
        "host_enterprise_id": ENTERPRISE,
        "services": ["problem_solving"],
        "delivered_on": DAY,
        "workers_reached": 30,
        "problems_solved": 2,
    }


async def test_achievements_and_visits_in_bulk(db: AsyncEngine, client: httpx.AsyncClient) -> None:
    items = [achievement("w-senior", 1), achievement("w-nobody", 2), achievement("w-inter", 1)]
    items.append({**achievement("w-inter", 3), "kind": "poem"})
    answers = await imported(client, "/achievements/import", items)
    assert answers[0] == "AchievementRecorded"
    assert "not known" in answers[1]
    assert answers[2] == "achievement ach-1 is recorded already"
    assert answers[3].startswith("invalid: kind")
    await resent_changes_nothing(db, client, "/achievements/import", items[:1])

    before = await count_rows(db, events)
    visits = [visit(1, ["w-senior2"]), visit(2, ["w-senior2", "w-nobody"]), visit(1, [])]
    answers = await imported(client, "/visits/import", visits)
    assert answers[0] == "SkillServiceDelivered"
    assert "w-nobody" in answers[1]  # the whole visit refused for one unknown member
    assert answers[2] == "visit visit-1 is recorded already"
    assert await count_rows(db, events) == before + 1
    await resent_changes_nothing(db, client, "/visits/import", visits[:1])


def pairing(n: int, master: str, apprentice: str, started: bool = True) -> dict[str, Any]:
    item = {"mentorship_id": f"m-{n}", "master_id": master, "apprentice_id": apprentice, "proposed_on": DAY}
    return {**item, "started_on": DAY} if started else item


async def test_pairings_in_bulk_are_proposed_and_started_whole(
    db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    items = [
        pairing(1, "w-senior", "w-senior2"),
        pairing(2, "w-senior", "w-senior3", started=False),
        pairing(3, "w-inter", "w-senior2"),  # the master is only a seed
        pairing(1, "w-senior", "w-inter"),
        pairing(4, "w-senior", "w-senior"),
    ]
    answers = await imported(client, "/mentorships/import", items)
    assert answers[0] == "MentorshipProposed,MentorshipStarted"
    assert answers[1] == "MentorshipProposed"
    assert "master_tier" in answers[2]
    assert answers[3] == "mentorship m-1 is proposed already"
    assert "own apprentice" in answers[4]
    assert [e.event_type for e in await stored_envelopes(db, "Mentorship", "m-4")] == []
    await resent_changes_nothing(db, client, "/mentorships/import", items[:2])
    (started,) = await accepted(client, "/mentorships/start", {"mentorship_id": "m-2", "on": DAY})
    assert started["event_type"] == "MentorshipStarted"


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("/courses/import", course(1)),
        ("/classes/import", {**klass(2, 1), "course_id": "plc"}),
        ("/attendances/import", attendance("w-senior", 1)),
        ("/certificates/import", certificate("w-senior", 1)),
        ("/achievements/import", achievement("w-senior", 1)),
        ("/visits/import", visit(1, [])),
        ("/mentorships/import", pairing(1, "w-senior", "w-senior2")),
    ],
)
async def test_a_caller_out_of_scope_of_one_item_is_refused_the_batch(
    db: AsyncEngine, path: str, item: dict[str, Any]
) -> None:
    async with http_client(db, SPEC) as city:
        await a_class(city)
        await imported(city, "/enrolments/import", [enrolment("w-senior")])
        await accepted(
            city,
            "/issuers",
            {"issuer_id": ENTERPRISE, "issuer_kind": "enterprise", "qualified_on": "2025-01-01"},
        )
    other_hr = Principal(Role.ENTERPRISE_HR, "haier-hr", enterprise_id="haier")
    async with http_client(db, SPEC, other_hr) as client:
        before = await count_rows(db, events)
        answer = await client.post(path, json={"items": [item]})
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden"
        assert await count_rows(db, events) == before
