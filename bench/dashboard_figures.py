"""The dashboard's pages at city scale: latency of each JSON view over HTTP, beside the same
view's queries run directly on a database session (no HTTP, no token check, no response model).

The read model is a planned city (tests/dashboard_city.py: 12,000 workers, 300 enterprises,
12 counties in a full run) projected through the dashboard's own inbox consumer and projectors,
on the embedded SQLite default and on PostgreSQL.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.report import Measurement, percentile
from bench.resources import Resources
from chassis import migrate
from chassis.auth_tokens import CITY_UNION, bearer_headers
from chassis.db import create_engine, session_factory
from services.dashboard import read_models
from services.dashboard.queries import DashboardQueries
from services.dashboard.service import SPEC
from tests.dashboard_city import City, build_city, dashboard_consumer
from tests.service_support import http_service, record_of

CITY_WORKERS = 12_000
BATCH = 500
Query = Callable[[DashboardQueries], Awaitable[Any]]


def city_of(workers: int) -> City:
    scale = workers / CITY_WORKERS
    return build_city(
        workers=workers,
        enterprises=max(10, round(300 * scale)),
        counties=12,
        contests=max(3, round(30 * scale)),
        seed=2026,
    )


async def project(engine: AsyncEngine, city: City) -> float:
    """Seconds to project the city through the inbox consumer, in batches as Kafka hands them."""
    consumer = dashboard_consumer(engine)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(city.envelopes)]
    started = time.perf_counter()
    for start in range(0, len(records), BATCH):
        outcome = await consumer.process(records[start : start + BATCH])
        assert not outcome.dead_letters, outcome.dead_letters[:1]
    return time.perf_counter() - started


async def _rows(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    async with engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in await connection.execute(select(table))]
            for table in read_models.metadata.sorted_tables
        }


async def _copy(engine: AsyncEngine, rows: dict[str, list[dict[str, Any]]]) -> None:
    async with engine.begin() as connection:
        for table in read_models.metadata.sorted_tables:
            for start in range(0, len(rows[table.name]), 5_000):
                await connection.execute(insert(table), rows[table.name][start : start + 5_000])
    async with engine.connect() as connection:  # fresh statistics, as autovacuum would give a live one
        if connection.dialect.name == "postgresql":
            await (await connection.execution_options(isolation_level="AUTOCOMMIT")).execute(
                text("VACUUM ANALYZE")
            )


def views(city: City) -> dict[str, tuple[str, dict[str, Any], Query]]:
    """Each page request and the same view's queries, called without HTTP."""
    county = city.counties[0]
    enterprise = next(iter(city.enterprise_county))
    worker = next(iter(city.worker_enterprise))

    async def roster(q: DashboardQueries) -> Any:
        found = await q.enterprise(enterprise)
        assert found is not None
        return await q.roster(found, None)

    async def timeline(q: DashboardQueries) -> Any:
        return await q.profile(await q.worker(worker), None)

    async def counts(q: DashboardQueries) -> Any:
        return await q.counts(None, None, await q.region_tree())

    async def county_pyramid(q: DashboardQueries) -> Any:
        return await q.pyramid(None, (await q.region_tree()).under(county))

    return {
        "pyramid": ("/api/pyramid", {}, lambda q: q.pyramid(None, None)),
        "pyramid, one county, one year": (
            "/api/pyramid",
            {"region": county, "year": 2026},
            county_pyramid,
        ),
        "counts": ("/api/counts", {}, counts),
        "contests": ("/api/contests", {}, lambda q: q.contests(None, None)),
        "leaderboard": (
            "/api/contests/contest-0/leaderboard",
            {},
            lambda q: q.leaderboard("contest-0", None, 50),
        ),
        "points leaders": ("/api/points/leaders", {}, lambda q: q.points_leaders(None, None, 20)),
        "grants": ("/api/grants", {}, lambda q: q.programme_bars(None, None)),
        "enterprises": ("/api/enterprises", {}, lambda q: q.enterprises(None)),
        "roster": (f"/api/enterprises/{enterprise}/roster", {}, roster),
        "timeline": (f"/api/workers/{worker}/timeline", {}, timeline),
    }


async def _timed(call: Callable[[], Awaitable[Any]], rounds: int) -> list[float]:
    await call()  # warm: the first call compiles and caches statements
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _measure(
    engine: AsyncEngine, city: City, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    pages: dict[str, list[float]] = {}
    queries: dict[str, list[float]] = {}
    transport = httpx.ASGITransport(app=http_service(engine, SPEC))
    sessions = session_factory(engine)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=bearer_headers(CITY_UNION)
    ) as client:
        for name, (path, params, query) in views(city).items():

            async def page(path: str = path, params: dict[str, Any] = params) -> None:
                answer = await client.get(path, params=params)
                assert answer.status_code == 200, answer.text[:300]

            async def direct(query: Query = query) -> None:
                session: AsyncSession
                async with sessions() as session:
                    await query(DashboardQueries(session))

            pages[name] = await _timed(page, rounds)
            queries[name] = await _timed(direct, rounds)
    return pages, queries


def _summary(samples: dict[str, list[float]]) -> dict[str, Any]:
    return {
        name: {"p50_ms": round(percentile(v, 50), 2), "p99_ms": round(percentile(v, 99), 2)}
        for name, v in samples.items()
    }


async def page_latency(res: Resources, *, workers: int = CITY_WORKERS, rounds: int = 50) -> list[Measurement]:
    city = city_of(workers)
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory() as folder:
        backends = {
            "sqlite": f"sqlite+aiosqlite:///{Path(folder) / 'dashboard.db'}",
            "postgres": await res.database("dashboard", migrated=False),
        }
        projected: dict[str, list[dict[str, Any]]] = {}
        for backend, url in backends.items():
            engine = create_engine(url)
            try:
                await migrate.upgrade(engine, SPEC.migrations)
                if not projected:  # the first backend projects the city through the consumer
                    projection_s = await project(engine, city)
                    projected = await _rows(engine)
                else:  # the others get the same rows copied (the figure is the pages, not the projection)
                    await _copy(engine, projected)
                pages, queries = await _measure(engine, city, rounds)
            finally:
                await engine.dispose()
            every_page = [ms for samples in pages.values() for ms in samples]
            every_query = [ms for samples in queries.values() for ms in samples]
            params = {"backend": backend, "workers": workers, "events": len(city.envelopes), "rounds": rounds}
            detail = {
                "projection_s": round(projection_s, 1),
                "read_model": "projected by the dashboard's consumer"
                if backend == next(iter(backends))
                else "the rows the first backend projected, copied",
                "pages": _summary(pages),
                "queries": _summary(queries),
            }
            page_method = (
                f"GET each of {len(pages)} JSON views {rounds} times after a warm-up, one at a time, through "
                "FastAPI (in process, httpx ASGI transport) with a city union bearer token: auth, region "
                "scope, the queries, the response model and JSON"
            )
            query_method = (
                "the same views' queries (DashboardQueries, the statements the endpoints run) on a fresh "
                "session each time, with no HTTP, token check or response model"
            )
            for stat in (50, 99):
                measurements.append(
                    Measurement(
                        f"dashboard_page_p{stat}_{backend}",
                        f"dashboard page p{stat} ({backend}, {workers:,} workers)",
                        round(percentile(every_page, stat), 2),
                        "ms",
                        page_method,
                        params,
                        detail,
                    )
                )
                measurements.append(
                    Measurement(
                        f"dashboard_query_p{stat}_{backend}",
                        f"same queries without HTTP p{stat} ({backend})",
                        round(percentile(every_query, stat), 2),
                        "ms",
                        query_method,
                        params,
                    )
                )
    return measurements
