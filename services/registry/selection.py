"""Selection above the enterprise: titles, their prerequisites, quotas and the review pipeline. Pure.

nominated → screened → expert-reviewed → site-inspected → publicised (≥ 5 working days,
objections may be raised) → conferred, or rejected at any step. Every number is a default
that a region may set otherwise (`SelectionRules`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from statistics import fmean
from types import MappingProxyType

from chassis.calendar import working_days_between, years_after
from contracts.vocabulary import TierRank, TitleLevel
from services.registry.ladder import yearly_review_due


class Stage(StrEnum):
    """Where a nomination stands; each step is one command with its own rule."""

    NOMINATED = "nominated"
    SCREENED = "screened"
    EXPERT_REVIEWED = "expert_reviewed"
    SITE_INSPECTED = "site_inspected"
    PUBLICISED = "publicised"
    CONFERRED = "conferred"
    REJECTED = "rejected"


NEXT_STAGE: Mapping[Stage, Stage] = MappingProxyType(
    {
        Stage.NOMINATED: Stage.SCREENED,
        Stage.SCREENED: Stage.EXPERT_REVIEWED,
        Stage.EXPERT_REVIEWED: Stage.SITE_INSPECTED,
        Stage.SITE_INSPECTED: Stage.PUBLICISED,
        Stage.PUBLICISED: Stage.CONFERRED,
    }
)

TITLE_NAMES: Mapping[TitleLevel, str] = MappingProxyType(
    {
        TitleLevel.COUNTY: "县级工匠",
        TitleLevel.CITY: "潍坊工匠",
        TitleLevel.CITY_GOLD: "潍坊金牌工匠",
        TitleLevel.PROVINCE: "齐鲁工匠",
        TitleLevel.PROVINCE_GRAND: "齐鲁大工匠",
        TitleLevel.NATION: "大国工匠",
    }
)

# The level a candidate must hold first. County craftsmen come from the enterprise tiers.
PREREQUISITE: Mapping[TitleLevel, TitleLevel] = MappingProxyType(
    {
        TitleLevel.CITY: TitleLevel.COUNTY,
        TitleLevel.CITY_GOLD: TitleLevel.CITY,  # chosen only from city craftsmen
        TitleLevel.PROVINCE: TitleLevel.CITY,
        TitleLevel.PROVINCE_GRAND: TitleLevel.PROVINCE,
        TitleLevel.NATION: TitleLevel.PROVINCE,
    }
)


def _default_quotas() -> Mapping[TitleLevel, int]:
    return MappingProxyType(
        {
            TitleLevel.COUNTY: 120,
            TitleLevel.CITY: 100,  # 100 a year since 2024, 50 before
            TitleLevel.CITY_GOLD: 10,
            TitleLevel.PROVINCE: 20,
            TitleLevel.PROVINCE_GRAND: 5,
            TitleLevel.NATION: 1,
        }
    )


@dataclass(frozen=True, slots=True)
class SelectionRules:
    quotas: Mapping[TitleLevel, int] = field(default_factory=_default_quotas)
    min_publicity_working_days: int = 5
    min_county_tier: TierRank = TierRank.CRAFTSMAN  # county craftsmen come from the enterprise tiers
    experts_needed: int = 3
    pass_mark: float = 60.0  # the experts' mean score, out of 100
    term_years: int = 5
    holidays: Collection[date] = ()


DEFAULT_SELECTION = SelectionRules()


def title_name(level: TitleLevel) -> str:
    return TITLE_NAMES.get(level, str(level))


def nomination_refusal(
    level: TitleLevel, held_titles: Collection[TitleLevel], tier: TierRank, rules: SelectionRules
) -> str | None:
    """Why a worker may not be nominated for `level`, or None when they may."""
    if level is TitleLevel.ENTERPRISE:
        return None  # the enterprise's own selection; its ladder rules apply at promotion
    if level in held_titles:
        return f"the worker holds the {title_name(level)} title already"
    if level is TitleLevel.COUNTY:
        if tier.order < rules.min_county_tier.order:
            return (
                f"a county nomination needs the enterprise tier {rules.min_county_tier}; the worker is {tier}"
            )
        return None
    needed = PREREQUISITE[level]
    if needed not in held_titles:
        return f"a {level} nomination needs the {title_name(needed)} ({needed}) title first"
    return None


def step_refusal(current: Stage, wanted: Stage) -> str | None:
    """Why the nomination cannot move from `current` to `wanted`, or None."""
    if current in (Stage.CONFERRED, Stage.REJECTED):
        return f"the nomination is {current} already; its outcome is final"
    if wanted is Stage.REJECTED:
        return None
    if NEXT_STAGE.get(current) is not wanted:
        return f"a {current} nomination cannot become {wanted}; next is {NEXT_STAGE.get(current)}"
    return None


def expert_outcome(scores: Mapping[str, float], rules: SelectionRules) -> tuple[bool, float] | str:
    """The expert review's outcome (passed, mean) or why it cannot be decided yet."""
    if len(scores) < rules.experts_needed:
        return f"the expert review needs {rules.experts_needed} scores; it has {len(scores)}"
    mean = round(fmean(scores.values()), 2)
    return mean >= rules.pass_mark, mean


def publicity_refusal(opens_on: date, closes_on: date, rules: SelectionRules) -> str | None:
    """Publicity runs at least the minimum number of working days."""
    days = working_days_between(opens_on, closes_on, rules.holidays)
    if days < rules.min_publicity_working_days:
        return (
            f"publicity must run at least {rules.min_publicity_working_days} working days; "
            f"{opens_on}..{closes_on} has {days}"
        )
    return None


def conferral_refusal(stage: Stage, closes_on: date | None, open_objections: int, on: date) -> str | None:
    """A title is conferred only after publicity closed with no objection left open."""
    if stage is not Stage.PUBLICISED or closes_on is None:
        return f"only a publicised nomination can be conferred; this one is {stage}"
    if on <= closes_on:
        return f"publicity runs until {closes_on}; conferral can follow from the next day"
    if open_objections:
        return f"{open_objections} objection(s) raised in publicity are not resolved"
    return None


def quota_refusal(level: TitleLevel, year: int, conferred: int, rules: SelectionRules) -> str | None:
    """Conferring one more would go past the year's quota."""
    quota = rules.quotas.get(level)
    if quota is not None and conferred >= quota:
        return f"the {year} quota of {quota} {title_name(level)} titles is used up"
    return None


class TitleReview(StrEnum):
    EXPIRE = "expire"
    REVIEW = "review"


def title_review_due(
    conferred_on: date, valid_until: date | None, reviewed_year: int | None, on: date
) -> TitleReview | None:
    """A title whose term ended expires; one held a year longer is reviewed, once a year."""
    if valid_until is not None and on >= valid_until:
        return TitleReview.EXPIRE
    return TitleReview.REVIEW if yearly_review_due(conferred_on, reviewed_year, on) else None


def title_valid_until(conferred_on: date, rules: SelectionRules) -> date:
    return years_after(conferred_on, rules.term_years)
