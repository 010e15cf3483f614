"""Training through Kafka with the registry and rewards, four service processes on real Kafka
and Postgres: a class's passed assessment reaches rewards' points, a certificate reaches the
registry as SkillLevelCertified."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.topics import REWARDS_EVENTS
from demo.city import ENTERPRISES, DemoWorker
from demo.story import City
from deploy.infra import Infrastructure
from tests.e2e.conftest import RunningCity
from tests.kafka_support import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

WORKER = DemoWorker("li-na", "weichai-power", "李娜 Li Na", "fitter", "senior", False, 80.0)
ENTERPRISE = next(e for e in ENTERPRISES if e.enterprise_id == WORKER.enterprise_id)
DAY = "2026-09-01"


async def _event(city: City, path: str, body: dict[str, Any], event_type: str) -> str:
    answer = await city.command("training", path, body, path)
    return next(str(e["event_id"]) for e in answer["events"] if e["event_type"] == event_type)


def _points_for(value: bytes, source_event_id: str) -> bool:
    envelope = json.loads(value)
    return bool(
        envelope["event_type"] == "PointsAwarded"
        and envelope["payload"]["source_event_id"] == source_event_id
    )


async def test_a_completion_reaches_rewards_and_a_certificate_reaches_the_registry(
    city: City, running_city: RunningCity, infra: Infrastructure, service_logs: None
) -> None:
    await city.register_enterprise(ENTERPRISE)
    await city.register_worker(WORKER)
    await city.wait_known(WORKER, services=("training",))
    worker_id, academy, course, klass = (city.id(x) for x in (WORKER.worker_id, "academy", "plc", "plc-1"))
    await city.command(
        "training",
        "/schools",
        {
            "school_id": academy,
            "name": "潍坊市劳模工匠学院",
            "kind": "academy",
            "region_id": ENTERPRISE.region_id,
            "majors": ["智能制造"],
            "registered_on": DAY,
        },
        "register the academy",
    )
    await city.command(
        "training",
        "/courses",
        {
            "course_id": course,
            "school_id": academy,
            "title": "PLC高级编程",
            "major": "智能制造",
            "hours": 48,
            "target_level": "technician",
            "capacity": 40,
            "opened_on": DAY,
        },
        "open a course",
    )
    await city.command(
        "training",
        "/classes",
        {"class_id": klass, "course_id": course, "starts_on": DAY, "session_count": 2},
        "class",
    )
    enrolment = {"enrolment_id": city.id("enr-li-na"), "class_id": klass}
    await city.command(
        "training", "/enrolments", {**enrolment, "worker_id": worker_id, "enrolled_on": DAY}, "enrol"
    )
    await city.command(
        "training", "/attendances", {**enrolment, "session_no": 1, "attended_on": DAY}, "attend"
    )
    completed = await _event(
        city,
        "/assessments",
        {**enrolment, "result": "pass", "score": 86, "assessed_on": "2026-10-30"},
        "TrainingCompleted",
    )
    await city.qualify_issuer(WORKER.enterprise_id)
    await city.certify(WORKER, "technician", issuer_id=WORKER.enterprise_id)

    profile = await city.wait_profile(
        WORKER, "certified technician", lambda p: p["skill_level"] == "technician"
    )
    story = [entry["event_type"] for entry in profile["story"]]
    assert "SkillLevelCertified" in story and "TrainingCompleted" in story
    assert profile["trainings"] == 1

    records = await read_topic(
        infra.kafka_bootstrap,
        running_city.topic(REWARDS_EVENTS),
        until=lambda got: any(_points_for(r.value, completed) for r in got),
        timeout=90,
    )
    awarded = json.loads(next(r.value for r in records if _points_for(r.value, completed)))
    assert awarded["payload"]["worker_id"] == worker_id
    assert awarded["payload"]["rule"] == "training"

    # Training learned the new level back from the registry: the learning record exports it.
    async def knows_the_level() -> bool:
        known = await city.read("training", f"/workers/{worker_id}")
        return known is not None and known["skill_level"] == "technician"

    await city.wait_for("training knows the certified level", knows_the_level)

    async def statements() -> list[dict[str, Any]] | None:
        answer = await city.read("training", f"/workers/{worker_id}/xapi")
        found: list[dict[str, Any]] = [] if answer is None else answer["statements"]
        return found if len(found) == 2 else None

    exported = await city.wait_for("the learning record as xAPI", statements)
    assert sorted(s["verb"]["display"]["en-US"] for s in exported) == ["attended", "passed"]
