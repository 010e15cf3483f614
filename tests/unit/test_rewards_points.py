"""The 4+X points rules as pure functions, with properties checked by hypothesis."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from contracts.vocabulary import ContestLevel, SkillLevel
from services.rewards.points import (
    DEFAULT_POINTS,
    Claim,
    Entry,
    apprentice_outcome_claim,
    certificate_claim,
    competition_claim,
    mentoring_claim,
    points_to_award,
    training_claim,
)

ON = date(2026, 6, 1)


def entry(claim: Claim, points: Decimal, earned_on: date = ON) -> Entry:
    return Entry(claim.rule, claim.group, claim.category, points, earned_on)


def account(claims: list[tuple[Claim, date]]) -> list[Entry]:
    """Award the claims in order, as the ledger would, and return its entries."""
    entries: list[Entry] = []
    for claim, on in claims:
        awarded = points_to_award(claim, entries, on, DEFAULT_POINTS)
        if awarded:
            entries.append(entry(claim, awarded, on))
    return entries


def test_the_rubric_values_placements_and_certificates() -> None:
    assert competition_claim(ContestLevel.CITY, 1, DEFAULT_POINTS).points == 15  # type: ignore[union-attr]
    assert competition_claim(ContestLevel.COUNTY, 3, DEFAULT_POINTS).points == 5  # type: ignore[union-attr]
    assert competition_claim(ContestLevel.CITY, 4, DEFAULT_POINTS) is None
    assert certificate_claim(SkillLevel.TECHNICIAN, DEFAULT_POINTS).points == 12  # type: ignore[union-attr]
    assert certificate_claim(SkillLevel.APPRENTICE, DEFAULT_POINTS) is None


def test_only_the_highest_placement_counts_and_a_better_one_adds_the_difference() -> None:
    city_second = competition_claim(ContestLevel.CITY, 2, DEFAULT_POINTS)
    county_first = competition_claim(ContestLevel.COUNTY, 1, DEFAULT_POINTS)
    city_first = competition_claim(ContestLevel.CITY, 1, DEFAULT_POINTS)
    assert city_second and county_first and city_first
    entries = account([(city_second, ON)])
    assert points_to_award(county_first, entries, ON, DEFAULT_POINTS) == 0  # 10 < 12: nothing new
    assert points_to_award(city_first, entries, ON, DEFAULT_POINTS) == 3  # 15 - 12


def test_a_placement_older_than_the_window_no_longer_counts() -> None:
    city_first = competition_claim(ContestLevel.CITY, 1, DEFAULT_POINTS)
    assert city_first
    entries = account([(city_first, date(2022, 5, 1))])
    assert points_to_award(city_first, entries, ON, DEFAULT_POINTS) == 15  # the 2022 one expired


def test_mentoring_counts_base_apprentices_and_outcomes_under_one_cap_of_15() -> None:
    claims = [mentoring_claim(False, DEFAULT_POINTS)]
    claims += [mentoring_claim(True, DEFAULT_POINTS) for _ in range(2, 20)]
    claims += [apprentice_outcome_claim(True, DEFAULT_POINTS) for _ in range(10)]
    entries = account([(claim, ON) for claim in claims])
    by_rule: dict[str, Decimal] = {}
    for found in entries:
        by_rule[found.rule] = by_rule.get(found.rule, Decimal(0)) + found.points
    assert by_rule["mentoring.base"] == 2 and by_rule["mentoring.apprentices"] == 5
    assert sum(by_rule.values()) == 15


def test_training_adds_half_a_point_a_course_up_to_its_cap() -> None:
    entries = account([(training_claim(DEFAULT_POINTS), ON) for _ in range(30)])
    assert sum(e.points for e in entries) == 5


levels = st.sampled_from([ContestLevel.COUNTY, ContestLevel.CITY, ContestLevel.PROVINCE])
within_a_year = st.lists(
    st.tuples(levels, st.integers(min_value=1, max_value=3), st.integers(min_value=0, max_value=364)),
    max_size=25,
)


@given(within_a_year)
def test_property_competition_points_are_the_best_placement_whatever_the_order(
    history: list[tuple[ContestLevel, int, int]],
) -> None:
    start = date(2025, 1, 1)
    dated = sorted((start + timedelta(days=day), level, rank) for level, rank, day in history)
    claims = [(c, day) for day, level, rank in dated if (c := competition_claim(level, rank, DEFAULT_POINTS))]
    best = max((claim.points for claim, _ in claims), default=Decimal(0))
    assert sum(e.points for e in account(claims)) == best <= DEFAULT_POINTS.rule_caps["competition"]


kinds = st.sampled_from(["competition", "certificate", "mentoring", "outcome", "training"])


@given(st.lists(st.tuples(kinds, st.integers(min_value=1, max_value=3)), max_size=60))
def test_property_no_rule_group_or_category_ever_passes_its_cap(facts: list[tuple[str, int]]) -> None:
    claims: list[Claim] = []
    for kind, n in facts:
        made = {
            "competition": competition_claim(ContestLevel.CITY, n, DEFAULT_POINTS),
            "certificate": certificate_claim(
                [SkillLevel.SENIOR, SkillLevel.TECHNICIAN, SkillLevel.JUNIOR][n - 1], DEFAULT_POINTS
            ),
            "mentoring": mentoring_claim(n > 1, DEFAULT_POINTS),
            "outcome": apprentice_outcome_claim(n == 1, DEFAULT_POINTS),
            "training": training_claim(DEFAULT_POINTS),
        }[kind]
        if made:
            claims.append(made)
    entries = account([(claim, ON) for claim in claims])
    for caps, attribute in (
        (DEFAULT_POINTS.rule_caps, "rule"),
        (DEFAULT_POINTS.group_caps, "group"),
        (DEFAULT_POINTS.category_caps, "category"),
    ):
        for name, cap in caps.items():
            assert sum(e.points for e in entries if getattr(e, attribute) == name) <= cap
    assert all(e.points > 0 for e in entries)
