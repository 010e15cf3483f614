"""The training domain: an enrolment completes once; certificates; learning records as xAPI."""

from __future__ import annotations

from datetime import date

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.training import CertificateAwarded, TrainingCompleted
from contracts.vocabulary import CertificateIssuerKind, SkillLevel
from services.training.domain import Certificate, Enrolment
from services.training.xapi import Completion, iso_duration, statement


def complete(enrolment: Enrolment, worker_id: str = "w-1") -> None:
    enrolment.complete(
        worker_id=worker_id,
        course_id="course-robotics",
        course_title="Industrial robot system operation",
        hours=16,
        completed_on=date(2026, 11, 1),
        provider="Weifang model-worker & craftsman academy",
    )


def test_completing_records_training_completed() -> None:
    enrolment = Enrolment("enr-1", tenant="ent-1")
    complete(enrolment)
    (event,) = enrolment.pending
    assert isinstance(event, TrainingCompleted)
    assert (event.enrolment_id, event.worker_id, event.hours) == ("enr-1", "w-1", 16)
    assert enrolment.completed_on == date(2026, 11, 1)


def test_an_enrolment_completes_once() -> None:
    enrolment = Enrolment("enr-1", tenant="ent-1")
    complete(enrolment)
    with pytest.raises(DomainRuleViolated, match="enrolment enr-1 was completed already"):
        complete(enrolment)
    assert len(enrolment.pending) == 1


def test_a_stored_completion_blocks_another() -> None:
    stored = Enrolment("enr-1", tenant="ent-1")
    complete(stored)
    reloaded = Enrolment("enr-1", tenant="ent-1")
    reloaded.apply(stored.pending[0])
    with pytest.raises(DomainRuleViolated, match="by worker w-1"):
        complete(reloaded, worker_id="w-2")


def test_certificate_award() -> None:
    certificate = Certificate.award(
        "cert-1",
        enterprise_id="ent-1",
        worker_id="w-1",
        occupation="Fitter",
        skill_level=SkillLevel.SENIOR,
        issuer_id="ent-1",
        issuer_kind=CertificateIssuerKind.ENTERPRISE,
        issued_on=date(2026, 11, 2),
    )
    (event,) = certificate.pending
    assert isinstance(event, CertificateAwarded)
    assert (certificate.tenant, certificate.skill_level) == ("ent-1", SkillLevel.SENIOR)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(8, "PT8H"), (1.5, "PT1H30M"), (0.25, "PT15M"), (2 + 1 / 3600, "PT2H1S"), (0.0001, "PT0S")],
)
def test_iso_duration(hours: float, expected: str) -> None:
    assert iso_duration(hours) == expected


def test_a_completion_as_an_xapi_statement() -> None:
    completion = Completion(
        event_id="0190a000-0000-7000-8000-000000000001",
        enrolment_id="enr-1",
        worker_id="w-1",
        course_id="course-robotics",
        course_title="Industrial robot system operation",
        hours=1.5,
        completed_on=date(2026, 11, 1),
        provider="Weifang academy",
    )
    xapi = statement(completion, home_page="https://hr.example")
    assert xapi["id"] == completion.event_id
    assert xapi["actor"] == {  # the account, never a person's name
        "objectType": "Agent",
        "account": {"homePage": "https://hr.example", "name": "w-1"},
    }
    assert xapi["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert xapi["object"]["id"] == "https://hr.example/courses/course-robotics"
    assert xapi["object"]["definition"]["name"] == {"und": "Industrial robot system operation"}
    assert xapi["result"] == {"completion": True, "duration": "PT1H30M"}
    assert xapi["context"]["platform"] == "Weifang academy"
    assert xapi["context"]["extensions"] == {"https://hr.example/xapi/enrolment": "enr-1"}
    assert xapi["timestamp"] == "2026-11-01T00:00:00Z"
    assert "name" not in statement(completion)["actor"]
