"""The training service's rules: pure functions of what is known, each naming its rule.

A refusal raises `DomainRuleViolated` with the rule's name, which the HTTP boundary answers
as a 422 `rule_violated` carrying that name. The numbers (years at a level per occupation,
the pass mark) are configuration (`TrainingRules`), so a stream recorded under an older
setting still loads: events are facts, the rules live here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from chassis.errors import DomainRuleViolated
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, TierRank, TitleLevel

CLASS_CAPACITY = "class_capacity"
COURSE_LEVEL = "course_level"
DUPLICATE_ENROLMENT = "duplicate_enrolment"
NOT_ENROLLED = "not_enrolled"
CLASS_NOT_STARTED = "class_not_started"
ALREADY_ASSESSED = "already_assessed"
SESSION_RANGE = "session_range"
SESSION_ATTENDED = "session_attended"
YEARS_AT_PREVIOUS_LEVEL = "years_at_previous_level"
ISSUER_QUALIFIED = "issuer_qualified"
CERTIFICATE_REVOKED = "certificate_revoked"
MASTER_TIER = "master_tier"
MENTORSHIP_LIFECYCLE = "mentorship_lifecycle"
STUDIO_LIFECYCLE = "studio_lifecycle"
CITY_CRAFTSMAN = "city_craftsman"

MASTER_MIN_TIER = TierRank.CRAFTSMAN
"""A master (师傅) holds at least the craftsman tier (工匠)."""

CITY_TITLES: frozenset[TitleLevel] = frozenset(
    {TitleLevel.CITY, TitleLevel.CITY_GOLD, TitleLevel.PROVINCE, TitleLevel.PROVINCE_GRAND, TitleLevel.NATION}
)
"""Titles that make a city-level craftsman (潍坊工匠 and above), who may give a studio its name."""


YearsAtPreviousLevel = Mapping[SkillLevel, int]
"""For a level, the years a worker must have held the level below it (a level not named: none)."""

DESIGN_YEARS_AT_PREVIOUS_LEVEL: YearsAtPreviousLevel = {
    SkillLevel.JUNIOR: 1,  # 初级: 1 year (or a finished apprenticeship)
    SkillLevel.INTERMEDIATE: 2,  # 中级: +2
    SkillLevel.SENIOR: 4,  # 高级: +4
    SkillLevel.TECHNICIAN: 4,  # 技师: +4
    SkillLevel.SENIOR_TECHNICIAN: 4,  # 高级技师: +4
}
"""The defaults of DESIGN.md section 7; the service's configuration (services/training/settings.py)
starts from them and may change them, for every occupation or for one."""


@dataclass(frozen=True, slots=True)
class TrainingRules:
    """The configurable numbers of the rules (none here by default: configuration brings them)."""

    # Per occupation, the years per level (a level the occupation does not name takes the
    # default's); every other occupation takes `default_years_at_previous_level`.
    years_at_previous_level: Mapping[str, YearsAtPreviousLevel] = field(default_factory=dict)
    default_years_at_previous_level: YearsAtPreviousLevel = field(default_factory=dict)

    def years_for(self, occupation: str, level: SkillLevel) -> int:
        own = self.years_at_previous_level.get(occupation, {})
        return own.get(level, self.default_years_at_previous_level.get(level, 0))


DEFAULT_RULES = TrainingRules()


def refuse(rule: str, message: str) -> DomainRuleViolated:
    return DomainRuleViolated(f"{message} (rule {rule})", rule=rule)


# --- classes ---------------------------------------------------------------------------------


def check_enrolment(
    *,
    class_id: str,
    worker_id: str,
    worker_level: SkillLevel,
    target_level: SkillLevel,
    enrolled_workers: frozenset[str] | set[str],
    capacity: int,
) -> None:
    """A worker enrols once per class, while places remain, from the level just below the
    course's target or higher."""
    if worker_id in enrolled_workers:
        raise refuse(DUPLICATE_ENROLMENT, f"worker {worker_id} is enrolled in class {class_id} already")
    if len(enrolled_workers) >= capacity:
        raise refuse(CLASS_CAPACITY, f"class {class_id} is full ({capacity} places)")
    if worker_level.order < target_level.order - 1:
        raise refuse(
            COURSE_LEVEL,
            f"worker {worker_id} is {worker_level}; the course trains for {target_level}, "
            f"which needs at least {list(SkillLevel)[target_level.order - 1]}",
        )


def check_attendance(
    *, class_id: str, enrolled: bool, assessed: bool, session_no: int, sessions: int, attended: bool
) -> None:
    """A session is attended once per enrolment (a register sent again records nothing twice)."""
    if not enrolled:
        raise refuse(NOT_ENROLLED, f"no such enrolment in class {class_id}")
    if assessed:
        raise refuse(ALREADY_ASSESSED, f"the enrolment in class {class_id} was assessed already")
    if not 1 <= session_no <= sessions:
        raise refuse(SESSION_RANGE, f"class {class_id} has sessions 1 to {sessions}, not {session_no}")
    if attended:
        raise refuse(SESSION_ATTENDED, f"session {session_no} of class {class_id} was attended already")


def check_assessment(*, class_id: str, enrolled: bool, assessed: bool, started: bool) -> None:
    """A completion is assessed once, for an enrolled worker, in a class that has started
    (a session was attended)."""
    if not enrolled:
        raise refuse(NOT_ENROLLED, f"no such enrolment in class {class_id}")
    if assessed:
        raise refuse(ALREADY_ASSESSED, f"the enrolment in class {class_id} was assessed already")
    if not started:
        raise refuse(CLASS_NOT_STARTED, f"class {class_id} never started: no session was attended")


# --- certificates ----------------------------------------------------------------------------


def whole_years_between(start: date, end: date) -> int:
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


def check_certificate(
    *,
    worker_id: str,
    occupation: str,
    level: SkillLevel,
    issued_on: date,
    worker_level: SkillLevel,
    level_since: date | None,
    issuer_id: str,
    issuer_kind: CertificateIssuerKind,
    issuer_qualified: bool,
    rules: TrainingRules,
) -> None:
    """The issuer is qualified to self-evaluate (an HR bureau always is); the worker held the
    level below for the occupation's minimum years. `level_since` is when the worker reached
    `worker_level` (None: not known); a worker above the level below held it before that."""
    if issuer_kind is not CertificateIssuerKind.HR_BUREAU and not issuer_qualified:
        raise refuse(ISSUER_QUALIFIED, f"issuer {issuer_id} is not qualified to self-evaluate skill levels")
    years = rules.years_for(occupation, level)
    if years <= 0 or level.order == 0:
        return
    below = list(SkillLevel)[level.order - 1]
    if worker_level.order > below.order:
        return
    held = (
        0 if worker_level is not below or level_since is None else whole_years_between(level_since, issued_on)
    )
    if held < years:
        since = f"held since {level_since}" if worker_level is below and level_since else f"is {worker_level}"
        raise refuse(
            YEARS_AT_PREVIOUS_LEVEL,
            f"a {occupation} certificate at {level} needs {years} years at {below}; worker {worker_id} {since}",
        )


# --- mentoring and studios -------------------------------------------------------------------


def check_master(worker_id: str, tier: TierRank) -> None:
    if tier.order < MASTER_MIN_TIER.order:
        raise refuse(
            MASTER_TIER, f"master {worker_id} holds tier {tier}; a master needs at least {MASTER_MIN_TIER}"
        )


def check_city_craftsman(worker_id: str, city_titles: int) -> None:
    if city_titles <= 0:
        raise refuse(
            CITY_CRAFTSMAN,
            f"worker {worker_id} holds no city-level craftsman title; a studio is named after one",
        )


def check_step(rule: str, what: str, state: str, allowed: tuple[str, ...], step: str) -> None:
    """A lifecycle moves only from the states listed for its step."""
    if state not in allowed:
        raise refuse(rule, f"{what} is {state}; {step} needs it {' or '.join(allowed)}")
