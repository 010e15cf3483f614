"""The inbox binding fetches and decodes the next batch while one applies
(chassis/batch_sequence.py): an outage in the middle of the stream gives back the failing batch
and the one already fetched behind it, and every event still applies exactly once, in order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis import batch_sequence, kafka
from chassis.kafka import ensure_topics
from contracts.envelope import Envelope
from tests.consumer_harness import group_lag, running_consumer, wait_until
from tests.integration.test_consumer_reliability import database_url_of, inbox_rows, produce_story
from tests.support import count_event, read_counts, read_counts_total

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

EVENTS = 400


async def test_an_outage_mid_stream_gives_back_the_batch_fetched_behind_it(
    pg_engine: AsyncEngine, kafka_bootstrap: str, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_topics(kafka_bootstrap, [topic])
    expected = await produce_story(kafka_bootstrap, topic, EVENTS)
    group = f"pipeline-{uuid.uuid4().hex[:8]}"
    calls = {"handled": 0, "failures_left": 3}
    given_back: list[dict[str, Any]] = []
    real_give_back = batch_sequence.give_back

    async def recording_give_back(message: Any, records: Any, **options: Any) -> Any:
        given_back.append({"records": len(records), "behind_another": "rewound" in options})
        return await real_give_back(message, records, **options)

    monkeypatch.setattr(kafka, "give_back", recording_give_back)

    async def outage_after_a_while(session: AsyncSession, envelope: Envelope, event: object) -> None:
        calls["handled"] += 1
        if calls["handled"] > EVENTS // 4 and calls["failures_left"] > 0:
            calls["failures_left"] -= 1
            raise OperationalError("INSERT …", {}, ConnectionRefusedError("connection refused"))
        await count_event(session, envelope, event)

    async def settled(engine: AsyncEngine) -> bool:
        return (
            await read_counts_total(engine) >= EVENTS and await group_lag(kafka_bootstrap, group, topic) == 0
        )

    url = database_url_of(pg_engine)
    async with running_consumer(url, kafka_bootstrap, topic, group, handler=outage_after_a_while) as running:
        await wait_until(lambda: settled(running.engine), timeout=120)
        outcomes = list(running.outcomes)
    assert calls["failures_left"] == 0, "the outage happened after batches had committed"
    assert any(call["behind_another"] for call in given_back), "a batch fetched behind it came back too"
    assert sum(len(outcome.dead_letters) for outcome in outcomes) == 0
    assert sum(outcome.duplicates for outcome in outcomes) == 0, "no batch applied twice"
    assert await read_counts(pg_engine) == dict(expected), "nothing skipped"
    assert len(await inbox_rows(pg_engine)) == EVENTS
