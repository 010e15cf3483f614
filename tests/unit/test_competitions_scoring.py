"""The WorldSkills-style scoring rules: median, MAD, clamp, the 700 scale, ranks and medals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.events.competitions import Prize
from contracts.vocabulary import Medal
from services.competitions.scoring import (
    WORLDSKILLS,
    ScoringScheme,
    clamp,
    medal,
    median,
    median_absolute_deviation,
    prize,
    rank,
    round_half_up,
    score,
    standardised_score,
)

FIELD = [50.0, 60.0, 70.0, 80.0, 90.0]  # median 70, MAD 10


@pytest.mark.parametrize(
    ("values", "expected"),
    [([42.0], 42.0), ([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 3.0, 2.0], 2.5), ([5.0, 5.0], 5.0)],
)
def test_median_of_odd_and_even_counts(values: list[float], expected: float) -> None:
    assert median(values) == expected


def test_median_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        median([])


def test_median_absolute_deviation() -> None:
    assert median_absolute_deviation(FIELD) == 10.0
    assert median_absolute_deviation([1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]) == 1.0
    assert median_absolute_deviation([7.0, 7.0, 7.0]) == 0.0


@pytest.mark.parametrize(
    ("value", "expected"), [(-5.0, 0.0), (0.0, 0.0), (500.0, 500.0), (1000.0, 1000.0), (1711.0, 1000.0)]
)
def test_clamp_keeps_bounds_inclusive(value: float, expected: float) -> None:
    assert clamp(value, 0.0, 1000.0) == expected


def test_clamp_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError, match="empty range"):
        clamp(1.0, 2.0, 1.0)


def test_round_half_up_unlike_bankers_rounding() -> None:
    assert round(700.5) == 700  # Python rounds half to even ...
    assert round_half_up(700.5) == 701  # ... the rule rounds as on paper
    assert round_half_up(699.49) == 699


def test_the_median_entrant_scores_700_and_others_spread_by_mad() -> None:
    assert standardised_score(70.0, FIELD) == 700
    assert standardised_score(90.0, FIELD) == 740  # 700 + 30·20/(1.4826·10) = 740.47
    assert standardised_score(50.0, FIELD) == 660  # 659.53


def test_no_spread_means_700_for_everyone() -> None:
    assert standardised_score(80.0, [80.0]) == 700
    assert standardised_score(55.0, [55.0, 55.0, 55.0]) == 700
    # more than half the field on one score: MAD is 0 even though scores differ
    assert standardised_score(100.0, [0.0, 50.0, 50.0, 50.0, 100.0]) == 700


def test_far_outliers_are_clamped_to_the_scale() -> None:
    assert standardised_score(100.0, [49.0, 50.0, 50.0, 51.0, 100.0]) == 1000
    assert standardised_score(0.0, [0.0, 49.0, 50.0, 50.0, 51.0]) == 0


def test_a_scheme_changes_the_numbers_not_the_rule() -> None:
    half_step = ScoringScheme(spread=0.5, mad_consistency=1.0)
    assert standardised_score(2.0, [0.0, 1.0, 2.0], half_step) == 701  # 700.5 rounds up
    assert standardised_score(90.0, FIELD, ScoringScheme(centre=500.0)) == 540


def test_rank_counts_strictly_higher_scores_so_ties_share() -> None:
    field = [90.0, 90.0, 80.0, 70.0]
    assert [rank(raw, field) for raw in field] == [1, 1, 3, 4]
    assert rank(50.0, [50.0]) == 1


@pytest.mark.parametrize(
    ("place", "ws", "expected"),
    [
        (1, 600, Medal.GOLD),
        (2, 700, Medal.SILVER),
        (3, 650, Medal.BRONZE),
        (4, 700, Medal.EXCELLENCE),
        (9, 812, Medal.EXCELLENCE),
        (4, 699, Medal.NONE),
    ],
)
def test_medal_by_rank_then_excellence_from_700(place: int, ws: int, expected: Medal) -> None:
    assert medal(place, ws) is expected


def test_medal_refuses_rank_zero() -> None:
    with pytest.raises(ValueError, match="ranks start at 1"):
        medal(0, 700)


def test_tied_winners_both_take_gold_and_the_next_takes_bronze() -> None:
    field = [90.0, 90.0, 80.0]
    assert score(90.0, field).medal is Medal.GOLD
    assert score(80.0, field).rank == 3
    assert score(80.0, field).medal is Medal.BRONZE


def test_score_combines_the_rules() -> None:
    result = score(60.0, FIELD, WORLDSKILLS)
    assert (result.standardised, result.rank, result.medal) == (680, 4, Medal.NONE)


def test_score_needs_the_field_to_include_the_entrant() -> None:
    with pytest.raises(ValueError, match="must include"):
        score(99.0, FIELD)


RAW = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(st.lists(RAW, min_size=1, max_size=60), st.data())
def test_the_standardised_score_always_lies_on_the_scale(field: list[float], data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from(field))
    assert 0 <= standardised_score(raw, field) <= 1000


@given(st.lists(RAW, min_size=2, max_size=60), st.floats(min_value=0, max_value=5))
def test_rank_order_follows_raw_order(field: list[float], margin: float) -> None:
    scheme = ScoringScheme(tie_margin=margin)
    results = [(raw, score(raw, field, scheme)) for raw in field]
    for raw, result in results:
        for other, other_result in results:
            if raw > other:
                assert result.rank <= other_result.rank
                assert result.standardised >= other_result.standardised
            if raw == other:
                assert result == other_result


@given(st.integers(min_value=1, max_value=500), st.data())
def test_prize_classes_follow_rank_and_never_exceed_their_shares(entrants: int, data: st.DataObject) -> None:
    place = data.draw(st.integers(min_value=1, max_value=entrants))
    order = [Prize.FIRST, Prize.SECOND, Prize.THIRD, Prize.NONE]
    assert order.index(prize(place, entrants)) >= order.index(prize(max(1, place - 1), entrants))
    firsts = sum(1 for p in range(1, entrants + 1) if prize(p, entrants) is Prize.FIRST)
    assert firsts == round_half_up(entrants * 0.1)


def test_prize_shares_by_hand() -> None:
    assert [prize(p, 20) for p in (1, 2, 3, 6, 7, 12, 13)] == [
        Prize.FIRST,
        Prize.FIRST,
        Prize.SECOND,
        Prize.SECOND,
        Prize.THIRD,
        Prize.THIRD,
        Prize.NONE,
    ]


def test_rank_with_a_tie_margin_by_hand() -> None:
    field = [90.0, 89.8, 89.0, 80.0]
    assert [rank(raw, field, 0.25) for raw in field] == [1, 1, 3, 4]
    assert [rank(raw, field) for raw in field] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="negative"):
        rank(90.0, field, -1)
