"""Contest scoring rules (DESIGN §7, WorldSkills-style). Pure functions, no I/O.

Every number is a default of a `ScoringScheme`, never a constant inside a rule, so a
region or an organiser can run another scheme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.events.competitions import Prize
from contracts.vocabulary import Medal


@dataclass(frozen=True, slots=True)
class ScoringScheme:
    centre: float = 700.0  # the standardised score of the median entrant
    spread: float = 30.0  # standardised points per (scaled) median absolute deviation
    mad_consistency: float = 1.4826  # makes the MAD estimate the standard deviation of a normal distribution
    floor: float = 0.0
    ceiling: float = 1000.0
    excellence_at: int = 700  # medallion for excellence from this standardised score
    medals_by_rank: tuple[Medal, ...] = (Medal.GOLD, Medal.SILVER, Medal.BRONZE)
    tie_margin: float = 0.0  # raw scores this close (or closer) share a rank
    # Optional prize classes: cumulative shares of the entrants (1st 10%, 2nd the next 20%, 3rd the next 30%).
    prize_shares: tuple[tuple[Prize, float], ...] = (
        (Prize.FIRST, 0.1),
        (Prize.SECOND, 0.2),
        (Prize.THIRD, 0.3),
    )


WORLDSKILLS = ScoringScheme()


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("the median of no values is undefined")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def median_absolute_deviation(values: Sequence[float]) -> float:
    centre = median(values)
    return median([abs(value - centre) for value in values])


def clamp(value: float, low: float, high: float) -> float:
    if low > high:
        raise ValueError(f"empty range [{low}, {high}]")
    return max(low, min(high, value))


def round_half_up(value: float) -> int:
    """Round as people do on paper (700.5 → 701), not to even as Python's round() does."""
    return math.floor(value + 0.5)


def standardised_score(raw: float, field: Sequence[float], scheme: ScoringScheme = WORLDSKILLS) -> int:
    """WS = round(clamp(centre + spread·(raw - median)/(k·MAD), floor, ceiling)); WS = centre when MAD = 0.

    `field` is every raw score the standardisation runs over, `raw` among them.
    """
    mad = median_absolute_deviation(field)
    if mad == 0:
        return round_half_up(scheme.centre)
    ws = scheme.centre + scheme.spread * (raw - median(field)) / (scheme.mad_consistency * mad)
    return round_half_up(clamp(ws, scheme.floor, scheme.ceiling))


def rank(raw: float, field: Sequence[float], tie_margin: float = 0.0) -> int:
    """1 + the number of scores higher by more than `tie_margin`: tied entrants share a rank,
    the next skips. Monotone: a higher raw score never gets a worse rank."""
    if tie_margin < 0:
        raise ValueError(f"a tie margin cannot be negative ({tie_margin})")
    return 1 + sum(1 for other in field if other - raw > tie_margin)


def prize(place: int, entrants: int, scheme: ScoringScheme = WORLDSKILLS) -> Prize:
    """The prize class of a rank: the best `share` of the entrants take the first class, and so on.

    The places of a class are round_half_up(entrants x cumulative share); tied entrants share
    their rank and so their class."""
    if place < 1:
        raise ValueError(f"ranks start at 1, not {place}")
    cumulative = 0.0
    for prize_class, share in scheme.prize_shares:
        cumulative += share
        if place <= round_half_up(entrants * cumulative):
            return prize_class
    return Prize.NONE


def medal(place: int, standardised: int, scheme: ScoringScheme = WORLDSKILLS) -> Medal:
    """Gold, silver, bronze by rank; below them a medallion for excellence from `excellence_at`."""
    if place < 1:
        raise ValueError(f"ranks start at 1, not {place}")
    if place <= len(scheme.medals_by_rank):
        return scheme.medals_by_rank[place - 1]
    return Medal.EXCELLENCE if standardised >= scheme.excellence_at else Medal.NONE


@dataclass(frozen=True, slots=True)
class Score:
    standardised: int
    rank: int
    medal: Medal


def score(raw: float, field: Sequence[float], scheme: ScoringScheme = WORLDSKILLS) -> Score:
    """One entrant's result against `field`, every raw score of the contest, `raw` among them."""
    if raw not in field:
        raise ValueError("the field must include the score being standardised")
    standardised = standardised_score(raw, field, scheme)
    place = rank(raw, field, scheme.tie_margin)
    return Score(standardised=standardised, rank=place, medal=medal(place, standardised, scheme))
