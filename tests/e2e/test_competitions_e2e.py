"""A small contest end to end on the real services (processes), Kafka and PostgreSQL: workers
registered in the registry reach competitions over Kafka; the contest is marked per aspect by
three judges (a conflict of interest refused, a discrepancy flagged and resolved), locked,
standardised, publicised and ratified; every CompetitionScored reaches the registry's profiles."""

from __future__ import annotations

from typing import Any

import pytest

from demo.city import ENTERPRISES, DemoWorker
from demo.story import City
from tests.competitions_support import JUDGES, mark_items, scheme_json

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

TRADE = "industrial robot operator"
WORKERS = tuple(
    DemoWorker(f"robot-{n}", enterprise, f"Entrant {n}", TRADE, "senior", False, 0.0)
    for n, enterprise in enumerate(
        ("weichai-power", "qingzhou-cigarette", "weifang-garment", "weichai-power")
    )
)
# M1 met/not, M2 deviation (tolerance 0.1, zero at 0.3), J1 by three judges.
MARKS: dict[str, tuple[float, float, tuple[int, int, int]]] = {
    "robot-0": (1, 0.0, (3, 3, 2)),  # 40 + 30 + 26.67 = 96.67
    "robot-1": (1, 0.2, (2, 2, 2)),  # 40 + 15 + 20 = 75
    "robot-2": (0, 0.05, (1, 1, 1)),  # 0 + 30 + 10 = 40
    "robot-3": (1, 0.1, (3, 1, 2)),  # flagged: 3 and 1; resolved to (2, 2, 2): 40 + 30 + 20 = 90
}


async def test_a_contest_marked_standardised_and_published_reaches_the_registry_profiles(city: City) -> None:
    for enterprise in ENTERPRISES:
        await city.register_enterprise(enterprise)
    for worker in WORKERS:
        await city.register_worker(worker)
    for worker in WORKERS:
        await city.wait_known(worker, ("competitions",))

    contest_id = city.id("c-robots")
    base = f"/contests/{contest_id}"
    ids = {worker.worker_id: city.id(worker.worker_id) for worker in WORKERS}

    async def send(path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        answer = await city.clients["competitions"].post(path, json=body)
        assert answer.status_code == status, (path, answer.text)
        result: dict[str, Any] = answer.json()
        return result

    await send(
        "/contests",
        {
            "contest_id": contest_id,
            "title": "City robot contest",
            "trade": TRADE,
            "level": "city",
            "organiser_id": "weifang-federation",
            "region_id": "weifang",
            "starts_on": "2026-10-12",
            "ends_on": "2026-10-14",
        },
    )
    await send(f"{base}/scheme", {"criteria": scheme_json()})
    for judge in JUDGES:
        await send(
            f"{base}/judges",
            {"judge_id": judge, "enterprise_id": city.id("weichai-power") if judge == "judge-c" else None},
        )
    await send(f"{base}/registration", {"on": "2026-10-01"})
    for worker in WORKERS:
        await send(f"{base}/entrants", {"worker_ids": [ids[worker.worker_id]]})
    await send(f"{base}/start", {"on": "2026-10-12"})
    await send(f"{base}/marking", {"on": "2026-10-14"})

    items = [item for worker, scores in MARKS.items() for item in mark_items(ids[worker], scores)]
    answer = await send(f"{base}/marks/import", {"items": items}, 200)
    refusals = {item["reason"] for item in answer["items"] if item["status"] == "refused"}
    # judge-c works for Weichai: robot-0's and robot-3's J1 by judge-c are refused.
    assert answer["refused"] == 2 and all("conflict of interest" in reason for reason in refusals), answer
    for conflicted in ("robot-0", "robot-3"):
        await send(
            f"{base}/marks",
            {"entrant_id": ids[conflicted], "aspect_id": "J1", "judge_id": "judge-c", "score": 2},
            422,
        )
    resolved = {"judge-a": 2, "judge-b": 2}
    await send(
        f"{base}/discrepancy-resolutions",
        {"entrant_id": ids["robot-3"], "aspect_id": "J1", "scores": resolved, "resolved_by": "chief-expert"},
    )
    await send(f"{base}/marks/lock", {"on": "2026-10-14"})
    standardised = await send(f"{base}/standardisation", {"prize_money": {"1": "5000"}})
    assert [e["event_type"] for e in standardised["events"]].count("CompetitionScored") == 4
    await send(f"{base}/publicity", {"publicised_on": "2026-10-15", "objections_until": "2026-10-22"})
    await send(f"{base}/ratification", {"on": "2026-10-23"})

    # robot-0: 40 + 30 + 30 x (3+3)/2/3 = 100; robot-3: 40 + 30 + 20 = 90; robot-1: 75; robot-2: 40.
    expected = {
        "robot-0": (100.0, 1, "gold"),
        "robot-3": (90.0, 2, "silver"),
        "robot-1": (75.0, 3, "bronze"),
        "robot-2": (40.0, 4, "none"),
    }
    for worker in WORKERS:
        profile = await city.wait_profile(
            worker, "its result", lambda p: p.get("best_standardised_score") is not None, timeout=90
        )
        raw, rank, medal = expected[worker.worker_id]
        assert profile["best_raw_score"] == raw
        scored = next(entry for entry in profile["story"] if entry["event_type"] == "CompetitionScored")
        assert (scored["facts"]["rank"], scored["facts"]["medal"]) == (rank, medal), scored
    board = await city.wait_for(
        "the final leaderboard",
        lambda: _final(city, contest_id),
    )
    assert [(row["rank"], row["raw_score"]) for row in board["results"]] == [
        (1, 100.0),
        (2, 90.0),
        (3, 75.0),
        (4, 40.0),
    ]


async def _final(city: City, contest_id: str) -> dict[str, Any] | None:
    board = await city.read("competitions", f"/contests/{contest_id}/leaderboard")
    return board if board is not None and board["phase"] == "ratified" and not board["provisional"] else None
