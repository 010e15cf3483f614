"""The inbox's batch subscriber runs on the event loop: no batch goes through a worker thread.

FastStream resolves a `message: KafkaMessage` handler argument as a context field, and
fast_depends runs a context field's synchronous resolver through `anyio.to_thread.run_sync`:
a thread hand-off for every batch. The subscriber takes the message from its decoded batch
instead (chassis.kafka.MessageBatch); this test fails if a batch hops to a thread again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from faststream.kafka import KafkaBroker, KafkaRouter, TestKafkaBroker

from chassis import migrate
from chassis.db import create_engine, session_factory
from chassis.inbox import BatchOutcome
from contracts.envelope import StreamRef
from contracts.events.training import TrainingCompleted
from tests.consumer_harness import inbox_on_router
from tests.support import count_event, create_projection_tables, envelopes_for, read_counts


async def test_a_batch_is_applied_and_acked_without_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[Callable[..., Any]] = []
    run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    await migrate.upgrade(engine)
    await create_projection_tables(engine)
    outcomes: list[BatchOutcome] = []

    async def record(outcome: BatchOutcome) -> None:
        outcomes.append(outcome)

    topic, name = "test.subscriber-loop.events", "test.subscriber-loop"
    router = KafkaRouter()
    inbox_on_router(
        router,
        name=name,
        topic=topic,
        sessions=session_factory(engine),
        handlers={TrainingCompleted: count_event},
        after_commit=record,
        batch_size=10,
        batch_timeout_ms=10,
    )
    broker = KafkaBroker("in-memory:9092")
    broker.include_router(router)
    envelopes = envelopes_for(StreamRef(type="Enrolment", id="w-1"), 1, 3)
    try:
        async with TestKafkaBroker(broker) as test_broker:
            for envelope in (*envelopes, envelopes[0]):  # the last one a redelivery
                await test_broker.publish(envelope.to_bytes(), topic, key=b"w-1")
            await asyncio.sleep(0)
        assert await read_counts(engine) == {"w-1": 3}
    finally:
        await engine.dispose()
    assert sum(outcome.applied for outcome in outcomes) == 3
    assert sum(outcome.duplicates for outcome in outcomes) == 1
    assert not hops, f"{len(hops)} calls went to a worker thread, the first: {hops[0]!r:.120}"
