"""Training figures: enrolments and completions per second through the batch endpoints (beside our
event store's bulk append of the same events), and the xAPI export of N statements (beside plain
JSON serialisation of the same rows). The training service runs as a real subprocess on its own
database, with its relay and consumers on the run's Kafka topics, as in production."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report import Measurement, rate
from bench.resources import Resources
from bench.services import service
from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine, session_factory
from chassis.eventstore import EventStore
from chassis.eventstore.store import Append
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.training import TrainingCompleted, TrainingEnrolled
from services.training.read_models import known_workers, learning_records
from services.training.service import SPEC as TRAINING

BATCH = 1000  # items per import request: one class's places
DAY = "2026-09-01"
ENTERPRISE = "bench-ent"


def _class(n: int) -> str:
    return f"class-{n}"


def _enrolment(klass: int, seat: int) -> str:
    return f"enr-{klass}-{seat}"


def _worker(klass: int, seat: int) -> str:
    return f"w-{klass}-{seat}"


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    answer = await client.post(path, json=body)
    if answer.status_code >= 400:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return answer


async def _catalogue(client: httpx.AsyncClient, classes: int) -> None:
    school = {
        "school_id": "academy",
        "name": "Academy",
        "kind": "academy",
        "region_id": "370700",
        "majors": ["mechatronics"],
        "registered_on": DAY,
    }
    await _post(client, "/schools", school)
    course = {
        "course_id": "plc",
        "school_id": "academy",
        "title": "PLC",
        "major": "mechatronics",
        "hours": 48,
        "target_level": "technician",
        "capacity": BATCH,
        "opened_on": DAY,
    }
    await _post(client, "/courses", course)
    for n in range(classes):
        await _post(
            client,
            "/classes",
            {"class_id": _class(n), "course_id": "plc", "starts_on": DAY, "session_count": 4},
        )


async def _seed_workers(engine: AsyncEngine, classes: int) -> None:
    rows = [
        {"worker_id": _worker(k, s), "enterprise_id": ENTERPRISE, "skill_level": "senior", "tier": "none"}
        for k in range(classes)
        for s in range(BATCH)
    ]
    async with session_factory(engine)() as session, session.begin():
        await session.execute(insert(known_workers), rows)


async def _imports(client: httpx.AsyncClient, path: str, batches: list[list[dict[str, Any]]]) -> float:
    started = time.perf_counter()
    for items in batches:
        answer = await _post(client, path, {"items": items})
        if answer.json()["accepted"] != len(items):
            refused = next(item for item in answer.json()["items"] if item["status"] != "accepted")
            raise RuntimeError(f"{path} accepted {answer.json()['accepted']} of {len(items)}: {refused}")
    return time.perf_counter() - started


def _envelopes(klass: int, event: type[Event]) -> list[Envelope]:
    """The events one class's import appends, in its stream (for the bulk-append baseline)."""
    envelopes: list[Envelope] = []
    for seat in range(BATCH):
        fact: Event
        if event is TrainingEnrolled:
            fact = TrainingEnrolled(
                enrolment_id=_enrolment(klass, seat),
                class_id=_class(klass),
                course_id="plc",
                worker_id=_worker(klass, seat),
                enterprise_id=ENTERPRISE,
                enrolled_on=date(2026, 9, 1),
            )
        else:
            fact = TrainingCompleted(
                enrolment_id=_enrolment(klass, seat),
                worker_id=_worker(klass, seat),
                course_id="plc",
                course_title="PLC",
                hours=48,
                completed_on=date(2026, 10, 30),
                provider="Academy",
                class_id=_class(klass),
                score=80,
            )
        envelopes.append(
            Envelope.wrap(
                fact,
                producer="training",
                stream=StreamRef(type="Class", id=_class(klass)),
                stream_version=seat + 1,
                tenant="370700",
            )
        )
    return envelopes


async def _bulk_append(engine: AsyncEngine, per_class: Sequence[list[Envelope]]) -> float:
    """One append_many per class (one transaction of BATCH events), as each import request does."""
    store = EventStore()
    started = time.perf_counter()
    for envelopes in per_class:
        stream = envelopes[0].stream
        async with session_factory(engine)() as session, session.begin():
            await store.append_many(session, [Append(stream, 0, envelopes)])
    return time.perf_counter() - started


async def batch_figures(res: Resources, *, classes: int, statements: int, log_dir: Path) -> list[Measurement]:
    url = await res.database("training", extra=TRAINING.migrations)
    engine = create_engine(url, pool_size=2)
    try:
        await _seed_learning_records(engine, statements)
        await _seed_workers(engine, classes)
        async with (
            service("training", res, database_url=url, log_dir=log_dir) as training,
            httpx.AsyncClient(base_url=training.base_url, timeout=300, headers=bearer_headers()) as client,
        ):
            exported, export_s = await _export(client)
            plain_rows, plain_s = await _plain_json(engine)
            await _catalogue(client, classes)
            enrolments = [
                [
                    {
                        "enrolment_id": _enrolment(k, s),
                        "class_id": _class(k),
                        "worker_id": _worker(k, s),
                        "enrolled_on": DAY,
                    }
                    for s in range(BATCH)
                ]
                for k in range(classes)
            ]
            enrol_s = await _imports(client, "/enrolments/import", enrolments)
            for k in range(classes):  # each class starts: its first session is attended
                start = {"class_id": _class(k), "enrolment_id": _enrolment(k, 0), "session_no": 1}
                await _post(client, "/attendances", {**start, "attended_on": DAY})
            completions = [
                [
                    {
                        "class_id": _class(k),
                        "enrolment_id": _enrolment(k, s),
                        "result": "pass",
                        "score": 80,
                        "assessed_on": "2026-10-30",
                    }
                    for s in range(BATCH)
                ]
                for k in range(classes)
            ]
            complete_s = await _imports(client, "/assessments/import", completions)
    finally:
        await engine.dispose()
    bulk_url = await res.database("training_bulk")
    bulk = create_engine(bulk_url, pool_size=1)
    try:
        enrol_bulk_s = await _bulk_append(bulk, [_envelopes(k, TrainingEnrolled) for k in range(classes)])
        bulk_complete = [_envelopes(k + classes, TrainingCompleted) for k in range(classes)]
        complete_bulk_s = await _bulk_append(bulk, bulk_complete)
    finally:
        await bulk.dispose()
    total = classes * BATCH
    params = {"classes": classes, "items_per_request": BATCH}
    import_method = (
        "training service subprocess (uvicorn; relay and consumers running), one HTTP client in the bench "
        "process; each request {what} {n} items of one class: validated one by one, the class, its course "
        "and school loaded once, the rules per item, ONE append_many in one transaction, an answer per item"
    )
    bulk_method = (
        "EventStore.append_many in-process into a fresh database: the same {what} events, one class's "
        f"{BATCH} per transaction, envelopes built before the clock; no HTTP, no validation, no aggregate"
    )
    return [
        Measurement(
            key="training_enrolments",
            label="enrolments via POST /enrolments/import",
            value=rate(total, enrol_s),
            unit="events/s",
            method=import_method.format(what="enrols", n=BATCH),
            params=params,
            detail={"count": total, "elapsed_s": round(enrol_s, 3)},
        ),
        Measurement(
            key="training_enrolments_bulk",
            label="bulk append of the same TrainingEnrolled",
            value=rate(total, enrol_bulk_s),
            unit="events/s",
            method=bulk_method.format(what="TrainingEnrolled"),
            params=params,
            detail={"count": total, "elapsed_s": round(enrol_bulk_s, 3)},
        ),
        Measurement(
            key="training_completions",
            label="completions via POST /assessments/import",
            value=rate(total, complete_s),
            unit="events/s",
            method=import_method.format(what="assesses (pass, with a score)", n=BATCH),
            params=params,
            detail={"count": total, "elapsed_s": round(complete_s, 3)},
        ),
        Measurement(
            key="training_completions_bulk",
            label="bulk append of the same TrainingCompleted",
            value=rate(total, complete_bulk_s),
            unit="events/s",
            method=bulk_method.format(what="TrainingCompleted"),
            params=params,
            detail={"count": total, "elapsed_s": round(complete_bulk_s, 3)},
        ),
        Measurement(
            key="training_xapi_export",
            label=f"xAPI export of {exported:,} statements (GET /xapi/statements)",
            value=rate(exported, export_s),
            unit="statements/s",
            method=(
                "GET /xapi/statements on the training service: the learning records read in batches of "
                "2,000 rows (server-side cursor), each turned into an xAPI statement and streamed as one "
                "StatementResult; timed in the client until the last byte, then parsed to count"
            ),
            params={"statements": statements},
            detail={"count": exported, "elapsed_s": round(export_s, 3)},
        ),
        Measurement(
            key="training_xapi_plain_json",
            label="plain json.dumps of the same rows",
            value=rate(plain_rows, plain_s),
            unit="rows/s",
            method=(
                "in-process: SELECT the same learning-record rows from the same database and json.dumps "
                "each row's columns (no statement shape, no HTTP)"
            ),
            params={"statements": statements},
            detail={"count": plain_rows, "elapsed_s": round(plain_s, 3)},
        ),
    ]


async def _seed_learning_records(engine: AsyncEngine, count: int) -> None:
    rows = [
        {
            "enrolment_id": f"seed-{n}",
            "event_id": f"0190a000-0000-7000-8000-{n:012d}",
            "worker_id": f"w-seed-{n % 5000}",
            "course_id": f"course-{n % 40}",
            "course_title": "PLC高级编程与故障诊断",
            "hours": 48.0,
            "completed_on": date(2026, 4, 30),
            "provider": "潍坊市劳模工匠学院",
            "class_id": f"class-seed-{n // 40}",
            "score": 60 + n % 40,
        }
        for n in range(count)
    ]
    async with session_factory(engine)() as session, session.begin():
        for start in range(0, len(rows), 10_000):
            await session.execute(insert(learning_records), rows[start : start + 10_000])


async def _export(client: httpx.AsyncClient) -> tuple[int, float]:
    started = time.perf_counter()
    body = bytearray()
    async with client.stream("GET", "/xapi/statements") as answer:
        answer.raise_for_status()
        async for chunk in answer.aiter_bytes():
            body.extend(chunk)
    elapsed = time.perf_counter() - started
    return len(json.loads(body)["statements"]), elapsed


async def _plain_json(engine: AsyncEngine) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    async with session_factory(engine)() as session:
        result = await session.stream(select(learning_records).execution_options(yield_per=2000))
        async for row in result:
            json.dumps(dict(row._mapping), default=str, ensure_ascii=False)
            count += 1
    return count, time.perf_counter() - started
