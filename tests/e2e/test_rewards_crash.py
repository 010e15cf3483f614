"""The rewards service as a process on real Kafka and Postgres, SIGKILLed and restarted
while a stream of promotions flows: every promotion is granted exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine
from chassis.eventstore.schema import events
from chassis.kafka_security import aiokafka_kwargs
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import TierPromoted
from contracts.topics import REGISTRY_EVENTS
from contracts.vocabulary import TierRank
from deploy.infra import Infrastructure, database_url
from deploy.kafka_access import provision_run
from deploy.local_services import ServiceProcess
from tests.consumer_harness import group_lag, wait_until
from tests.e2e.conftest import _admin, free_port

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

PROMOTIONS = 300
PROGRAMME = {
    "programme_id": "seed-grants",
    "name": "种子工匠晋级奖励",
    "sponsor_id": "weifang-federation",
    "budget": "10000000",
    "grant_amount": "8000",
    "trigger": "tier:seed",
    "opened_on": "2026-01-01",
}


class Rewards:
    def __init__(self, process: ServiceProcess, prefix: str, database: str) -> None:
        self.process, self.prefix, self.database = process, prefix, database


@pytest.fixture
async def rewards(infra: Infrastructure, tmp_path: Path) -> AsyncIterator[Rewards]:
    run = uuid.uuid4().hex[:8]
    prefix, database = f"e2e-{run}.", f"e2e_{run}_rewards"
    await _admin(infra, f'CREATE DATABASE "{database}"')
    provision_run(infra.kafka_bootstrap, topic_prefix=prefix)
    process = ServiceProcess(
        name="rewards",
        port=free_port(),
        database_url=database_url(infra.postgres_url_base, database),
        kafka_bootstrap=infra.kafka_bootstrap,
        state=tmp_path,
        extra_env={"CRAFTSMAN_CONSUMER_GROUP_PREFIX": prefix, "CRAFTSMAN_TOPIC_PREFIX": prefix},
    )
    process.start()
    try:
        process.wait_ready(timeout=90)
        yield Rewards(process, prefix, database)
    finally:
        process.stop()
        await _admin(infra, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def promotion(n: int) -> Envelope:
    worker = f"w-{n}"
    event = TierPromoted(
        worker_id=worker,
        enterprise_id=f"ent-{n % 7}",
        from_rank=TierRank.NONE,
        to_rank=TierRank.SEED,
        tier_label="种子工匠",
        effective_on=date(2026, 6, 1),
        reason="nominated, trained and placed",
    )
    return Envelope.wrap(
        event,
        producer="registry",
        stream=StreamRef(type="Worker", id=worker),
        stream_version=4,
        tenant=f"ent-{n % 7}",
    )


async def stored_grants(infra: Infrastructure, database: str) -> tuple[int, int]:
    engine = create_engine(database_url(infra.postgres_url_base, database))
    try:
        async with engine.connect() as connection:
            granted = events.c.event_type == "RewardGranted"
            total = await connection.scalar(select(func.count()).select_from(events).where(granted))
            causes = await connection.scalar(
                select(func.count(func.distinct(events.c.payload["caused_by"].as_string()))).where(granted)
            )
    finally:
        await engine.dispose()
    return int(total or 0), int(causes or 0)


async def test_a_sigkilled_rewards_grants_every_promotion_exactly_once(
    rewards: Rewards, infra: Infrastructure
) -> None:
    async with httpx.AsyncClient(
        base_url=rewards.process.base_url, headers=bearer_headers(), timeout=10
    ) as http:
        assert (await http.post("/programmes", json=PROGRAMME)).status_code == 201
    topic = rewards.prefix + REGISTRY_EVENTS
    producer = AIOKafkaProducer(
        bootstrap_servers=infra.kafka_bootstrap, acks="all", enable_idempotence=True, **aiokafka_kwargs()
    )
    await producer.start()
    halfway = asyncio.Event()

    async def flow() -> None:
        for n in range(PROMOTIONS):
            envelope = promotion(n)
            await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())
            if n == PROMOTIONS // 3:
                halfway.set()
            await asyncio.sleep(0.01)

    flowing = asyncio.create_task(flow())
    try:
        await halfway.wait()
        await asyncio.sleep(0.5)  # the policy is mid-stream
        rewards.process.stop(kill=True)  # SIGKILL: no graceful anything
        before_kill, _ = await stored_grants(infra, rewards.database)
        await asyncio.sleep(1.0)  # promotions go on arriving while it is down
        rewards.process.start()
        await asyncio.to_thread(rewards.process.wait_ready, 90)
        await flowing
    finally:
        flowing.cancel()
        await producer.stop()

    group = f"{rewards.prefix}rewards.tier-policy"

    async def caught_up() -> bool:
        return await group_lag(infra.kafka_bootstrap, group, topic) == 0

    await wait_until(caught_up, timeout=120)
    assert before_kill < PROMOTIONS, "killed mid-stream"
    total, causes = await stored_grants(infra, rewards.database)
    assert (total, causes) == (PROMOTIONS, PROMOTIONS), "every promotion granted, none twice"

    async def ledger_complete() -> bool:
        async with httpx.AsyncClient(
            base_url=rewards.process.base_url, headers=bearer_headers(), timeout=10
        ) as http:
            answer = await http.get("/programmes/seed-grants/budget")
        return answer.status_code == 200 and answer.json()["grants"] == PROMOTIONS

    await wait_until(ledger_complete, timeout=120)
