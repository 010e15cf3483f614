"""The enterprise ladder's rules, as pure functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chassis.calendar import months_between, years_after
from contracts.vocabulary import SkillLevel, TierRank
from services.registry.ladder import (
    DEFAULT_LADDER,
    LadderRules,
    Standing,
    TierFloor,
    due_promotion,
    promotion_refusal,
    review_refusal,
    term_ends,
)

ON = date(2026, 6, 1)


def standing(skill: SkillLevel, points: int, tier: TierRank, since: date | None = None) -> Standing:
    return Standing(skill, Decimal(points), tier, since)


def test_a_seed_craftsman_needs_an_intermediate_certificate() -> None:
    assert (
        promotion_refusal(
            standing(SkillLevel.INTERMEDIATE, 0, TierRank.NONE), TierRank.SEED, ON, DEFAULT_LADDER
        )
        is None
    )
    refusal = promotion_refusal(
        standing(SkillLevel.JUNIOR, 90, TierRank.NONE), TierRank.SEED, ON, DEFAULT_LADDER
    )
    assert refusal is not None and "intermediate" in refusal


@pytest.mark.parametrize(
    ("worker", "words"),
    [
        (standing(SkillLevel.INTERMEDIATE, 90, TierRank.SEED, date(2024, 1, 1)), "skill level senior"),
        (standing(SkillLevel.SENIOR, 59, TierRank.SEED, date(2024, 1, 1)), "60 points"),
        (standing(SkillLevel.SENIOR, 60, TierRank.SEED, date(2025, 6, 2)), "12 months as seed"),
        (standing(SkillLevel.SENIOR, 60, TierRank.NONE), "one tier at a time"),
    ],
)
def test_each_floor_of_the_craftsman_tier_names_itself(worker: Standing, words: str) -> None:
    refusal = promotion_refusal(worker, TierRank.CRAFTSMAN, ON, DEFAULT_LADDER)
    assert refusal is not None and words in refusal


def test_twelve_months_in_the_tier_below_are_reached_on_the_day() -> None:
    worker = standing(SkillLevel.SENIOR, 60, TierRank.SEED, date(2025, 6, 1))
    assert promotion_refusal(worker, TierRank.CRAFTSMAN, ON, DEFAULT_LADDER) is None
    assert promotion_refusal(worker, TierRank.CRAFTSMAN, date(2026, 5, 31), DEFAULT_LADDER) is not None


def test_nobody_goes_down_or_sideways_by_promotion() -> None:
    chief = standing(SkillLevel.CHIEF_TECHNICIAN, 100, TierRank.CHIEF, date(2020, 1, 1))
    for rank in TierRank:
        assert promotion_refusal(chief, rank, ON, DEFAULT_LADDER) is not None
    assert due_promotion(chief, ON, DEFAULT_LADDER) is None


def test_the_due_promotion_is_one_step_and_only_when_every_floor_holds() -> None:
    assert (
        due_promotion(standing(SkillLevel.TECHNICIAN, 99, TierRank.NONE), ON, DEFAULT_LADDER) is TierRank.SEED
    )
    assert due_promotion(
        standing(SkillLevel.TECHNICIAN, 99, TierRank.SEED, date(2023, 1, 1)), ON, DEFAULT_LADDER
    ) is (TierRank.CRAFTSMAN)
    assert (
        due_promotion(
            standing(SkillLevel.SENIOR, 99, TierRank.CRAFTSMAN, date(2020, 1, 1)), ON, DEFAULT_LADDER
        )
        is None
    )


def test_an_enterprise_may_set_its_own_floors() -> None:
    strict = LadderRules(
        floors={
            TierRank.SEED: TierFloor(SkillLevel.SENIOR, Decimal(20), 0),
            TierRank.CRAFTSMAN: TierFloor(SkillLevel.SENIOR, Decimal(60), 12),
            TierRank.CHIEF: TierFloor(SkillLevel.TECHNICIAN, Decimal(80), 24),
        }
    )
    worker = standing(SkillLevel.INTERMEDIATE, 50, TierRank.NONE)
    assert promotion_refusal(worker, TierRank.SEED, ON, DEFAULT_LADDER) is None
    assert promotion_refusal(worker, TierRank.SEED, ON, strict) is not None


def test_the_annual_review_keeps_a_tier_whose_floor_still_holds() -> None:
    assert review_refusal(standing(SkillLevel.SENIOR, 70, TierRank.CRAFTSMAN, ON), ON, DEFAULT_LADDER) is None
    lapsed = review_refusal(standing(SkillLevel.SENIOR, 40, TierRank.CRAFTSMAN, ON), ON, DEFAULT_LADDER)
    assert lapsed is not None and "60 points" in lapsed


def test_terms_and_months_count_calendar_days() -> None:
    assert term_ends(date(2024, 2, 29), DEFAULT_LADDER) == date(2027, 2, 28)
    assert years_after(date(2025, 3, 1), 1) == date(2026, 3, 1)
    assert months_between(date(2025, 1, 31), date(2025, 2, 28)) == 0
    assert months_between(date(2025, 1, 15), date(2026, 1, 15)) == 12
