"""The demo's city contest, held as the competitions service runs contests: a locked marking
scheme, three judges, entrants of the contest's occupation, marks, lock, standardisation,
publicity and ratification.

The demo's workers are of different trades, and a contest takes one occupation: each trade
gets its own contest. The scheme is one theory and one practice measurement whose tolerance
rule (full marks at deviation 0, none at 100) turns a measured deviation d into 100 - d per
cent of the aspect, so a worker's `raw_score` is the raw total the contest computes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from demo.city import DemoWorker

Send = Callable[[str, dict[str, Any], str], Awaitable[dict[str, Any]]]  # path, body, what

JUDGES = ("judge-sun", "judge-zhou", "judge-wu")


def _aspect(aspect_id: str, description: str, max_mark: float, theory: bool) -> dict[str, Any]:
    return {
        "aspect_id": aspect_id,
        "description": description,
        "kind": "measurement",
        "max_mark": max_mark,
        "theory": theory,
        "tolerance": 0,
        "zero_at": 100,
    }


def scheme(theory_weight: float) -> list[dict[str, Any]]:
    if theory_weight == 0:
        return [
            {
                "criterion_id": "P",
                "title": "Practice",
                "aspects": [_aspect("P1", "Practical task", 100, False)],
            }
        ]
    return [
        {"criterion_id": "T", "title": "Theory", "aspects": [_aspect("T1", "Written test", 30, True)]},
        {"criterion_id": "P", "title": "Practice", "aspects": [_aspect("P1", "Practical task", 70, False)]},
    ]


def contest_of_trade(contest_id: str, trade: str) -> str:
    return f"{contest_id}-{re.sub(r'[^a-z0-9]+', '-', trade.lower()).strip('-')}"[:128]


async def hold(
    send: Send, contest_id: str, contest: Mapping[str, Any], entrants: Sequence[tuple[str, DemoWorker]]
) -> None:
    """The whole contest for `entrants` (worker id, worker): from the draft to ratification."""
    base = f"/contests/{contest_id}"
    await send("/contests", {**contest, "contest_id": contest_id}, f"open contest {contest['trade']}")
    aspects = scheme(float(contest.get("theory_weight", 0)))
    await send(f"{base}/scheme", {"criteria": aspects}, "lock the marking scheme")
    for judge in JUDGES:
        await send(f"{base}/judges", {"judge_id": judge}, f"assign {judge}")
    await send(f"{base}/registration", {"on": contest["starts_on"]}, "open registration")
    for worker_id, worker in entrants:
        await send(f"{base}/entrants", {"worker_ids": [worker_id]}, f"register {worker.full_name}")
    await send(f"{base}/start", {"on": contest["starts_on"]}, "start the contest")
    await send(f"{base}/marking", {"on": contest["ends_on"]}, "start marking")
    items = [
        {
            "entrant_id": worker_id,
            "aspect_id": aspect["aspect_id"],
            "judge_id": JUDGES[0],
            "score": 100 - worker.raw_score,
        }
        for worker_id, worker in entrants
        for criterion in aspects
        for aspect in criterion["aspects"]
    ]
    await send(f"{base}/marks/import", {"items": items}, "import the judges' marks")
    await send(f"{base}/marks/lock", {"on": contest["ends_on"]}, "lock the marks")
    await send(f"{base}/standardisation", {}, "standardise on the 700 scale")
    await send(
        f"{base}/publicity",
        {"publicised_on": contest["ends_on"], "objections_until": contest["ends_on"]},
        "publicise the results",
    )
    await send(f"{base}/ratification", {"on": contest["ends_on"]}, "ratify the results")
