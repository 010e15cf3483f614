"""Selection above the enterprise: prerequisites, the pipeline, publicity and quotas, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from chassis.calendar import add_working_days, working_days_between
from contracts.vocabulary import TierRank, TitleLevel
from services.registry.selection import (
    DEFAULT_SELECTION,
    SelectionRules,
    Stage,
    conferral_refusal,
    expert_outcome,
    nomination_refusal,
    publicity_refusal,
    quota_refusal,
    step_refusal,
)


def test_a_city_nomination_needs_a_county_title() -> None:
    refusal = nomination_refusal(TitleLevel.CITY, set(), TierRank.CHIEF, DEFAULT_SELECTION)
    assert refusal is not None and "county" in refusal
    assert nomination_refusal(TitleLevel.CITY, {TitleLevel.COUNTY}, TierRank.CHIEF, DEFAULT_SELECTION) is None


def test_gold_medal_craftsmen_are_chosen_only_from_city_craftsmen() -> None:
    assert nomination_refusal(TitleLevel.CITY_GOLD, {TitleLevel.COUNTY}, TierRank.CHIEF, DEFAULT_SELECTION)
    assert (
        nomination_refusal(TitleLevel.CITY_GOLD, {TitleLevel.CITY}, TierRank.CHIEF, DEFAULT_SELECTION) is None
    )


def test_county_craftsmen_come_from_the_enterprise_tiers() -> None:
    assert nomination_refusal(TitleLevel.COUNTY, set(), TierRank.SEED, DEFAULT_SELECTION)
    assert nomination_refusal(TitleLevel.COUNTY, set(), TierRank.CRAFTSMAN, DEFAULT_SELECTION) is None


def test_a_title_is_not_nominated_twice() -> None:
    refusal = nomination_refusal(TitleLevel.COUNTY, {TitleLevel.COUNTY}, TierRank.CHIEF, DEFAULT_SELECTION)
    assert refusal is not None and "already" in refusal


@pytest.mark.parametrize(
    ("current", "wanted", "allowed"),
    [
        (Stage.NOMINATED, Stage.SCREENED, True),
        (Stage.NOMINATED, Stage.EXPERT_REVIEWED, False),
        (Stage.SCREENED, Stage.EXPERT_REVIEWED, True),
        (Stage.EXPERT_REVIEWED, Stage.SITE_INSPECTED, True),
        (Stage.SITE_INSPECTED, Stage.PUBLICISED, True),
        (Stage.SITE_INSPECTED, Stage.CONFERRED, False),
        (Stage.PUBLICISED, Stage.CONFERRED, True),
        (Stage.SCREENED, Stage.REJECTED, True),
        (Stage.CONFERRED, Stage.REJECTED, False),
        (Stage.REJECTED, Stage.SCREENED, False),
    ],
)
def test_the_pipeline_moves_one_step_at_a_time(current: Stage, wanted: Stage, allowed: bool) -> None:
    assert (step_refusal(current, wanted) is None) is allowed


def test_the_expert_review_waits_for_every_expert_then_compares_the_mean() -> None:
    assert isinstance(expert_outcome({"e1": 90, "e2": 80}, DEFAULT_SELECTION), str)
    assert expert_outcome({"e1": 90, "e2": 80, "e3": 70}, DEFAULT_SELECTION) == (True, 80.0)
    assert expert_outcome({"e1": 50, "e2": 60, "e3": 61}, DEFAULT_SELECTION) == (False, 57.0)


def test_publicity_runs_five_working_days_at_least() -> None:
    monday, friday = date(2026, 6, 1), date(2026, 6, 5)
    assert working_days_between(monday, friday) == 5
    assert publicity_refusal(monday, friday, DEFAULT_SELECTION) is None
    refusal = publicity_refusal(date(2026, 6, 4), date(2026, 6, 8), DEFAULT_SELECTION)  # Thu..Mon = 3
    assert refusal is not None and "5 working days" in refusal and "has 3" in refusal
    with_holiday = SelectionRules(holidays={date(2026, 6, 3)})
    assert publicity_refusal(monday, friday, with_holiday) is not None
    assert add_working_days(date(2026, 6, 5), 1) == date(2026, 6, 8)


def test_conferral_follows_publicity_with_no_objection_open() -> None:
    closes = date(2026, 6, 5)
    assert conferral_refusal(Stage.SITE_INSPECTED, None, 0, date(2026, 6, 8)) is not None
    assert conferral_refusal(Stage.PUBLICISED, closes, 0, closes) is not None
    assert conferral_refusal(Stage.PUBLICISED, closes, 1, date(2026, 6, 8)) is not None
    assert conferral_refusal(Stage.PUBLICISED, closes, 0, date(2026, 6, 8)) is None


def test_the_quota_of_a_year_is_never_passed() -> None:
    assert quota_refusal(TitleLevel.CITY_GOLD, 2026, 9, DEFAULT_SELECTION) is None
    refusal = quota_refusal(TitleLevel.CITY_GOLD, 2026, 10, DEFAULT_SELECTION)
    assert refusal is not None and "quota of 10" in refusal
    assert quota_refusal(TitleLevel.CITY, 2026, 99, DEFAULT_SELECTION) is None
    assert quota_refusal(TitleLevel.CITY, 2026, 100, DEFAULT_SELECTION) is not None
