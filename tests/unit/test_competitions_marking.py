"""The marking scheme's rules as pure functions: what a lockable scheme is, what a score may be,
and the marks they give (hand-computed)."""

from __future__ import annotations

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.competitions import Aspect, AspectKind, Criterion
from services.competitions.marking import (
    DEFAULT_MARKING_RULES,
    check_scheme,
    check_score,
    discrepant,
    judgement_mark,
    measurement_mark,
    raw_total,
)
from tests.competitions_support import DESCRIPTORS, small_scheme

RULES = DEFAULT_MARKING_RULES


def aspect(aspect_id: str = "X", max_mark: float = 100, **changes: object) -> Aspect:
    fields: dict[str, object] = {
        "aspect_id": aspect_id,
        "description": "d",
        "kind": AspectKind.MEASUREMENT,
        "max_mark": max_mark,
    }
    return Aspect.model_validate({**fields, **changes})


def one(*aspects: Aspect) -> list[Criterion]:
    return [Criterion(criterion_id="C", title="c", aspects=list(aspects))]


def test_the_small_scheme_locks_with_and_without_a_theory_part() -> None:
    check_scheme(small_scheme(), 0.0, RULES)
    check_scheme(small_scheme(theory=True), 0.3, RULES)


@pytest.mark.parametrize(
    ("criteria", "weight", "words"),
    [
        (one(aspect(max_mark=60), aspect("Y", max_mark=30)), 0.0, "total 100 marks, not 90"),
        (one(aspect(max_mark=50), aspect(max_mark=50)), 0.0, "unique"),
        (small_scheme(), 0.4, r"theory weight 0.4 is outside 0..0.3"),
        (small_scheme(), 0.2, "needs theory aspects"),
        (small_scheme(theory=True), 0.0, "need a weight"),
        (one(aspect(theory=True)), 0.3, "practice aspects too"),
        (
            one(aspect(kind=AspectKind.JUDGEMENT, descriptors=DESCRIPTORS[:3])),
            0.0,
            "descriptor for each score 0..3, not 3",
        ),
        (
            one(aspect(kind=AspectKind.JUDGEMENT, descriptors=DESCRIPTORS, tolerance=1)),
            0.0,
            "no tolerance rule",
        ),
        (one(aspect(tolerance=0.5, zero_at=0.5)), 0.0, "zero_at needs a tolerance below it"),
        (one(aspect(zero_at=0.5)), 0.0, "zero_at needs a tolerance below it"),
    ],
)
def test_a_scheme_that_cannot_lock_names_its_rule(
    criteria: list[Criterion], weight: float, words: str
) -> None:
    with pytest.raises(DomainRuleViolated, match=words):
        check_scheme(criteria, weight, RULES)


def test_scores_in_and_out_of_range() -> None:
    judged = aspect(kind=AspectKind.JUDGEMENT, descriptors=DESCRIPTORS)
    for good in (0, 1, 2, 3):
        check_score(judged, good, RULES)
    for bad in (-1, 4, 2.5):
        with pytest.raises(DomainRuleViolated, match="mark out of range"):
            check_score(judged, bad, RULES)
    check_score(aspect(), 1, RULES)
    with pytest.raises(DomainRuleViolated, match="mark out of range"):
        check_score(aspect(), 0.7, RULES)
    check_score(aspect(tolerance=0.1), 0.7, RULES)  # a deviation
    with pytest.raises(DomainRuleViolated, match="mark out of range"):
        check_score(aspect(tolerance=0.1), -0.1, RULES)


def test_marks_by_hand() -> None:
    assert measurement_mark(aspect(max_mark=40), 1) == 40
    assert measurement_mark(aspect(max_mark=40), 0) == 0
    stepped = aspect(max_mark=30, tolerance=0.1, zero_at=0.3)
    assert [measurement_mark(stepped, d) for d in (0.0, 0.1, 0.2, 0.3, 0.5)] == pytest.approx(
        [30, 30, 15, 0, 0]
    )
    assert measurement_mark(aspect(max_mark=30, tolerance=0.1), 0.11) == 0  # full or zero
    judged = aspect(max_mark=30, kind=AspectKind.JUDGEMENT, descriptors=DESCRIPTORS)
    assert judgement_mark(judged, [3, 2, 2], RULES) == pytest.approx(30 * 7 / 9)
    assert judgement_mark(judged, [], RULES) == 0
    assert discrepant([3, 1], RULES) and not discrepant([3, 2, 2], RULES) and not discrepant([0], RULES)


def test_raw_total_weighs_theory_and_practice() -> None:
    scheme = [a for c in small_scheme(theory=True) for a in c.aspects]  # M2 (30) is the theory part
    scores = {"M1": [1.0], "M2": [0.2], "J1": [3.0, 3.0, 3.0]}  # practice 70/70, theory 15/30
    assert raw_total(scheme, scores, 0.3) == pytest.approx(0.3 * 50 + 0.7 * 100)
    assert raw_total(scheme, scores, 0.0) == pytest.approx(40 + 15 + 30)
