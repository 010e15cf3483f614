"""A contest at scale through the real services: 1,000 entrants x 50 judgement aspects x 3 judges
(150,000 marks) imported over HTTP, locked, standardised, publicised and ratified by the
competitions service; the registry consumes every CompetitionScored into its profiles.

Figures: entrants per second through the entrants import, beside the first entrants registered
one POST each; marks per second through the service (batch imports, a few in parallel), beside the
same number of MarkRecorded events appended straight into our event store (same batches, one
stream per entrant, no HTTP, no rules, no aggregate loads); the seconds to lock and to
standardise; and the seconds from the standardisation's request until every entrant's result
is in the registry's profiles.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.append_figures import enterprise_command, worker_command
from bench.report import Measurement, rate
from bench.resources import Resources
from bench.services import service, wait_caught_up
from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine, session_factory
from chassis.eventstore import Append, EventStore
from contracts.envelope import Envelope, StreamRef
from contracts.events.competitions import MarkRecorded
from services.competitions.domain import entry_id

ASPECTS = 50
JUDGES = ("judge-1", "judge-2", "judge-3")
ITEMS_PER_IMPORT = 3_000  # well under the 1 MiB request limit (about 90 bytes an item)
PARALLEL_IMPORTS = 3
SINGLE_ENTRANTS = 100  # at most (half the entrants) registered one POST each: the import's baseline
ENTRANTS_PER_IMPORT = 500
TRADE = worker_command("x", "y")["trade"]


def scheme() -> list[dict[str, Any]]:
    """Fifty judgement aspects of 2 marks each (100 in all)."""
    descriptors = ["not met", "basic", "good", "excellent"]
    return [
        {
            "criterion_id": f"C{c}",
            "title": f"Criterion {c}",
            "aspects": [
                {
                    "aspect_id": f"A{c * 10 + a:02}",
                    "description": "judged",
                    "kind": "judgement",
                    "max_mark": 2,
                    "descriptors": descriptors,
                }
                for a in range(10)
            ],
        }
        for c in range(ASPECTS // 10)
    ]


def marks_of(entrant: str, seed: int) -> list[dict[str, Any]]:
    """An entrant's 150 scores: per aspect a level b and each judge b or b+1 (never a discrepancy)."""
    draw = random.Random(seed)
    items = []
    for c in range(ASPECTS // 10):
        for a in range(10):
            base = draw.randint(0, 2)
            for judge in JUDGES:
                score = base + draw.randint(0, 1)
                items.append(
                    {
                        "entrant_id": entrant,
                        "aspect_id": f"A{c * 10 + a:02}",
                        "judge_id": judge,
                        "score": score,
                    }
                )
    return items


WORKER_PREFIX = "cw-"


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], expected: int = 201
) -> dict[str, Any]:
    answer = await client.post(path, json=body)
    if answer.status_code != expected:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    result: dict[str, Any] = answer.json()
    return result


async def _count(url: str, table: str, filled: str | None = None) -> int:
    """The contest's workers' rows in a service's read model (the bench may read the services'
    databases). Only theirs: other figures of the run publish other workers on the same topics."""
    where = f" WHERE worker_id LIKE '{WORKER_PREFIX}%'" + (
        "" if filled is None else f" AND {filled} IS NOT NULL"
    )
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text(f"SELECT count(*) FROM {table}{where}")) or 0)
    finally:
        await engine.dispose()


async def _until(what: str, check: Any, target: int, timeout: float) -> float:
    started = time.perf_counter()
    while (found := await check()) < target:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{what}: {found} of {target} after {timeout:.0f}s")
        await asyncio.sleep(0.25)
    return time.perf_counter() - started


async def plain_appends(res: Resources, entrants: list[str], contest_id: str) -> float:
    """The baseline: the same MarkRecorded events appended with our event store, same batches."""
    url = await res.database("competitions_baseline")
    engine = create_engine(url, pool_size=PARALLEL_IMPORTS)
    store = EventStore()
    batches = _batches(entrants)
    try:
        started = time.perf_counter()
        lanes = asyncio.Semaphore(PARALLEL_IMPORTS)

        async def one(batch: list[dict[str, Any]]) -> None:
            streams: dict[str, list[Envelope]] = {}
            for item in batch:
                stream = StreamRef(type="ContestEntry", id=entry_id(contest_id, item["entrant_id"]))
                mine = streams.setdefault(stream.id, [])
                mark = MarkRecorded(contest_id=contest_id, **item)
                mine.append(
                    Envelope.wrap(
                        mark,
                        producer="competitions",
                        stream=stream,
                        stream_version=len(mine) + 1,
                        tenant="weifang",
                    )
                )
            appends = [
                Append(StreamRef(type="ContestEntry", id=s), 0, envelopes) for s, envelopes in streams.items()
            ]
            async with lanes, session_factory(engine)() as session, session.begin():
                await store.append_many(session, appends)

        await asyncio.gather(*(one(batch) for batch in batches))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def _batches(entrants: list[str]) -> list[list[dict[str, Any]]]:
    """Whole entrants per batch (an entry's marks in one request), about ITEMS_PER_IMPORT items each."""
    per_entrant = ASPECTS * len(JUDGES)
    size = max(1, ITEMS_PER_IMPORT // per_entrant)
    return [
        [item for n, entrant in enumerate(entrants[i : i + size], start=i) for item in marks_of(entrant, n)]
        for i in range(0, len(entrants), size)
    ]


async def contest_at_scale(res: Resources, *, entrants_count: int, log_dir: Path) -> list[Measurement]:
    registry_url = await res.database("contest_registry", migrated=False)
    competitions_url = await res.database("contest_competitions", migrated=False)
    contest_id = "bench-contest"
    workers = [f"{WORKER_PREFIX}{n:05}" for n in range(entrants_count)]
    headers = bearer_headers()
    async with (
        service(
            "registry", res, database_url=registry_url, log_dir=log_dir, label="contest-registry"
        ) as registry,
        service(
            "competitions", res, database_url=competitions_url, log_dir=log_dir, label="contest-competitions"
        ) as competitions,
        httpx.AsyncClient(base_url=registry.base_url, timeout=300, headers=headers) as to_registry,
        httpx.AsyncClient(base_url=competitions.base_url, timeout=600, headers=headers) as to_competitions,
    ):
        await wait_caught_up(res, "competitions")
        enterprises = [f"bench-ent-{n}" for n in range(10)]
        for enterprise in enterprises:
            await _post(to_registry, "/enterprises", enterprise_command(enterprise))
        for i in range(0, len(workers), 1000):
            items = [
                worker_command(w, enterprises[n % len(enterprises)])
                for n, w in enumerate(workers[i : i + 1000], start=i)
            ]
            await _post(to_registry, "/workers/import", {"items": items}, 200)
        await _until(
            "competitions knows the workers",
            lambda: _count(competitions_url, "competitions_known_workers"),
            len(workers),
            timeout=600,
        )

        base = f"/contests/{contest_id}"
        await _post(
            to_competitions,
            "/contests",
            {
                "contest_id": contest_id,
                "title": "Bench contest",
                "trade": TRADE,
                "level": "city",
                "organiser_id": "weifang-federation",
                "region_id": "weifang",
                "starts_on": "2026-10-12",
                "ends_on": "2026-10-14",
            },
        )
        await _post(to_competitions, f"{base}/scheme", {"criteria": scheme()})
        for judge in JUDGES:
            await _post(to_competitions, f"{base}/judges", {"judge_id": judge})
        await _post(to_competitions, f"{base}/registration", {"on": "2026-10-01"})
        singles = min(SINGLE_ENTRANTS, len(workers) // 2)
        one_by_one, in_bulk = workers[:singles], workers[singles:]
        started = time.perf_counter()
        for worker in one_by_one:
            await _post(to_competitions, f"{base}/entrants", {"worker_ids": [worker]})
        single_s = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(0, len(in_bulk), ENTRANTS_PER_IMPORT):
            items = [{"worker_ids": [worker]} for worker in in_bulk[i : i + ENTRANTS_PER_IMPORT]]
            answer = await _post(to_competitions, f"{base}/entrants/import", {"items": items}, 200)
            if answer["refused"]:
                raise RuntimeError(f"entrants refused: {answer['items'][:2]}")
        bulk_s = time.perf_counter() - started
        await _post(to_competitions, f"{base}/start", {"on": "2026-10-12"})
        await _post(to_competitions, f"{base}/marking", {"on": "2026-10-14"})

        batches = _batches(workers)
        lanes = asyncio.Semaphore(PARALLEL_IMPORTS)

        async def import_one(batch: list[dict[str, Any]]) -> int:
            async with lanes:
                answer = await _post(to_competitions, f"{base}/marks/import", {"items": batch}, 200)
            if answer["refused"]:
                raise RuntimeError(f"marks refused: {answer['items'][:2]}")
            return int(answer["accepted"])

        started = time.perf_counter()
        marks = sum(await asyncio.gather(*(import_one(batch) for batch in batches)))
        marking_s = time.perf_counter() - started

        started = time.perf_counter()
        await _post(to_competitions, f"{base}/marks/lock", {"on": "2026-10-14"})
        lock_s = time.perf_counter() - started
        started = time.perf_counter()
        await _post(to_competitions, f"{base}/standardisation", {})
        standardise_s = time.perf_counter() - started
        await _post(
            to_competitions,
            f"{base}/publicity",
            {"publicised_on": "2026-10-15", "objections_until": "2026-10-22"},
        )
        await _post(to_competitions, f"{base}/ratification", {"on": "2026-10-23"})
        await _until(
            "every CompetitionScored in the registry's profiles",
            lambda: _count(registry_url, "registry_worker_profiles", "best_standardised_score"),
            len(workers),
            timeout=900,
        )
        in_profiles_s = time.perf_counter() - started  # from the standardisation's request
    baseline_s = await plain_appends(res, workers, contest_id)
    params = {
        "entrants": entrants_count,
        "aspects": ASPECTS,
        "judges": len(JUDGES),
        "items_per_import": ITEMS_PER_IMPORT,
        "parallel_imports": PARALLEL_IMPORTS,
    }
    service_method = (
        "POST /contests/{id}/marks/import on the competitions service (a subprocess on PostgreSQL with its "
        "relay and consumers), whole entrants per batch, a few batches in parallel; each mark checked by the "
        "rules (aspect, judge, conflict of interest, range, duplicates, discrepancy) on per-entrant streams"
    )
    entrant_params = {**params, "one_by_one": len(one_by_one), "entrants_per_import": ENTRANTS_PER_IMPORT}
    return [
        Measurement(
            "contest_entrants_import",
            "contest entrants via the import",
            rate(len(in_bulk), bulk_s),
            "entrants/s",
            "POST /contests/{id}/entrants/import, the entrants after the first few, in batches, one after "
            "another; each entrant checked by the single command's rules (known worker, trade, enterprise)",
            entrant_params,
        ),
        Measurement(
            "contest_entrants_single",
            "contest entrants one POST each",
            rate(len(one_by_one), single_s),
            "entrants/s",
            "POST /contests/{id}/entrants, one request per entrant, one after another (the baseline of the "
            "import, same contest, same run)",
            entrant_params,
        ),
        Measurement(
            "contest_marks",
            "contest marks via the service",
            rate(marks, marking_s),
            "marks/s",
            service_method,
            params,
        ),
        Measurement(
            "contest_marks_plain",
            "contest marks as plain appends",
            rate(marks, baseline_s),
            "marks/s",
            "the same MarkRecorded events, same batches and parallelism, appended with EventStore.append_many "
            "into a fresh database: no HTTP, no rules, no aggregate loads",
            params,
        ),
        Measurement(
            "contest_lock", "lock marks (loads every entry)", lock_s, "s", "POST .../marks/lock", params
        ),
        Measurement(
            "contest_standardise",
            "standardise (1 result per entrant)",
            standardise_s,
            "s",
            "POST .../standardisation",
            params,
        ),
        Measurement(
            "contest_in_profiles",
            "standardisation until every result is in the registry's profiles",
            in_profiles_s,
            "s",
            "from the standardisation's request until registry_worker_profiles has a standardised score for "
            "every entrant (relay → Kafka → registry's consumer), polled every 0.25 s",
            params,
        ),
    ]
