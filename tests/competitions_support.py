"""Shared builders for competitions tests: a small marking scheme and a contest brought to a phase."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from contracts.events.competitions import Aspect, AspectKind, Criterion
from contracts.vocabulary import ContestLevel
from services.competitions.domain import Competitor, Contest

DAY = date(2026, 6, 1)
TRADE = "robotics"
DESCRIPTORS = ["not met", "basic", "good", "excellent"]
JUDGES = ("judge-a", "judge-b", "judge-c")


def small_scheme(theory: bool = False) -> list[Criterion]:
    """M1 measurement 40 (met/not), M2 measurement 30 (tolerance 0.1, zero at 0.3), J1 judgement 30.

    With `theory`, M2 is the theory part (and the contest weighs it)."""
    return [
        Criterion(
            criterion_id="A",
            title="Set-up",
            aspects=[
                Aspect(
                    aspect_id="M1", description="fixture placed", kind=AspectKind.MEASUREMENT, max_mark=40
                ),
                Aspect(
                    aspect_id="M2",
                    description="position error",
                    kind=AspectKind.MEASUREMENT,
                    max_mark=30,
                    tolerance=0.1,
                    zero_at=0.3,
                    theory=theory,
                ),
            ],
        ),
        Criterion(
            criterion_id="B",
            title="Programme",
            aspects=[
                Aspect(
                    aspect_id="J1",
                    description="structure",
                    kind=AspectKind.JUDGEMENT,
                    max_mark=30,
                    descriptors=DESCRIPTORS,
                )
            ],
        ),
    ]


def scheme_json(theory: bool = False) -> list[dict[str, Any]]:
    return [criterion.model_dump(mode="json") for criterion in small_scheme(theory)]


def opened(
    contest_id: str = "c-robots",
    *,
    level: ContestLevel = ContestLevel.CITY,
    theory_weight: float = 0.0,
    team_entry: bool = False,
) -> Contest:
    return Contest.open(
        contest_id,
        title="Industrial robot system operation",
        trade=TRADE,
        level=level,
        organiser_id="wf-federation",
        region_id="weifang",
        starts_on=DAY,
        ends_on=date(2026, 6, 3),
        theory_weight=theory_weight,
        team_entry=team_entry,
    )


def marking_contest(
    entrants: Sequence[tuple[str, str]] = (("w-1", "ent-1"), ("w-2", "ent-2"), ("w-3", "ent-3")),
    *,
    judge_enterprises: Sequence[str | None] = (None, None, None),
    level: ContestLevel = ContestLevel.CITY,
    theory_weight: float = 0.0,
    contest_id: str = "c-robots",
) -> Contest:
    """A contest with the small scheme, three judges on every aspect, the entrants, marking."""
    contest = opened(contest_id, level=level, theory_weight=theory_weight)
    contest.lock_scheme(small_scheme(theory=theory_weight > 0))
    for judge, enterprise in zip(JUDGES, judge_enterprises, strict=True):
        contest.assign_judge(judge, enterprise_id=enterprise, aspect_ids=[])
    contest.open_registration(DAY)
    for worker, enterprise in entrants:
        contest.register(worker, [Competitor(worker, enterprise, TRADE)], DAY)
    contest.start(DAY)
    contest.start_marking(DAY)
    return contest


CONTEST_BODY: dict[str, Any] = {
    "title": "Industrial robot system operation",
    "level": "city",
    "organiser_id": "wf-federation",
    "region_id": "weifang",
    "starts_on": "2026-06-01",
    "ends_on": "2026-06-03",
}

Scores = tuple[float, float, tuple[int, int, int]]
"""One entrant's marks in the small scheme: M1 (met 1 / not 0), M2 (deviation), J1 by each judge."""


def mark_items(entrant: str, scores: Scores) -> list[dict[str, Any]]:
    m1, m2, judged = scores
    return [
        {"entrant_id": entrant, "aspect_id": "M1", "judge_id": "judge-a", "score": m1},
        {"entrant_id": entrant, "aspect_id": "M2", "judge_id": "judge-b", "score": m2},
        *(
            {"entrant_id": entrant, "aspect_id": "J1", "judge_id": j, "score": s}
            for j, s in zip(JUDGES, judged, strict=True)
        ),
    ]


async def expect(client: Any, path: str, body: dict[str, Any], status: int = 201) -> Any:
    answer = await client.post(path, json=body)
    assert answer.status_code == status, (path, answer.status_code, answer.text)
    return answer.json()


async def prepare_over_http(
    client: Any,
    contest_id: str,
    entrants: Sequence[str],
    *,
    trade: str = "fitter",
    judge_enterprise: str | None = None,
) -> None:
    """Open a city contest of the small scheme, register the entrants, start marking (HTTP)."""
    base = f"/contests/{contest_id}"
    await expect(client, "/contests", {**CONTEST_BODY, "contest_id": contest_id, "trade": trade})
    await expect(client, f"{base}/scheme", {"criteria": scheme_json()})
    for judge in JUDGES:
        enterprise = judge_enterprise if judge == "judge-a" else None
        await expect(client, f"{base}/judges", {"judge_id": judge, "enterprise_id": enterprise})
    await expect(client, f"{base}/registration", {"on": "2026-05-01"})
    for worker in entrants:
        await expect(client, f"{base}/entrants", {"worker_ids": [worker]})
    await expect(client, f"{base}/start", {"on": "2026-06-01"})
    await expect(client, f"{base}/marking", {"on": "2026-06-03"})


async def finish_over_http(client: Any, contest_id: str, marks: dict[str, Scores]) -> Any:
    """Import every mark, lock, standardise, publicise, ratify; the standardisation's answer."""
    base = f"/contests/{contest_id}"
    items = [item for entrant, scores in marks.items() for item in mark_items(entrant, scores)]
    imported = await expect(client, f"{base}/marks/import", {"items": items}, 200)
    assert imported["refused"] == 0, imported
    await expect(client, f"{base}/marks/lock", {"on": "2026-06-03"})
    standardised = await expect(client, f"{base}/standardisation", {"prize_money": {"1": "5000"}})
    await expect(
        client, f"{base}/publicity", {"publicised_on": "2026-06-04", "objections_until": "2026-06-10"}
    )
    await expect(client, f"{base}/ratification", {"on": "2026-06-11"})
    return standardised
