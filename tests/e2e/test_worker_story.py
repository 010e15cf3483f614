"""One worker's story across four service processes, with rewards killed mid-flow and
the TierPromoted record delivered twice: nothing lost, nothing granted twice."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from chassis.db import create_engine
from chassis.eventstore.schema import events
from chassis.kafka_security import aiokafka_kwargs
from contracts.topics import REGISTRY_EVENTS
from demo.city import CONTEST, ENTERPRISES, PROGRAMME, DemoWorker
from demo.story import City, promoted, rewarded
from deploy.infra import Infrastructure, database_url
from tests.consumer_harness import group_lag, wait_until
from tests.e2e.conftest import RunningCity
from tests.kafka_support import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

# A junior (初级工) is below the seed floor: the certificate that lifts him over it arrives
# while rewards is down.
WORKER = DemoWorker(
    "wang-lei", "weichai-power", "王磊 Wang Lei", "industrial robot operator", "junior", True, 92.5
)
ENTERPRISE = next(e for e in ENTERPRISES if e.enterprise_id == WORKER.enterprise_id)


async def test_a_workers_story_survives_a_rewards_crash_and_a_redelivery(
    city: City, running_city: RunningCity, infra: Infrastructure, service_logs: None
) -> None:
    programme_id = await city.open_programme({**PROGRAMME, "budget": "80000.00"})
    await city.register_enterprise(ENTERPRISE)
    await city.register_worker(WORKER)
    await city.nominate(WORKER)
    await city.wait_known(WORKER)

    rewards = running_city.services["rewards"]
    rewards.stop(kill=True)  # SIGKILL: no graceful anything

    await city.complete_training(WORKER)
    await city.qualify_issuer(WORKER.enterprise_id)
    await city.certify(WORKER, "intermediate", issuer_id=WORKER.enterprise_id)
    contest_id = await city.open_contest(CONTEST)
    await city.record_mark(contest_id, WORKER)
    await city.conclude_contest(contest_id)
    profile = await city.wait_profile(WORKER, "promoted", promoted)
    assert profile["grants"] == 0, "rewards is down: nobody granted anything yet"

    rewards.start()
    rewards.wait_ready(timeout=90)
    profile = await city.wait_profile(WORKER, "rewarded", rewarded)

    story = [entry["event_type"] for entry in profile["story"]]
    for fact in (
        "WorkerRegistered",
        "WorkerNominated",
        "TrainingCompleted",
        "CompetitionScored",
        "SkillLevelCertified",
        "TierPromoted",
    ):
        assert fact in story
    assert story.count("RewardGranted") == 1
    assert profile["tier_label"] == "种子工匠"
    assert profile["best_raw_score"] == WORKER.raw_score
    assert profile["trainings"] == 1

    # Deliver the same TierPromoted record a second time, then let rewards catch up.
    worker_id = city.id(WORKER.worker_id)
    registry_topic = running_city.topic(REGISTRY_EVENTS)
    records = await read_topic(
        infra.kafka_bootstrap,
        registry_topic,
        until=lambda got: any(_is_promotion_of(r.value, worker_id) for r in got),
        timeout=60,
    )
    promotion = next(r for r in records if _is_promotion_of(r.value, worker_id))
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", **aiokafka_kwargs())
    await producer.start()
    await producer.send_and_wait(
        registry_topic, promotion.value, key=promotion.key, headers=list(promotion.headers)
    )
    await producer.stop()
    policy_group = f"{running_city.group_prefix}rewards.tier-policy"
    await wait_until(lambda: _caught_up(infra.kafka_bootstrap, policy_group, registry_topic), timeout=60)

    grants = await city.read("rewards", "/grants", worker_id=worker_id)
    assert grants is not None and len(grants["grants"]) == 1
    assert (await city.profile(WORKER) or {})["grants"] == 1
    assert await _granted_events(infra, running_city) == 1
    programme = await city.read("rewards", f"/programmes/{programme_id}")
    assert programme is not None and programme["grants"] == 1


def _is_promotion_of(value: bytes, worker_id: str) -> bool:
    envelope = json.loads(value)
    return bool(envelope["event_type"] == "TierPromoted" and envelope["payload"]["worker_id"] == worker_id)


async def _caught_up(bootstrap: str, group: str, topic: str) -> bool:
    return await group_lag(bootstrap, group, topic) == 0


async def _granted_events(infra: Infrastructure, running_city: RunningCity) -> int:
    engine = create_engine(database_url(infra.postgres_url_base, running_city.databases["rewards"]))
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                select(func.count()).select_from(events).where(events.c.event_type == "RewardGranted")
            )
    finally:
        await engine.dispose()
    return int(count or 0)
