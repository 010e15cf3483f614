"""Event-store figures: bulk EventStore.append straight into Postgres (no HTTP, no Kafka)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.kafka_figures import workload_frozen
from bench.report import Measurement, rate
from bench.resources import Resources
from bench.workload import BuiltTxn, Shape
from chassis.db import create_engine, session_factory
from chassis.eventstore.store import EventStore


async def fill(
    engine: AsyncEngine, store: EventStore, txns: Sequence[BuiltTxn], *, writers: int = 1
) -> float:
    """Append every transaction with EventStore.append_many; `writers` connections in parallel, each
    owning whole stream groups (so one stream's versions are appended in order). Returns the seconds."""
    sessions = session_factory(engine)
    lanes = [[txn for txn in txns if txn.group % writers == lane] for lane in range(writers)]

    async def write(lane: list[BuiltTxn]) -> None:
        for txn in lane:
            async with sessions() as session, session.begin():
                await store.append_many(session, txn.appends)

    started = time.perf_counter()
    await asyncio.gather(*(write(lane) for lane in lanes if lane))
    return time.perf_counter() - started


async def bulk_append(res: Resources, txns: Sequence[BuiltTxn], shape: Shape, *, writers: int) -> Measurement:
    url = await res.database("bulk")
    engine = create_engine(url, pool_size=max(writers, 1))
    try:
        with workload_frozen():
            elapsed = await fill(engine, EventStore(), txns, writers=writers)
    finally:
        await engine.dispose()
    return Measurement(
        key="bulk_append",
        label="bulk append (EventStore.append_many)",
        value=rate(shape.total, elapsed),
        unit="events/s",
        method=(
            "EventStore.append_many per transaction: ONE statement (unnest arrays: the events, each "
            "stream's version check, the outbox rows with their serialised records); "
            f"{shape.streams_per_txn} streams per transaction, {writers} connection(s) in parallel; "
            "envelopes built before the clock starts, serialisation and commits inside it; the bench's heap "
            "(the workload) frozen out of the garbage collector, as for the Kafka figures"
        ),
        params={**shape.as_params(), "writers": writers},
        detail={"count": shape.total, "elapsed_s": round(elapsed, 3)},
    )
