"""The training rules as pure functions and aggregates: classes, certificates, mentoring, studios."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.training import (
    CourseOpened,
    MentorshipCompleted,
    SchoolKind,
    StudioRevoked,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingFailed,
)
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, TierRank
from services.training import rules
from services.training.classes import Class, Course, CourseFacts, School
from services.training.mentoring import Mentorship
from services.training.rules import TrainingRules, check_certificate
from services.training.studios import Studio

DAY = date(2026, 3, 2)


def refused(rule: str) -> pytest.RaisesExc[DomainRuleViolated]:
    return pytest.raises(DomainRuleViolated, match=f"rule {rule}")


def course(capacity: int = 2, target: SkillLevel = SkillLevel.TECHNICIAN) -> tuple[Course, CourseFacts]:
    school = School.register(
        "academy",
        name="Academy",
        kind=SchoolKind.ACADEMY,
        region_id="370700",
        enterprise_id=None,
        majors=["mechatronics"],
        registered_on=DAY,
    )
    opened = Course.open(
        school,
        CourseOpened(
            course_id="plc",
            school_id="academy",
            title="PLC",
            major="mechatronics",
            hours=48,
            target_level=target,
            capacity=capacity,
            opened_on=DAY,
        ),
    )
    return opened, opened.facts(school.name)


def scheduled(capacity: int = 2) -> tuple[Class, CourseFacts]:
    opened, facts = course(capacity)
    return Class.schedule("class-1", course=opened, starts_on=DAY, session_count=3), facts


def enrol(klass: Class, facts: CourseFacts, worker: str, level: SkillLevel = SkillLevel.SENIOR) -> None:
    klass.enrol(
        f"enr-{worker}",
        worker_id=worker,
        enterprise_id="ent-1",
        worker_level=level,
        course=facts,
        enrolled_on=DAY,
    )


def test_enrolment_records_training_enrolled_on_the_class() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    assert isinstance(klass.pending[-1], TrainingEnrolled)
    assert klass.pending[-1].course_id == "plc"


def test_enrolling_past_capacity_is_refused() -> None:
    klass, facts = scheduled(capacity=2)
    enrol(klass, facts, "w-1")
    enrol(klass, facts, "w-2")
    with refused(rules.CLASS_CAPACITY):
        enrol(klass, facts, "w-3")
    assert len(klass.places) == 2


def test_enrolling_below_the_course_level_is_refused() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-senior", SkillLevel.SENIOR)  # the level just below technician
    enrol(klass, facts, "w-tech", SkillLevel.TECHNICIAN)
    klass2, _ = scheduled()
    with refused(rules.COURSE_LEVEL):
        enrol(klass2, facts, "w-inter", SkillLevel.INTERMEDIATE)


def test_a_duplicate_enrolment_is_refused() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    with refused(rules.DUPLICATE_ENROLMENT):
        klass.enrol(
            "enr-other",
            worker_id="w-1",
            enterprise_id="ent-1",
            worker_level=SkillLevel.SENIOR,
            course=facts,
            enrolled_on=DAY,
        )


def test_completing_a_class_that_never_started_is_refused() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    with refused(rules.CLASS_NOT_STARTED):
        klass.assess("enr-w-1", passed=True, score=90, assessed_on=DAY, course=facts)


def test_assessment_pass_completes_and_fail_fails_once() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    enrol(klass, facts, "w-2")
    klass.attend("enr-w-1", session_no=1, attended_on=DAY)
    klass.assess("enr-w-1", passed=True, score=91.5, assessed_on=DAY, course=facts)
    klass.assess("enr-w-2", passed=False, score=40, assessed_on=DAY, course=facts)
    completed, failed = klass.pending[-2:]
    assert (
        isinstance(completed, TrainingCompleted)
        and completed.score == 91.5
        and completed.class_id == "class-1"
    )
    assert completed.provider == "Academy" and completed.hours == 48
    assert isinstance(failed, TrainingFailed)
    with refused(rules.ALREADY_ASSESSED):
        klass.assess("enr-w-1", passed=True, score=99, assessed_on=DAY, course=facts)
    with refused(rules.NOT_ENROLLED):
        klass.assess("enr-nobody", passed=True, score=99, assessed_on=DAY, course=facts)


def test_attendance_needs_a_session_of_the_class() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    with refused(rules.SESSION_RANGE):
        klass.attend("enr-w-1", session_no=4, attended_on=DAY)


def test_a_session_is_attended_once_per_enrolment() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    enrol(klass, facts, "w-2")
    klass.attend("enr-w-1", session_no=1, attended_on=DAY)
    klass.attend("enr-w-2", session_no=1, attended_on=DAY)  # another's first session
    klass.attend("enr-w-1", session_no=2, attended_on=DAY)
    with refused(rules.SESSION_ATTENDED):
        klass.attend("enr-w-1", session_no=1, attended_on=DAY)


def test_a_class_restored_from_its_snapshot_decides_as_its_events_do() -> None:
    klass, facts = scheduled()
    enrol(klass, facts, "w-1")
    enrol(klass, facts, "w-2")
    klass.attend("enr-w-1", session_no=2, attended_on=DAY)
    klass.assess("enr-w-2", passed=False, score=40, assessed_on=DAY, course=facts)
    state = json.loads(json.dumps(klass.snapshot_state()))  # as the store keeps it
    restored = Class.from_snapshot(klass.id, 5, state)
    assert restored.snapshot_state() == klass.snapshot_state()
    assert (restored.version, restored.workers, restored.started) == (5, {"w-1", "w-2"}, True)
    with refused(rules.SESSION_ATTENDED):
        restored.attend("enr-w-1", session_no=2, attended_on=DAY)
    with refused(rules.ALREADY_ASSESSED):
        restored.attend("enr-w-2", session_no=1, attended_on=DAY)
    with refused(rules.DUPLICATE_ENROLMENT):  # the worker, under another enrolment id
        restored.enrol(
            "enr-again",
            worker_id="w-1",
            enterprise_id="ent-1",
            worker_level=SkillLevel.SENIOR,
            course=facts,
            enrolled_on=DAY,
        )


def test_a_course_is_in_a_major_of_its_school() -> None:
    school = School.register(
        "s",
        name="S",
        kind=SchoolKind.ACADEMY,
        region_id="r",
        enterprise_id=None,
        majors=["welding"],
        registered_on=DAY,
    )
    with pytest.raises(DomainRuleViolated, match="no major"):
        Course.open(
            school,
            CourseOpened(
                course_id="c",
                school_id="s",
                title="t",
                major="baking",
                hours=1,
                target_level=SkillLevel.JUNIOR,
                capacity=1,
                opened_on=DAY,
            ),
        )


FITTER = TrainingRules(years_at_previous_level={"fitter": {SkillLevel.TECHNICIAN: 4}})


def certify(**changes: object) -> None:
    arguments: dict[str, object] = {
        "worker_id": "w-1",
        "occupation": "fitter",
        "level": SkillLevel.TECHNICIAN,
        "issued_on": date(2026, 5, 1),
        "worker_level": SkillLevel.SENIOR,
        "level_since": date(2022, 5, 1),
        "issuer_id": "ent-1",
        "issuer_kind": CertificateIssuerKind.ENTERPRISE,
        "issuer_qualified": True,
        "rules": FITTER,
    }
    check_certificate(**{**arguments, **changes})  # type: ignore[arg-type]


def test_a_certificate_needs_the_years_at_the_previous_level() -> None:
    certify()  # exactly four years
    with refused(rules.YEARS_AT_PREVIOUS_LEVEL):
        certify(level_since=date(2022, 5, 2))
    with refused(rules.YEARS_AT_PREVIOUS_LEVEL):
        certify(level_since=None)
    with refused(rules.YEARS_AT_PREVIOUS_LEVEL):
        certify(worker_level=SkillLevel.INTERMEDIATE, level_since=date(2000, 1, 1))
    certify(occupation="welder", level_since=None)  # not configured: no minimum
    certify(worker_level=SkillLevel.TECHNICIAN, level_since=None)  # above the level below


def test_a_certificate_needs_an_issuer_qualified_to_self_evaluate() -> None:
    with refused(rules.ISSUER_QUALIFIED):
        certify(issuer_qualified=False)
    certify(issuer_qualified=False, issuer_kind=CertificateIssuerKind.HR_BUREAU)


def pairing(tier: TierRank = TierRank.CRAFTSMAN) -> Mentorship:
    return Mentorship.propose(
        "m-1", master_id="w-master", master_tier=tier, apprentice_id="w-app", enterprise_id="ent-1", on=DAY
    )


@pytest.mark.parametrize("tier", [TierRank.NONE, TierRank.SEED])
def test_a_master_below_the_craftsman_tier_is_refused(tier: TierRank) -> None:
    with refused(rules.MASTER_TIER):
        pairing(tier)


def test_a_pairing_goes_proposed_active_assessed_completed() -> None:
    mentorship = pairing(TierRank.CHIEF)
    with refused(rules.MENTORSHIP_LIFECYCLE):
        mentorship.assess(DAY, passed=True, comment=None)
    mentorship.start(DAY)
    mentorship.advance(DAY, skill_level=SkillLevel.SENIOR, honour=None)
    with refused(rules.MENTORSHIP_LIFECYCLE):
        mentorship.complete(DAY)
    mentorship.assess(DAY, passed=False, comment="not yet")
    with refused(rules.MENTORSHIP_LIFECYCLE):
        mentorship.complete(DAY)
    mentorship.assess(date(2026, 9, 1), passed=True, comment=None)
    mentorship.complete(date(2027, 3, 1))
    assert isinstance(mentorship.pending[-1], MentorshipCompleted)
    assert mentorship.pending[-1].started_on == DAY
    with refused(rules.MENTORSHIP_LIFECYCLE):
        mentorship.terminate(DAY, reason="late")


def test_a_pairing_may_be_terminated_until_it_ends() -> None:
    mentorship = pairing()
    mentorship.terminate(DAY, reason="moved")
    with refused(rules.MENTORSHIP_LIFECYCLE):
        mentorship.start(DAY)


def test_an_outcome_is_a_level_or_an_honour() -> None:
    mentorship = pairing()
    mentorship.start(DAY)
    with refused(rules.MENTORSHIP_LIFECYCLE):
        mentorship.advance(DAY, skill_level=None, honour=None)


def studio() -> Studio:
    return Studio.apply_for(
        "st-1", worker_id="w-1", enterprise_id="ent-1", region_id="r", name="Wang studio", on=DAY
    )


def test_a_studio_is_named_only_after_a_city_level_craftsman() -> None:
    applied = studio()
    with refused(rules.CITY_CRAFTSMAN):
        applied.confer_name(DAY, city_titles=0)
    with refused(rules.STUDIO_LIFECYCLE):
        applied.fund(DAY, amount=Decimal(1000), funded_by="federation")
    applied.confer_name(DAY, city_titles=1)
    applied.fund(DAY, amount=Decimal(50000), funded_by="federation")
    applied.review(DAY, year=2026, reconfirmed=True, reviewed_by="federation", comment=None)
    with refused(rules.STUDIO_LIFECYCLE):
        applied.review(DAY, year=2026, reconfirmed=True, reviewed_by="federation", comment=None)
    applied.review(DAY, year=2027, reconfirmed=False, reviewed_by="federation", comment=None)
    assert isinstance(applied.pending[-1], StudioRevoked)
    assert applied.state == "revoked"
    with refused(rules.STUDIO_LIFECYCLE):
        applied.fund(DAY, amount=Decimal(1), funded_by="federation")
