"""The judges' marks of a planned contest, decided by the plan: the same for every run of a seed.

A measurement aspect is met (1) or not (0); a judgement aspect gets one score 0..3 from each of
the three judges, the same score from all three (no discrepancy to resolve). Each entrant's
marks come from their ability and a generator seeded by the contest and the worker, so the raw
total the competitions service computes can be predicted here and the leaderboard checked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.plan import Aspect, Contest, Worker

HIGHEST_JUDGEMENT = 3
JUDGEMENT_DESCRIPTORS = ["not shown", "partly shown", "mostly shown", "fully shown"]
ASPECTS_PER_CRITERION = 10


@dataclass(frozen=True)
class Mark:
    aspect_id: str
    judge_id: str
    score: float


def _score(rng: random.Random, aspect: Aspect, ability: float) -> int:
    if aspect.kind == "measurement":
        return 1 if rng.random() < ability else 0
    return min(HIGHEST_JUDGEMENT, int(ability * HIGHEST_JUDGEMENT + rng.random()))


def marks_of(contest: Contest, worker: Worker) -> list[Mark]:
    rng = random.Random(f"{contest.contest_id}/{worker.worker_id}")
    marks: list[Mark] = []
    for aspect in contest.aspects:
        score = _score(rng, aspect, worker.ability)
        judges = contest.judges if aspect.kind == "judgement" else contest.judges[:1]
        marks += [Mark(aspect.aspect_id, judge, score) for judge in judges]
    return marks


def raw_total(contest: Contest, worker: Worker) -> float:
    """The raw total out of 100 that the planned marks make (as services/competitions/marking.py
    turns marks into a total: a measurement's full mark times 1/0, a judgement's times mean/3)."""
    aspects = {aspect.aspect_id: aspect for aspect in contest.aspects}
    total = 0.0
    for mark in marks_of(contest, worker):
        aspect = aspects[mark.aspect_id]
        if aspect.kind == "measurement":
            total += aspect.max_mark * mark.score
        elif mark.judge_id == contest.judges[0]:  # the three judges agree: count the score once
            total += aspect.max_mark * mark.score / HIGHEST_JUDGEMENT
    return total


def scheme(contest: Contest) -> list[dict[str, object]]:
    """The contest's marking scheme as the competitions service takes it: criteria of ten aspects."""
    criteria: list[dict[str, object]] = []
    for start in range(0, len(contest.aspects), ASPECTS_PER_CRITERION):
        aspects = contest.aspects[start : start + ASPECTS_PER_CRITERION]
        criteria.append(
            {
                "criterion_id": f"C{start // ASPECTS_PER_CRITERION + 1}",
                "title": f"Task {start // ASPECTS_PER_CRITERION + 1}",
                "aspects": [
                    {
                        "aspect_id": aspect.aspect_id,
                        "description": f"{aspect.kind} {aspect.aspect_id}",
                        "kind": aspect.kind,
                        "max_mark": aspect.max_mark,
                        **({"descriptors": JUDGEMENT_DESCRIPTORS} if aspect.kind == "judgement" else {}),
                    }
                    for aspect in aspects
                ],
            }
        )
    return criteria
