"""Command append over the registry's HTTP API vs the `eventsourcing` library in-process.

Both sides: C concurrent writers, one new aggregate (one event) per transaction, into
a fresh database on the same Postgres server, for the same duration after a warm-up.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.lean_http import HttpError, LeanClient
from bench.report import Measurement, percentile, rate
from bench.resources import PostgresServer, Resources
from bench.services import RunningService, service_roles, wait_caught_up
from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine
from chassis.eventstore import EventStore
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import WorkerRegistered
from contracts.vocabulary import SkillLevel


@dataclass
class Tally:
    ok: int = 0
    errors: int = 0
    first_error: str = ""
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {
            "errors": self.errors,
            "first_error": self.first_error or None,
            "latency_p50_ms": round(percentile(lat, 50), 2) if lat else None,
            "latency_p99_ms": round(percentile(lat, 99), 2) if lat else None,
        }


def worker_command(worker_id: str, enterprise_id: str) -> dict[str, Any]:
    return {
        "worker_id": worker_id,
        "enterprise_id": enterprise_id,
        "full_name": "王建国",
        "trade": "industrial robot system operation",
        "skill_level": "senior",
    }


def enterprise_command(enterprise_id: str) -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "name": "潍柴动力 (bench)",
        "region_id": "weifang",
        "industry": "power equipment",
    }


async def _hammer(
    client: LeanClient, enterprise_id: str, *, concurrency: int, seconds: float, tag: str
) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.perf_counter() + seconds

    async def writer(lane: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            sent = time.perf_counter()
            try:
                answer = await client.post(
                    "/workers", json=worker_command(f"{tag}-{lane}-{n}", enterprise_id)
                )
            except HttpError as error:
                tally.errors += 1
                tally.first_error = tally.first_error or repr(error)
                continue
            if answer.status_code == 201:
                tally.ok += 1
                tally.latencies_ms.append((time.perf_counter() - sent) * 1000)
            else:
                tally.errors += 1
                tally.first_error = tally.first_error or f"{answer.status_code} {answer.text[:300]}"

    started = time.perf_counter()
    await asyncio.gather(*(writer(lane) for lane in range(concurrency)))
    return tally, time.perf_counter() - started


async def _http_floor(
    client: LeanClient, registry: RunningService, *, concurrency: int, seconds: float
) -> dict[str, float]:
    """GET /health with the same writers: what the HTTP stack alone costs the service per request."""
    await asyncio.sleep(1.0)  # let the service's consumers finish the events of the append run
    deadline = time.perf_counter() + seconds
    counts = [0] * concurrency

    async def lane(index: int) -> None:
        while time.perf_counter() < deadline:
            (await client.get("/health")).raise_for_status()
            counts[index] += 1

    cpu, started = registry.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(lane(i) for i in range(concurrency)))
    cpu, elapsed = registry.cpu_seconds() - cpu, time.perf_counter() - started
    total = sum(counts)
    return {
        "health_requests_per_s": round(rate(total, elapsed), 1),
        "service_cpu_ms_per_request": round(cpu * 1000 / total, 3) if total else 0.0,
    }


async def api_append(
    res: Resources,
    *,
    concurrency: int,
    seconds: float,
    warmup_seconds: float,
    log_dir: Path,
    split_roles: bool,
) -> list[Measurement]:
    """The API append figure, then the batch import figure on the same service."""
    url = await res.database("registry_append", migrated=False)  # the service migrates itself
    async with service_roles("registry", res, database_url=url, log_dir=log_dir, split=split_roles) as (
        registry,
        processes,
    ):
        catch_up = await wait_caught_up(res, "registry")
        # Not httpx: on the same two cores its CPU per request was the service's own (lean_http)
        async with LeanClient(
            registry.base_url, timeout=30, max_connections=concurrency, headers=bearer_headers()
        ) as client:
            enterprise_id = f"bench-ent-{res.run_id}"
            (await client.post("/enterprises", json=enterprise_command(enterprise_id))).raise_for_status()
            await _hammer(
                client,
                enterprise_id,
                concurrency=concurrency,
                seconds=warmup_seconds,
                tag=f"bw-{res.run_id}-w",
            )
            service_cpu, bench_cpu = _cpu(processes), time.process_time()
            tally, elapsed = await _hammer(
                client, enterprise_id, concurrency=concurrency, seconds=seconds, tag=f"bw-{res.run_id}-m"
            )
            service_cpu, bench_cpu = _cpu(processes) - service_cpu, time.process_time() - bench_cpu
            floor = await _http_floor(client, registry, concurrency=concurrency, seconds=min(3.0, seconds))
            imported = await batch_import(client, enterprise_id, tag=f"bi-{res.run_id}")
    if tally.ok == 0:
        raise RuntimeError(f"no command succeeded: {tally.first_error}")
    roles = "api | relay,consumers (two processes)" if split_roles else "api,relay,consumers (one process)"
    appended = Measurement(
        key="api_append",
        label="append via registry HTTP API",
        value=rate(tally.ok, elapsed),
        unit="events/s",
        method=(
            f"registry service subprocess(es), roles {roles} (uvicorn); C writers in the "
            "bench process (bench.lean_http: keep-alive HTTP/1.1, one connection each), each POST /workers (with the person's name, so the vault is written) in a "
            "loop: JSON → pydantic command → the enterprise's tenant (kept by the process once read) → "
            "load the Enterprise stream → decide → ONE statement: event + outbox row + the vault's key "
            "and sealed record (version check by the unique constraint, 'worker exists' folded into it), "
            "no BEGIN/COMMIT, shared by the requests in flight (group commit); the relay and the "
            "registry's consumers run alongside, as in production"
        ),
        params={
            "concurrency": concurrency,
            "seconds": seconds,
            "warmup_seconds": warmup_seconds,
            "events_per_command": 1,
            "roles": roles,
        },
        detail={
            "count": tally.ok,
            "elapsed_s": round(elapsed, 3),
            **tally.summary(),
            "service_cpu_ms_per_event": round(service_cpu * 1000 / tally.ok, 2),
            "service_cpu_utilisation": round(service_cpu / elapsed, 2),
            "client_cpu_ms_per_event": round(bench_cpu * 1000 / tally.ok, 2),
            "http_floor": floor,
            "catch_up_before_s": round(catch_up.seconds, 1),
            "caught_up_before": catch_up.caught_up,
        },
    )
    return [appended, imported]


def _cpu(processes: list[RunningService]) -> float:
    return sum(process.cpu_seconds() for process in processes)


BATCH = 1000
BATCHES = 5


async def batch_import(client: LeanClient, enterprise_id: str, *, tag: str) -> Measurement:
    """POST /workers/import with 1,000 new workers, a few times; the median request time."""
    times: list[float] = []
    for batch in range(BATCHES):
        items = [worker_command(f"{tag}-{batch}-{n}", enterprise_id) for n in range(BATCH)]
        started = time.perf_counter()
        answer = await client.post("/workers/import", json={"items": items})
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
        if answer.json()["accepted"] != BATCH:
            raise RuntimeError(f"batch import accepted {answer.json()['accepted']} of {BATCH}")
    return Measurement(
        key="batch_import",
        label="batch import of 1,000 workers (HTTP)",
        value=percentile(times, 50),
        unit="s",
        method=(
            "POST /workers/import on the registry with 1,000 new workers of one enterprise: items validated "
            "one by one, one existence query, one append_many in one transaction, an answer per item; "
            f"median of {BATCHES} requests, timed in the client"
        ),
        params={"workers_per_request": BATCH, "requests": BATCHES},
        detail={
            "count": BATCH * BATCHES,
            "elapsed_s": round(sum(times), 3),
            "seconds": [round(t, 3) for t in times],
        },
    )


async def store_append(
    res: Resources, *, concurrency: int, seconds: float, warmup_seconds: float
) -> Measurement:
    """Our EventStore against eventsourcing store-to-store: C asyncio tasks, one new stream (one
    event) per transaction, into a fresh database on the same Postgres server."""
    url = await res.database("store_append")
    engine = create_engine(url, pool_size=concurrency)
    store = EventStore()
    event = WorkerRegistered(
        worker_id="w",
        enterprise_id="bench-ent",
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
    )

    async def run(tag: str, duration: float) -> tuple[Tally, float]:
        tally = Tally()
        deadline = time.perf_counter() + duration

        async def lane(index: int) -> None:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                stream = StreamRef(type="Worker", id=f"{tag}-{index}-{n}")
                sent = time.perf_counter()
                envelope = Envelope.wrap(
                    event.model_copy(update={"worker_id": stream.id}),
                    producer="registry",
                    stream=stream,
                    stream_version=1,
                    tenant="bench-ent",
                )
                try:
                    await store.append_alone(engine, stream, 0, [envelope])
                except Exception as error:
                    tally.errors += 1
                    tally.first_error = tally.first_error or repr(error)
                    continue
                tally.ok += 1
                tally.latencies_ms.append((time.perf_counter() - sent) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(lane(i) for i in range(concurrency)))
        return tally, time.perf_counter() - started

    try:
        await run("w", warmup_seconds)
        cpu = time.process_time()
        tally, elapsed = await run("m", seconds)
        cpu = time.process_time() - cpu
    finally:
        await engine.dispose()
    if tally.ok == 0:
        raise RuntimeError(f"no store append succeeded: {tally.first_error}")
    return Measurement(
        key="store_append",
        label="append via EventStore (in-process)",
        value=rate(tally.ok, elapsed),
        unit="events/s",
        method=(
            "chassis EventStore.append_alone on Postgres (asyncpg), C asyncio tasks in one process each "
            "wrapping a new event in an envelope and appending it to a new stream in a transaction of its "
            "own: one statement (event, version check, outbox row), atomic by itself, no BEGIN/COMMIT "
            "round trips; no HTTP and no aggregate load, like the eventsourcing side (app.save())"
        ),
        params={
            "concurrency": concurrency,
            "seconds": seconds,
            "warmup_seconds": warmup_seconds,
            "events_per_command": 1,
        },
        detail={
            "count": tally.ok,
            "elapsed_s": round(elapsed, 3),
            **tally.summary(),
            "process_cpu_ms_per_event": round(cpu * 1000 / tally.ok, 2),
        },
    )


# --- the baseline: pyeventsourcing ------------------------------------------------


class BenchWorker(Aggregate):
    @event("Registered")
    def __init__(
        self, worker_id: str, enterprise_id: str, full_name: str, trade: str, skill_level: str
    ) -> None:
        self.worker_id = worker_id
        self.enterprise_id = enterprise_id
        self.full_name = full_name
        self.trade = trade
        self.skill_level = skill_level


class BenchRegistry(Application[Any]):
    name = "BenchRegistry"


def eventsourcing_env(server: PostgresServer, dbname: str, pool_size: int) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": server.host,
        "POSTGRES_PORT": str(server.port),
        "POSTGRES_USER": server.user,
        "POSTGRES_PASSWORD": server.password,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
    }


def _es_run(app: BenchRegistry, *, concurrency: int, seconds: float, tag: str) -> tuple[Tally, float]:
    tally = Tally()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def writer(lane: int) -> None:
        n, ok, latencies = 0, 0, []
        errors, first = 0, ""
        while time.perf_counter() < deadline:
            n += 1
            command = worker_command(f"{tag}-{lane}-{n}", "bench-ent")
            sent = time.perf_counter()
            try:
                app.save(BenchWorker(**command))
            except Exception as error:
                errors += 1
                first = first or repr(error)
                continue
            ok += 1
            latencies.append((time.perf_counter() - sent) * 1000)
        with lock:
            tally.ok += ok
            tally.errors += errors
            tally.first_error = tally.first_error or first
            tally.latencies_ms.extend(latencies)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(writer, range(concurrency)))
    return tally, time.perf_counter() - started


def _eventsourcing_sync(
    server: PostgresServer, dbname: str, *, concurrency: int, seconds: float, warmup_seconds: float
) -> tuple[Tally, float, float]:
    """(tally, seconds, CPU seconds of this process: the library, its pool and the writer threads)."""
    app = BenchRegistry(env=eventsourcing_env(server, dbname, concurrency))
    try:
        _es_run(app, concurrency=concurrency, seconds=warmup_seconds, tag="w")
        cpu = time.process_time()
        tally, elapsed = _es_run(app, concurrency=concurrency, seconds=seconds, tag="m")
        return tally, elapsed, time.process_time() - cpu
    finally:
        app.close()


async def eventsourcing_append(
    res: Resources, *, concurrency: int, seconds: float, warmup_seconds: float
) -> Measurement:
    url = await res.database("eventsourcing", migrated=False)
    run: Callable[[], tuple[Tally, float, float]] = lambda: _eventsourcing_sync(  # noqa: E731
        res.server,
        res.database_name(url),
        concurrency=concurrency,
        seconds=seconds,
        warmup_seconds=warmup_seconds,
    )
    tally, elapsed, cpu = await asyncio.to_thread(run)
    if tally.ok == 0:
        raise RuntimeError(f"no eventsourcing save succeeded: {tally.first_error}")
    from importlib.metadata import version

    return Measurement(
        key="eventsourcing_append",
        label="append via eventsourcing (in-process)",
        value=rate(tally.ok, elapsed),
        unit="events/s",
        method=(
            f"eventsourcing {version('eventsourcing')} Application with eventsourcing.postgres "
            "(psycopg 3 pool), C threads in one process each creating a new Aggregate (one event) and "
            "app.save() in a loop: no HTTP, no command validation, no aggregate load, no outbox and no "
            "Kafka; its recorder takes a table lock per insert to keep notification ids gap-free"
        ),
        params={
            "concurrency": concurrency,
            "seconds": seconds,
            "warmup_seconds": warmup_seconds,
            "events_per_command": 1,
        },
        detail={
            "count": tally.ok,
            "elapsed_s": round(elapsed, 3),
            **tally.summary(),
            "process_cpu_ms_per_event": round(cpu * 1000 / tally.ok, 2),
        },
    )
