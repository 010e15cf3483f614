"""End to end: an HTTP command on the registry until the training service's read model has it.

Open loop: commands go out on a fixed schedule (rate R for S seconds), never waiting
for earlier answers. Latency = training's inbox.processed_at (written in the same
transaction as its training_known_workers row) - the moment the schedule said to send
the command; both are wall-clock times of this one machine. Kafka record timestamps
(set when the relay hands the record to the producer) split it into two stages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy import bindparam, func, select, text

from bench.append_figures import enterprise_command, worker_command
from bench.lean_http import HttpError, LeanClient
from bench.report import Measurement, percentile
from bench.resources import Resources, offsets, partitions_of, read_between
from bench.services import RunningService, service, service_roles, wait_caught_up
from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine
from chassis.eventstore.schema import inbox
from contracts.topics import REGISTRY_EVENTS

# Unanswered commands at most. Without a cap, an overloaded service gets thousands of
# connections and the bench's own HTTP client melts down first (that measures httpx).
MAX_IN_FLIGHT = 200


@dataclass(frozen=True)
class Sent:
    due_at: float  # wall clock (epoch seconds) the schedule said to send at: the latency's origin
    sent_at: float  # wall clock the request actually left (later when the in-flight cap was reached)
    answered_ms: float | None
    event_id: str | None
    error: str | None = None


@dataclass(frozen=True)
class OpenLoop:
    sent: list[Sent]
    window_s: float  # from the first scheduled send to one interval after the last
    max_lateness_ms: float  # how far behind schedule the bench's own scheduler fell
    max_in_flight: int


async def open_loop(
    client: LeanClient,
    enterprise_id: str,
    *,
    rate_per_s: float,
    seconds: float,
    tag: str,
    max_in_flight: int = 0,
) -> OpenLoop:
    """Commands on a fixed schedule. Latencies start at the scheduled moment, so a command that
    waited for a free slot (more than `max_in_flight` unanswered) still counts its wait: the
    schedule is never bent to the system's pace (no coordinated omission)."""
    count = max(1, round(rate_per_s * seconds))
    results: list[Sent | None] = [None] * count
    max_in_flight = max_in_flight or MAX_IN_FLIGHT
    slots = asyncio.Semaphore(max_in_flight)

    async def one(index: int, due_at: float) -> None:
        async with slots:
            sent_at, started = time.time(), time.perf_counter()
            try:
                answer = await client.post("/workers", json=worker_command(f"{tag}-{index}", enterprise_id))
            except HttpError as error:
                results[index] = Sent(due_at, sent_at, None, None, repr(error))
                return
        answered_ms = (time.perf_counter() - started) * 1000
        if answer.status_code != 201:
            error_text = f"{answer.status_code} {answer.text[:200]}"
            results[index] = Sent(due_at, sent_at, answered_ms, None, error_text)
            return
        results[index] = Sent(due_at, sent_at, answered_ms, str(answer.json()["events"][0]["event_id"]))

    tasks: list[asyncio.Task[None]] = []
    lateness = 0.0
    start, wall_start = time.perf_counter(), time.time()
    for index in range(count):
        due = start + index / rate_per_s
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lateness = max(lateness, time.perf_counter() - due)
        tasks.append(asyncio.create_task(one(index, wall_start + index / rate_per_s)))
    window = time.perf_counter() - start + 1 / rate_per_s
    await asyncio.gather(*tasks)
    return OpenLoop([r for r in results if r is not None], window, lateness * 1000, max_in_flight)


async def processed_times(database_url: str, event_ids: Sequence[str], *, timeout: float) -> dict[str, float]:
    """event_id → training's processed_at (epoch seconds), waiting until all are there or time runs out."""
    query = (
        select(inbox.c.event_id, func.min(inbox.c.processed_at))
        .where(inbox.c.event_id.in_(bindparam("ids", expanding=True)))
        .group_by(inbox.c.event_id)
    )
    engine = create_engine(database_url, pool_size=1)
    found: dict[str, float] = {}
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with engine.connect() as connection:
                rows = (await connection.execute(query, {"ids": list(event_ids)})).all()
            found = {str(event_id): at.timestamp() for event_id, at in rows}
            if len(found) >= len(event_ids) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


async def known_workers(database_url: str, worker_ids: Sequence[str]) -> int:
    """How many of the workers training's read model holds (read by name: not this package's table)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT count(*) FROM training_known_workers WHERE worker_id = ANY(:ids)"),
                {"ids": list(worker_ids)},
            )
        return int(found or 0)
    finally:
        await engine.dispose()


async def record_times(kafka: str, start: dict[TopicPartition, int]) -> dict[str, float]:
    """event_id header → Kafka record timestamp (epoch seconds) for records after `start`."""
    _, end = await offsets(kafka, list(start))
    times: dict[str, float] = {}

    async def note(records: list[ConsumerRecord[bytes, bytes]]) -> None:
        for record in records:
            event_id = dict(record.headers or ()).get("event_id")
            if event_id is not None:
                times[event_id.decode()] = record.timestamp / 1000

    async with asyncio.timeout(60):
        await read_between(kafka, start, end, note, client_id="bench-e2e-times", max_records=5000)
    return times


def stage_summary(values_ms: Sequence[float]) -> dict[str, float | None]:
    if not values_ms:
        return {"p50": None, "p99": None, "max": None}
    return {
        "p50": round(percentile(values_ms, 50), 2),
        "p99": round(percentile(values_ms, 99), 2),
        "max": round(max(values_ms), 2),
    }


@dataclass(frozen=True)
class Pass:
    loop: OpenLoop
    processed: dict[str, float]
    published: dict[str, float]
    context: dict[str, Any]


async def _pass(
    client: LeanClient,
    services: Sequence[RunningService],
    kafka: str,
    topic: str,
    training_url: str,
    enterprise_id: str,
    *,
    rate_per_s: float,
    seconds: float,
    tag: str,
) -> Pass:
    """One open-loop run, then wait until training applied every accepted command."""
    start = (await offsets(kafka, await partitions_of(kafka, [topic])))[1]
    cpu_before = {svc.name: svc.cpu_seconds() for svc in services}
    loop = await open_loop(client, enterprise_id, rate_per_s=rate_per_s, seconds=seconds, tag=tag)
    ids = [s.event_id for s in loop.sent if s.event_id is not None]
    processed = await processed_times(training_url, ids, timeout=120)
    cpu = {svc.name: round(svc.cpu_seconds() - cpu_before[svc.name], 2) for svc in services}
    known = await known_workers(training_url, [f"{tag}-{i}" for i in range(len(loop.sent))])
    published = await record_times(kafka, start)
    return Pass(loop, processed, published, {"known_workers_rows": known, "service_cpu_s": cpu})


async def end_to_end(
    res: Resources,
    *,
    rate_per_s: float,
    seconds: float,
    low_rate_per_s: float,
    low_seconds: float,
    warmup_seconds: float,
    log_dir: Path,
    split_roles: bool,
) -> list[Measurement]:
    """A pass at a low rate the services surely sustain, then the pass at the stated rate."""
    registry_url = await res.database("e2e_registry", migrated=False)
    training_url = await res.database("e2e_training", migrated=False)
    async with (
        service("training", res, database_url=training_url, log_dir=log_dir) as training,
        service_roles("registry", res, database_url=registry_url, log_dir=log_dir, split=split_roles) as (
            registry,
            registry_processes,
        ),
    ):
        caught = [await wait_caught_up(res, name) for name in ("registry", "training")]
        # Open loop: a slow answer must not fail the command, it must show in the latency. Not
        # httpx: at 200/s its CPU per request took a core the services needed (lean_http).
        async with LeanClient(
            registry.base_url, timeout=120, max_connections=MAX_IN_FLIGHT, headers=bearer_headers()
        ) as client:
            enterprise_id = f"bench-e2e-{res.run_id}"
            (await client.post("/enterprises", json=enterprise_command(enterprise_id))).raise_for_status()
            every = (*registry_processes, training)
            args = (client, every, res.kafka, res.prefix + REGISTRY_EVENTS, training_url, enterprise_id)
            await _pass(*args, rate_per_s=low_rate_per_s, seconds=warmup_seconds, tag=f"be-{res.run_id}-w")
            low = await _pass(*args, rate_per_s=low_rate_per_s, seconds=low_seconds, tag=f"be-{res.run_id}-l")
            high = await _pass(*args, rate_per_s=rate_per_s, seconds=seconds, tag=f"be-{res.run_id}-m")
    roles = "registry api | relay,consumers" if split_roles else "registry in one process"
    catch_up = {
        "catch_up_before_s": {", ".join(c.groups): round(c.seconds, 1) for c in caught},
        "roles": roles,
    }
    return [
        *measurements(high, rate_per_s=rate_per_s, seconds=seconds, prefix="e2e", extra=catch_up),
        *measurements(low, rate_per_s=low_rate_per_s, seconds=low_seconds, prefix="e2e_low"),
    ]


def measurements(
    run: Pass, *, rate_per_s: float, seconds: float, prefix: str, extra: dict[str, Any] | None = None
) -> list[Measurement]:
    """p50, p99 and achieved rate from when each command was sent, reached Kafka and was applied."""
    loop, processed, published = run.loop, run.processed, run.published
    accepted = [s for s in loop.sent if s.event_id is not None]
    errors = [s for s in loop.sent if s.event_id is None]
    latencies = [(processed[s.event_id] - s.due_at) * 1000 for s in accepted if s.event_id in processed]
    if not latencies:
        raise RuntimeError(f"no command became visible in training ({len(errors)} errors: {errors[:1]})")
    to_kafka = [(published[s.event_id] - s.due_at) * 1000 for s in accepted if s.event_id in published]
    waited = [(s.sent_at - s.due_at) * 1000 for s in loop.sent]
    kafka_to_model = [
        (processed[s.event_id] - published[s.event_id]) * 1000
        for s in accepted
        if s.event_id in processed and s.event_id in published
    ]
    answered = [s.answered_ms for s in accepted if s.answered_ms is not None]
    first_send = min(s.due_at for s in loop.sent)
    last_visible = max(processed[s.event_id] for s in accepted if s.event_id in processed)
    label = f"end to end @{rate_per_s:g}/s"
    params = {
        "target_rate_per_s": rate_per_s,
        "seconds": seconds,
        "commands": len(loop.sent),
        "mode": "open loop",
    }
    method = (
        "registry and training as subprocesses on the run's own topics, each on its own fresh database; "
        "POST /workers on a fixed "
        "schedule (at most max_in_flight unanswered); latency = training inbox.processed_at (same transaction "
        "as training_known_workers) - the command's scheduled send time, same machine clock"
    )
    detail = {
        "accepted": len(accepted),
        "errors": len(errors),
        "first_error": errors[0].error if errors else None,
        "visible": len(latencies),
        "missing": len(accepted) - len(latencies),
        "send_rate_per_s": round(len(loop.sent) / loop.window_s, 1),
        "max_schedule_lateness_ms": round(loop.max_lateness_ms, 2),
        "max_in_flight": loop.max_in_flight,
        "wait_for_a_free_slot_ms": stage_summary(waited),
        "latency_ms": {**stage_summary(latencies), "mean": round(sum(latencies) / len(latencies), 2)},
        "http_answer_ms": stage_summary(answered),
        "due_to_kafka_record_ms": stage_summary(to_kafka),
        "kafka_record_to_read_model_ms": stage_summary(kafka_to_model),
        **run.context,
        **(extra or {}),
    }
    return [
        Measurement(f"{prefix}_p50", f"{label} p50", percentile(latencies, 50), "ms", method, params, detail),
        Measurement(f"{prefix}_p99", f"{label} p99", percentile(latencies, 99), "ms", method, params),
        Measurement(
            f"{prefix}_rate",
            f"{label} achieved rate",
            len(latencies) / (last_visible - first_send),
            "commands/s",
            "commands visible in training's read model / (last visible - first sent)",
            params,
        ),
    ]
