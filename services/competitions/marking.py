"""The marking scheme (WorldSkills-style): criteria and aspects, their marks, the raw total. Pure.

A measurement aspect gives full marks or zero, or follows its tolerance rule; a judgement
aspect is scored 0-3 by each of three judges and gives max_mark x mean / 3. The raw total
weighs the theory part by w (at most 30%) and the practice part by 1 - w.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chassis.errors import DomainRuleViolated
from contracts.events.competitions import Aspect, AspectKind, Criterion


@dataclass(frozen=True, slots=True)
class MarkingRules:
    """The numbers of the scheme: defaults from the source, configurable per region."""

    total_marks: float = 100.0
    max_theory_weight: float = 0.3  # Chinese contests keep the theory part at most 30%
    judges_per_judgement: int = 3
    highest_judgement: int = 3  # judgement scores 0..3
    discrepancy_above: int = 1  # scores more than 1 apart raise a flag


DEFAULT_MARKING_RULES = MarkingRules()
_EPSILON = 1e-9


def check_scheme(criteria: Sequence[Criterion], theory_weight: float, rules: MarkingRules) -> None:
    """A scheme that can be locked: aspects total 100, each aspect well formed, theory as weighed."""
    aspects = [aspect for criterion in criteria for aspect in criterion.aspects]
    ids = [aspect.aspect_id for aspect in aspects]
    if len(set(ids)) != len(ids):
        raise DomainRuleViolated("aspect ids must be unique within a marking scheme")
    total = sum(aspect.max_mark for aspect in aspects)
    if not math.isclose(total, rules.total_marks, abs_tol=1e-6):
        raise DomainRuleViolated(
            f"the aspects of a marking scheme total {rules.total_marks:g} marks, not {total:g}"
        )
    if not 0 <= theory_weight <= rules.max_theory_weight:
        raise DomainRuleViolated(f"theory weight {theory_weight} is outside 0..{rules.max_theory_weight}")
    has_theory = any(aspect.theory for aspect in aspects)
    if has_theory != (theory_weight > 0):
        raise DomainRuleViolated(
            "a theory weight above 0 needs theory aspects, and theory aspects need a weight"
        )
    if has_theory and all(aspect.theory for aspect in aspects):
        raise DomainRuleViolated("a scheme with a theory part needs practice aspects too")
    for aspect in aspects:
        _check_aspect(aspect, rules)


def _check_aspect(aspect: Aspect, rules: MarkingRules) -> None:
    if aspect.kind is AspectKind.JUDGEMENT:
        if len(aspect.descriptors) != rules.highest_judgement + 1:
            raise DomainRuleViolated(
                f"judgement aspect {aspect.aspect_id} needs a descriptor for each score "
                f"0..{rules.highest_judgement}, not {len(aspect.descriptors)}"
            )
        if aspect.tolerance is not None or aspect.zero_at is not None:
            raise DomainRuleViolated(f"judgement aspect {aspect.aspect_id} has no tolerance rule")
        return
    if aspect.zero_at is not None and (aspect.tolerance is None or aspect.zero_at <= aspect.tolerance):
        raise DomainRuleViolated(f"measurement aspect {aspect.aspect_id}: zero_at needs a tolerance below it")


def check_score(aspect: Aspect, score: float, rules: MarkingRules) -> None:
    """A score a judge may give on this aspect (the rule named in the refusal)."""
    if aspect.kind is AspectKind.JUDGEMENT:
        if score != int(score) or not 0 <= score <= rules.highest_judgement:
            raise DomainRuleViolated(
                f"mark out of range: a judgement score on {aspect.aspect_id} is a whole number "
                f"0..{rules.highest_judgement}, not {score:g}"
            )
    elif aspect.tolerance is None and score not in (0, 1):
        raise DomainRuleViolated(
            f"mark out of range: measurement {aspect.aspect_id} is met (1) or not (0), not {score:g}"
        )
    elif score < 0:
        raise DomainRuleViolated(f"mark out of range: a measured deviation on {aspect.aspect_id} is >= 0")


def measurement_mark(aspect: Aspect, score: float) -> float:
    """Full or zero; with a tolerance, the deviation `score` gives full marks up to the tolerance,
    then falls linearly to zero at `zero_at` (at once without one)."""
    if aspect.tolerance is None:
        return aspect.max_mark * score
    if score <= aspect.tolerance + _EPSILON:
        return aspect.max_mark
    if aspect.zero_at is None or score >= aspect.zero_at:
        return 0.0
    return aspect.max_mark * (aspect.zero_at - score) / (aspect.zero_at - aspect.tolerance)


def judgement_mark(aspect: Aspect, scores: Sequence[float], rules: MarkingRules) -> float:
    """mark = max_mark x mean(scores) / 3 (no scores yet: no marks)."""
    if not scores:
        return 0.0
    return aspect.max_mark * (sum(scores) / len(scores)) / rules.highest_judgement


def aspect_mark(aspect: Aspect, scores: Sequence[float], rules: MarkingRules) -> float:
    if aspect.kind is AspectKind.JUDGEMENT:
        return judgement_mark(aspect, scores, rules)
    return measurement_mark(aspect, scores[0]) if scores else 0.0


def discrepant(scores: Sequence[float], rules: MarkingRules) -> bool:
    """Judgement scores more than `discrepancy_above` apart."""
    return len(scores) > 1 and max(scores) - min(scores) > rules.discrepancy_above


def raw_total(
    aspects: Sequence[Aspect],
    scores: Mapping[str, Sequence[float]],
    theory_weight: float,
    rules: MarkingRules = DEFAULT_MARKING_RULES,
) -> float:
    """An entrant's raw total out of 100: the aspects' marks, the theory part weighed by w.

    `scores` maps an aspect id to its judges' scores (missing: none yet). Without a theory
    part the total is the plain sum of the marks."""
    marks = {
        aspect.aspect_id: aspect_mark(aspect, scores.get(aspect.aspect_id, ()), rules) for aspect in aspects
    }
    if theory_weight == 0:
        return _tidy(sum(marks.values()))
    parts = []
    for theory in (True, False):
        part = [aspect for aspect in aspects if aspect.theory is theory]
        possible = sum(aspect.max_mark for aspect in part)
        parts.append(rules.total_marks * sum(marks[aspect.aspect_id] for aspect in part) / possible)
    theory_part, practice_part = parts
    return _tidy(theory_weight * theory_part + (1 - theory_weight) * practice_part)


def _tidy(total: float) -> float:
    """Round away float noise (2/3 x 30 + ...) so equal totals compare equal, and stay in 0..100."""
    return min(100.0, max(0.0, round(total, 6)))
