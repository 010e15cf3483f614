"""The "4+X" points rules: which fact earns how many points, under which caps. Pure.

The defaults follow one county's 100-point craftsman rubric (DESIGN.md section 7); every
number is configuration (`PointsRules`). A rule turns a fact into a Claim; `points_to_award`
decides, against the worker's entries still inside the validity window, how much of the
claim is new: only the rise over the best placement so far where the best counts, and
never past the rule's, its group's or its category's cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, TypeVar

from chassis.calendar import years_after
from contracts.vocabulary import COMMON_POINT_CATEGORIES, ContestLevel, SkillLevel

WORK_RESULTS, HONOURS, ACTIVITIES, VOLUNTEERING = COMMON_POINT_CATEGORIES

Mode = Literal["highest", "sum"]


@dataclass(frozen=True, slots=True)
class Claim:
    """What one fact is worth under one rule, before the caps."""

    rule: str  # e.g. "competition", "mentoring.apprentices"
    group: str  # rules sharing a cap, e.g. "mentoring"
    category: str
    points: Decimal
    mode: Mode  # "highest": only the best fact in the window counts; "sum": each fact adds


@dataclass(frozen=True, slots=True)
class Entry:
    """Points already on the worker's account."""

    rule: str
    group: str
    category: str
    points: Decimal
    earned_on: date


K = TypeVar("K")


def _d(table: Mapping[K, float | int]) -> Mapping[K, Decimal]:
    return MappingProxyType({key: Decimal(str(value)) for key, value in table.items()})


@dataclass(frozen=True, slots=True)
class PointsRules:
    window_years: int = 3
    # placement points by contest level and rank; provincial 1st is recognised directly (the cap)
    placement: Mapping[ContestLevel, Mapping[int, Decimal]] = field(
        default_factory=lambda: MappingProxyType(
            {
                ContestLevel.PROVINCE: _d({1: 20, 2: 20, 3: 15}),
                ContestLevel.CITY: _d({1: 15, 2: 12, 3: 8}),
                ContestLevel.COUNTY: _d({1: 10, 2: 8, 3: 5}),
            }
        )
    )
    # certificate points by the skill level certified (national numbering level 1 = 高级技师 … 5 = 初级工)
    certificate: Mapping[SkillLevel, Decimal] = field(
        default_factory=lambda: _d(
            {
                SkillLevel.SENIOR_TECHNICIAN: 15,
                SkillLevel.SPECIAL_TECHNICIAN: 15,
                SkillLevel.CHIEF_TECHNICIAN: 15,
                SkillLevel.TECHNICIAN: 12,
                SkillLevel.SENIOR: 10,
                SkillLevel.INTERMEDIATE: 2,
                SkillLevel.JUNIOR: 1,
            }
        )
    )
    mentoring_base: Decimal = Decimal(2)
    per_extra_apprentice: Decimal = Decimal("0.5")
    apprentice_city_honour: Decimal = Decimal(2)
    apprentice_district_honour: Decimal = Decimal(1)
    training_course: Decimal = Decimal("0.5")
    skill_service_visit: Decimal = Decimal(1)
    # innovation achievements by kind (AchievementKind values): patents weigh most
    achievement: Mapping[str, Decimal] = field(
        default_factory=lambda: _d(
            {
                "invention_patent": 5,
                "technical_innovation": 3,
                "operating_method": 3,
                "hard_problem_solved": 3,
                "entrepreneurship": 2,
            }
        )
    )
    rule_caps: Mapping[str, Decimal] = field(
        default_factory=lambda: _d(
            {
                "achievement": 15,
                "competition": 20,
                "certificate": 15,
                "mentoring.apprentices": 5,
                "mentoring.outcomes": 10,
                "training": 5,
                "skill_service": 10,
            }
        )
    )
    group_caps: Mapping[str, Decimal] = field(default_factory=lambda: _d({"mentoring": 15}))
    category_caps: Mapping[str, Decimal] = field(
        default_factory=lambda: _d({WORK_RESULTS: 30, HONOURS: 30, ACTIVITIES: 30, VOLUNTEERING: 10})
    )


DEFAULT_POINTS = PointsRules()


def competition_claim(level: ContestLevel, rank: int, rules: PointsRules) -> Claim | None:
    points = rules.placement.get(level, {}).get(rank)
    return None if points is None else Claim("competition", "competition", HONOURS, points, "highest")


def certificate_claim(level: SkillLevel, rules: PointsRules) -> Claim | None:
    points = rules.certificate.get(level)
    return None if points is None else Claim("certificate", "certificate", WORK_RESULTS, points, "highest")


def mentoring_claim(mentoring_already: bool, rules: PointsRules) -> Claim:
    """A concluded mentorship: the base for mentoring at all, then half a point per extra apprentice."""
    if not mentoring_already:
        return Claim("mentoring.base", "mentoring", ACTIVITIES, rules.mentoring_base, "highest")
    return Claim("mentoring.apprentices", "mentoring", ACTIVITIES, rules.per_extra_apprentice, "sum")


def apprentice_outcome_claim(city_level: bool, rules: PointsRules) -> Claim:
    """An apprentice won a city honour or 技师 (city_level), or a district honour or 高级工."""
    points = rules.apprentice_city_honour if city_level else rules.apprentice_district_honour
    return Claim("mentoring.outcomes", "mentoring", ACTIVITIES, points, "sum")


def apprentice_advance_claim(level: SkillLevel | None, honour: bool, rules: PointsRules) -> Claim | None:
    """An apprentice's advance under a master: 技师 or above counts as a city-level outcome,
    高级工 as a district one; an honour without its level counts as a district one (no more
    is credited than is known); a lower level earns nothing."""
    if honour:
        return apprentice_outcome_claim(False, rules)
    if level is None:
        return None
    if level.order >= SkillLevel.TECHNICIAN.order:
        return apprentice_outcome_claim(True, rules)
    if level is SkillLevel.SENIOR:
        return apprentice_outcome_claim(False, rules)
    return None


def achievement_claim(kind: str, rules: PointsRules) -> Claim | None:
    points = rules.achievement.get(kind)
    return None if points is None else Claim("achievement", "achievement", WORK_RESULTS, points, "sum")


def training_claim(rules: PointsRules) -> Claim:
    return Claim("training", "training", ACTIVITIES, rules.training_course, "sum")


def skill_service_claim(rules: PointsRules) -> Claim:
    return Claim("skill_service", "skill_service", VOLUNTEERING, rules.skill_service_visit, "sum")


def in_window(entries: Iterable[Entry], on: date, rules: PointsRules) -> list[Entry]:
    """The entries still valid on `on`: earned within the last `window_years`."""
    return [
        entry for entry in entries if entry.earned_on <= on < years_after(entry.earned_on, rules.window_years)
    ]


def points_to_award(claim: Claim, entries: Iterable[Entry], on: date, rules: PointsRules) -> Decimal:
    """How many points the claim adds now to a worker whose account holds `entries`."""
    valid = in_window(entries, on, rules)

    def total(match: str, attribute: str) -> Decimal:
        return sum((e.points for e in valid if getattr(e, attribute) == match), Decimal(0))

    so_far = total(claim.rule, "rule")
    wanted = claim.points - so_far if claim.mode == "highest" else claim.points
    room = [
        wanted,
        rules.rule_caps.get(claim.rule, claim.points) - so_far if claim.rule in rules.rule_caps else wanted,
        rules.group_caps[claim.group] - total(claim.group, "group")
        if claim.group in rules.group_caps
        else wanted,
        rules.category_caps.get(claim.category, Decimal("Infinity")) - total(claim.category, "category"),
    ]
    return max(min(room), Decimal(0))
