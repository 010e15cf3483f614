"""The enterprise ladder's rules: seed craftsman → craftsman → chief craftsman. Pure.

Every number is a default (DESIGN.md section 7) that a region or an enterprise may set
otherwise; the rules take them as `LadderRules`. A refusal is returned as the rule's words,
so the command that broke it can answer with them and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from chassis.calendar import months_between, years_after
from contracts.vocabulary import HELD_TIER_RANKS, SkillLevel, TierRank


@dataclass(frozen=True, slots=True)
class TierFloor:
    """What a worker needs to enter a tier."""

    min_skill: SkillLevel
    min_points: Decimal  # the worker's valid 4+X total
    min_months_below: int  # time held in the tier below (0 for the first tier)


def _default_floors() -> Mapping[TierRank, TierFloor]:
    return MappingProxyType(
        {
            TierRank.SEED: TierFloor(SkillLevel.INTERMEDIATE, Decimal(0), 0),
            TierRank.CRAFTSMAN: TierFloor(SkillLevel.SENIOR, Decimal(60), 12),
            TierRank.CHIEF: TierFloor(SkillLevel.TECHNICIAN, Decimal(80), 24),
        }
    )


@dataclass(frozen=True, slots=True)
class LadderRules:
    floors: Mapping[TierRank, TierFloor] = field(default_factory=_default_floors)
    term_years: int = 3  # a tier is held for a term, reviewed each year within it


DEFAULT_LADDER = LadderRules()


@dataclass(frozen=True, slots=True)
class Standing:
    """What the registry knows of a worker on a given day."""

    skill_level: SkillLevel
    points: Decimal
    tier: TierRank
    tier_since: date | None  # when the current tier took effect


def promotion_refusal(standing: Standing, to_rank: TierRank, on: date, rules: LadderRules) -> str | None:
    """Why `standing` may not enter `to_rank` on `on`, or None when it may."""
    if to_rank not in HELD_TIER_RANKS:
        return f"{to_rank} is not a tier a worker can hold"
    if to_rank.order != standing.tier.order + 1:
        return f"the ladder goes one tier at a time: from {standing.tier} the next is not {to_rank}"
    floor = rules.floors[to_rank]
    if standing.skill_level.order < floor.min_skill.order:
        return f"{to_rank} needs skill level {floor.min_skill} or above; the worker is {standing.skill_level}"
    if standing.points < floor.min_points:
        return f"{to_rank} needs {floor.min_points} points; the worker has {standing.points}"
    if floor.min_months_below and (
        standing.tier_since is None or months_between(standing.tier_since, on) < floor.min_months_below
    ):
        return f"{to_rank} needs {floor.min_months_below} months as {standing.tier} first"
    return None


def due_promotion(standing: Standing, on: date, rules: LadderRules) -> TierRank | None:
    """The next tier the worker qualifies for on `on`, if any (one step up)."""
    if standing.tier is TierRank.CHIEF:
        return None
    following = list(TierRank)[standing.tier.order + 1]
    return following if promotion_refusal(standing, following, on, rules) is None else None


def term_ends(since: date, rules: LadderRules) -> date:
    """The day a tier's term that began on `since` ends."""
    return years_after(since, rules.term_years)


def yearly_review_due(since: date, reviewed_year: int | None, on: date) -> bool:
    """Whether something held since `since` is due its annual review on `on`: the year's
    anniversary has come, and no review of that year is recorded (a second sweep finds none)."""
    return (
        on.year > since.year
        and years_after(since, on.year - since.year) <= on
        and (reviewed_year or 0) < on.year
    )


def tier_review_due(since: date, reviewed_year: int | None, on: date, rules: LadderRules) -> bool:
    """A tier is due on its anniversary, and at the end of its term (when it expires)."""
    return on >= term_ends(since, rules) or yearly_review_due(since, reviewed_year, on)


def review_refusal(standing: Standing, on: date, rules: LadderRules) -> str | None:
    """At the annual review: why the held tier lapses (its floor is no longer met), or None."""
    if standing.tier is TierRank.NONE:
        return "the worker holds no tier to review"
    floor = rules.floors[standing.tier]
    if standing.skill_level.order < floor.min_skill.order:
        return f"{standing.tier} needs skill level {floor.min_skill}; the worker is {standing.skill_level}"
    if standing.points < floor.min_points:
        return f"{standing.tier} needs {floor.min_points} points; the worker has {standing.points}"
    return None
