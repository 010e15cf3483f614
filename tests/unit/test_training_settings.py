"""The years at the previous level are configuration: DESIGN.md's defaults unless the
environment says otherwise, for every occupation or for one."""

from __future__ import annotations

from datetime import date

import pytest

from chassis.errors import DomainRuleViolated
from contracts.vocabulary import CertificateIssuerKind, SkillLevel
from services.training.rules import check_certificate
from services.training.settings import TrainingSettings


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the shell running the tests configured (a demo's `{}`), each test starts from none."""
    monkeypatch.delenv("CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL", raising=False)
    monkeypatch.delenv("CRAFTSMAN_TRAINING_YEARS_BY_OCCUPATION", raising=False)


def test_the_defaults_are_the_design_years() -> None:
    rules = TrainingSettings().rules()
    years = {level: rules.years_for("fitter", level) for level in SkillLevel}
    assert years == {
        SkillLevel.APPRENTICE: 0,
        SkillLevel.JUNIOR: 1,
        SkillLevel.INTERMEDIATE: 2,
        SkillLevel.SENIOR: 4,
        SkillLevel.TECHNICIAN: 4,
        SkillLevel.SENIOR_TECHNICIAN: 4,
        SkillLevel.SPECIAL_TECHNICIAN: 0,
        SkillLevel.CHIEF_TECHNICIAN: 0,
    }


def test_the_environment_sets_them_for_every_occupation_or_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL", '{"senior": 3, "technician": 5}')
    monkeypatch.setenv("CRAFTSMAN_TRAINING_YEARS_BY_OCCUPATION", '{"welder": {"technician": 6}}')
    rules = TrainingSettings().rules()

    assert rules.years_for("fitter", SkillLevel.TECHNICIAN) == 5
    assert rules.years_for("welder", SkillLevel.TECHNICIAN) == 6
    assert rules.years_for("welder", SkillLevel.SENIOR) == 3  # a level the occupation does not name
    assert rules.years_for("welder", SkillLevel.JUNIOR) == 0  # the environment's map replaced the defaults


def test_none_configured_means_no_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    certificate = {
        "worker_id": "w-1",
        "occupation": "fitter",
        "level": SkillLevel.TECHNICIAN,
        "issued_on": date(2026, 5, 1),
        "worker_level": SkillLevel.SENIOR,
        "level_since": None,  # no level history known
        "issuer_id": "bureau",
        "issuer_kind": CertificateIssuerKind.HR_BUREAU,
        "issuer_qualified": True,
    }
    with pytest.raises(DomainRuleViolated):
        check_certificate(**certificate, rules=TrainingSettings().rules())  # type: ignore[arg-type]
    monkeypatch.setenv("CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL", "{}")
    check_certificate(**certificate, rules=TrainingSettings().rules())  # type: ignore[arg-type]
