"""The annual review's rules, as pure functions, and the worker's sweep decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.events.base import Event
from contracts.events.registry import TierExpired, TitleConferred
from contracts.vocabulary import SkillLevel, TierRank, TitleLevel
from services.registry.domain import Enterprise, Worker
from services.registry.ladder import DEFAULT_LADDER, tier_review_due, yearly_review_due
from services.registry.selection import TitleReview, title_review_due


def test_a_review_is_due_once_a_year_from_the_anniversary() -> None:
    since = date(2024, 3, 15)
    assert not yearly_review_due(since, None, date(2024, 12, 31))  # not a year yet
    assert not yearly_review_due(since, None, date(2025, 3, 14))  # the day before the anniversary
    assert yearly_review_due(since, None, date(2025, 3, 15))
    assert yearly_review_due(since, None, date(2025, 11, 1))  # a sweep later in the year still finds it
    assert not yearly_review_due(since, 2025, date(2025, 11, 1))  # reviewed this year already
    assert yearly_review_due(since, 2025, date(2026, 3, 15))


def test_a_29_february_tenure_is_reviewed_on_28_february_in_a_common_year() -> None:
    assert yearly_review_due(date(2024, 2, 29), None, date(2025, 2, 28))


def test_a_tier_is_due_at_the_end_of_its_term_even_if_reviewed_that_year() -> None:
    since = date(2023, 6, 1)  # a three-year term ends on 2026-06-01
    assert not tier_review_due(since, 2026, date(2026, 5, 31), DEFAULT_LADDER)
    assert tier_review_due(since, 2026, date(2026, 6, 1), DEFAULT_LADDER)


def test_a_title_expires_at_the_end_of_its_term_else_is_reviewed_yearly() -> None:
    conferred, until = date(2021, 6, 1), date(2026, 6, 1)
    assert title_review_due(conferred, until, 2025, date(2025, 12, 1)) is None
    assert title_review_due(conferred, until, 2025, date(2026, 6, 1)) is TitleReview.EXPIRE
    assert title_review_due(conferred, until, 2025, date(2026, 5, 31)) is None
    assert title_review_due(conferred, until, 2024, date(2025, 6, 1)) is TitleReview.REVIEW
    assert title_review_due(conferred, None, 2030, date(2031, 6, 1)) is TitleReview.REVIEW


def craftsman(since: date, *, points: int = 70) -> Worker:
    enterprise = Enterprise.register("e", name="E", region_id="r", industry="i", tier_labels={})
    worker = Worker.register(
        "w", enterprise=enterprise, trade="fitter", skill_level=SkillLevel.SENIOR, hired_on=None
    )
    worker.promote(TierRank.SEED, label="seed", effective_on=date(2020, 1, 1), reason="r", points=Decimal(0))
    worker.promote(TierRank.CRAFTSMAN, label="c", effective_on=since, reason="r", points=Decimal(points))
    worker.record(
        TitleConferred(
            title_id="t-1",
            nomination_id="n-1",
            worker_id="w",
            enterprise_id="e",
            level=TitleLevel.COUNTY,
            title_name="县级工匠",
            conferred_by="g",
            conferred_on=date(2021, 9, 1),
            valid_until=date(2026, 9, 1),
        )
    )
    return worker


def types(events: list[Event]) -> list[str]:
    return [event.event_type for event in events]


def test_the_sweep_reviews_what_is_due_and_a_second_run_records_nothing() -> None:
    worker = craftsman(date(2024, 5, 1))
    first = worker.annual_review(date(2025, 11, 1), points=Decimal(70), reviewed_by="g")
    assert types(first) == ["TierReviewed", "TitleReviewed"]
    assert worker.annual_review(date(2025, 11, 1), points=Decimal(70), reviewed_by="g") == []
    assert worker.tier is TierRank.CRAFTSMAN


def test_the_sweep_lets_a_tier_lapse_below_its_floor_and_expires_an_ended_title() -> None:
    worker = craftsman(date(2024, 5, 1))
    decided = worker.annual_review(date(2026, 10, 1), points=Decimal(10), reviewed_by="g")
    assert types(decided) == ["TierExpired", "TitleExpired"]
    assert isinstance(decided[0], TierExpired) and "60 points" in decided[0].reason
    assert worker.tier is TierRank.NONE
    assert worker.annual_review(date(2026, 10, 1), points=Decimal(10), reviewed_by="g") == []


def test_the_sweep_expires_a_tier_whose_term_ended() -> None:
    worker = craftsman(date(2022, 5, 1))  # the term ended on 2025-05-01
    decided = worker.annual_review(date(2025, 6, 1), points=Decimal(90), reviewed_by="g")
    assert isinstance(decided[0], TierExpired) and decided[0].reason == "its term ended"
