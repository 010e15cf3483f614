"""Training's batch endpoints beside their single commands, in the same run on the same service:
items per second through POST /<kind>/import, and through one POST per item (the baseline, sent
eight at a time, as the demo sent them). Courses, classes, attendances, certificates,
achievements, visits and mentorships (a pairing proposed and started: two single POSTs, one item).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench.report import Measurement, rate
from bench.resources import Resources
from bench.services import service
from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine, session_factory
from services.training.read_models import known_workers
from services.training.service import SPEC as TRAINING

DAY = "2026-09-01"
ENTERPRISE = "bench-ent"
SESSIONS = 8
CLASSES = 8  # per half: the single POSTs' classes, then the batch's
SENDERS = 8  # single POSTs in flight
BATCH = 2_000

Item = Callable[[str, int], dict[str, Any]]  # (half: "s" or "b", n) → one item


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    answer = await client.post(path, json=body)
    if answer.status_code >= 400:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return answer


async def _singles(client: httpx.AsyncClient, requests: list[list[tuple[str, dict[str, Any]]]]) -> float:
    """Each inner list in order (one item's requests, or one class's register); SENDERS at once."""
    limit = asyncio.Semaphore(SENDERS)

    async def send(steps: list[tuple[str, dict[str, Any]]]) -> None:
        async with limit:
            for path, body in steps:
                await _post(client, path, body)

    started = time.perf_counter()
    await asyncio.gather(*(send(steps) for steps in requests))
    return time.perf_counter() - started


async def _batches(client: httpx.AsyncClient, path: str, items: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        answer = await _post(client, path, {"items": chunk})
        if answer.json()["accepted"] != len(chunk):
            refused = next(item for item in answer.json()["items"] if item["status"] != "accepted")
            raise RuntimeError(f"{path} accepted {answer.json()['accepted']} of {len(chunk)}: {refused}")
    return time.perf_counter() - started


def _worker(half: str, n: int) -> str:
    return f"w-{half}-{n}"


def _course(half: str, n: int) -> dict[str, Any]:
    return {
        "course_id": f"course-{half}-{n}",
        "school_id": "academy",
        "title": "PLC",
        "major": "mechatronics",
        "hours": 48,
        "target_level": "technician",
        "capacity": 10_000,
        "opened_on": DAY,
    }


def _class(half: str, n: int) -> dict[str, Any]:
    return {"class_id": f"class-{half}-{n}", "course_id": "plc", "starts_on": DAY, "session_count": SESSIONS}


def _certificate(half: str, n: int) -> dict[str, Any]:
    return {
        "certificate_id": f"cert-{half}-{n}",
        "worker_id": _worker(half, n),
        "occupation": "fitter",
        "skill_level": "technician",
        "issuer_id": "hr-bureau",
        "issuer_kind": "hr_bureau",
        "issued_on": DAY,
    }


def _achievement(half: str, n: int) -> dict[str, Any]:
    return {
        "achievement_id": f"ach-{half}-{n}",
        "worker_id": _worker(half, n),
        "region_id": "370700",
        "kind": "technical_innovation",
        "title": f"a jig {n}",
        "year": 2026,
        "recorded_on": DAY,
        "economic_benefit": "1000",
    }


def _visit(half: str, n: int) -> dict[str, Any]:
    return {
        "visit_id": f"visit-{half}-{n}",
        "worker_id": _worker(half, n),
        "team_ids": [_worker(half, n + 1)],
        "host_enterprise_id": ENTERPRISE,
        "services": ["problem_solving"],
        "delivered_on": DAY,
        "workers_reached": 20,
        "problems_solved": 2,
    }


def _pairing(half: str, n: int) -> dict[str, Any]:
    return {
        "mentorship_id": f"m-{half}-{n}",
        "master_id": _worker(half, n),
        "apprentice_id": _worker(half, n + 1),
        "proposed_on": DAY,
    }


async def _seed(engine: Any, workers: int) -> None:
    rows = [
        {
            "worker_id": _worker(half, n),
            "enterprise_id": ENTERPRISE,
            "skill_level": "senior",
            "tier": "craftsman",
            "level_since": date(2015, 1, 1),
        }
        for half in ("s", "b")
        for n in range(workers + 1)
    ]
    async with session_factory(engine)() as session, session.begin():
        await session.execute(insert(known_workers), rows)


async def _register(client: httpx.AsyncClient, per_class: int) -> dict[str, list[list[dict[str, Any]]]]:
    """The academy and course plc; CLASSES classes per half, each with `per_class` enrolments:
    each half's attendances, class by class."""
    await _post(
        client,
        "/schools",
        {
            "school_id": "academy",
            "name": "Academy",
            "kind": "academy",
            "region_id": "370700",
            "majors": ["mechatronics"],
            "registered_on": DAY,
        },
    )
    await _post(client, "/courses", {**_course("x", 0), "course_id": "plc"})
    registers: dict[str, list[list[dict[str, Any]]]] = {}
    for half in ("s", "b"):
        registers[half] = []
        for k in range(CLASSES):
            class_id = f"register-{half}-{k}"
            await _post(client, "/classes", {**_class(half, k), "class_id": class_id})
            seats = [
                {
                    "enrolment_id": f"enr-{class_id}-{seat}",
                    "class_id": class_id,
                    "worker_id": _worker(half, k * per_class + seat),
                    "enrolled_on": DAY,
                }
                for seat in range(per_class)
            ]
            await _batches(client, "/enrolments/import", seats)
            registers[half].append(
                [
                    {
                        "class_id": class_id,
                        "enrolment_id": seat["enrolment_id"],
                        "session_no": session_no,
                        "attended_on": DAY,
                    }
                    for session_no in range(1, SESSIONS + 1)
                    for seat in seats
                ]
            )
    return registers


async def batch_vs_single(res: Resources, *, items: int, log_dir: Path) -> list[Measurement]:
    per_class = max(1, items // (CLASSES * SESSIONS))
    url = await res.database("training_batches", extra=TRAINING.migrations)
    engine = create_engine(url, pool_size=2)
    timed: dict[str, tuple[int, float, float]] = {}  # kind → items, single seconds, batch seconds
    try:
        await _seed(engine, 2 * items)
        async with (
            service("training", res, database_url=url, log_dir=log_dir, label="training-batches") as training,
            httpx.AsyncClient(base_url=training.base_url, timeout=300, headers=bearer_headers()) as client,
        ):
            registers = await _register(client, per_class)
            attendances = sum(len(register) for register in registers["s"])
            single = await _singles(
                client, [[("/attendances", item) for item in register] for register in registers["s"]]
            )
            batch = await _batches(client, "/attendances/import", [i for r in registers["b"] for i in r])
            timed["attendances"] = (attendances, single, batch)
            kinds: list[tuple[str, str, Item]] = [
                ("courses", "/courses", _course),
                ("classes", "/classes", _class),
                ("certificates", "/certificates", _certificate),
                ("achievements", "/achievements", _achievement),
                ("visits", "/visits", _visit),
            ]
            for kind, path, item in kinds:
                single = await _singles(client, [[(path, item("s", n))] for n in range(items)])
                batch = await _batches(client, f"{path}/import", [item("b", n) for n in range(items)])
                timed[kind] = (items, single, batch)
            pairs = range(0, 2 * items, 2)  # a worker is in one pairing
            start = [
                [
                    ("/mentorships", _pairing("s", n)),
                    ("/mentorships/start", {"mentorship_id": f"m-s-{n}", "on": DAY}),
                ]
                for n in pairs
            ]
            single = await _singles(client, start)
            batch = await _batches(
                client, "/mentorships/import", [{**_pairing("b", n), "started_on": DAY} for n in pairs]
            )
            timed["mentorships"] = (len(pairs), single, batch)
    finally:
        await engine.dispose()
    return [
        figure
        for kind, (count, single, batch) in timed.items()
        for figure in _pair(kind, count, single, batch)
    ]


def _pair(kind: str, count: int, single_s: float, batch_s: float) -> list[Measurement]:
    params = {"items": count, "items_per_request": BATCH, "single_senders": SENDERS}
    path = f"/{kind}"
    one_each = "a proposal and a start (two POSTs)" if kind == "mentorships" else f"one POST {path}"
    return [
        Measurement(
            key=f"training_{kind}_import",
            label=f"{kind} via POST {path}/import",
            value=rate(count, batch_s),
            unit="items/s",
            method=(
                f"training service subprocess (uvicorn, relay and consumers running); {count} items in "
                f"requests of up to {BATCH}, one after another: each item decided by the single command's "
                "rule, all accepted items appended in one transaction"
            ),
            params=params,
            detail={"count": count, "elapsed_s": round(batch_s, 3)},
        ),
        Measurement(
            key=f"training_{kind}_single",
            label=f"{kind}, {one_each} per item",
            value=rate(count, single_s),
            unit="items/s",
            method=(
                f"the same service in the same run: {count} other items, {one_each} each, "
                f"{SENDERS} in flight"
                + (" (each class's register in order, one class per sender)" if kind == "attendances" else "")
            ),
            params=params,
            detail={"count": count, "elapsed_s": round(single_s, 3)},
        ),
    ]
