"""The rewards service against a real database (SQLite and Postgres): the tier policy
through the real inbox consumer, its read models, and its HTTP API.

Kafka is replaced by records handed to the consumers: what is under test is what the
service does with a delivery, including the same delivery twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis import migrate
from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import events, inbox
from chassis.eventstore.store import EventStore
from chassis.inbox import BatchOutcome, InboxConsumer
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import TierPromoted
from contracts.topics import REGISTRY_EVENTS, REWARDS_EVENTS
from contracts.vocabulary import TierRank
from services.rewards.commands import OpenProgramme
from services.rewards.handlers import Granted, open_programme
from services.rewards.policy import reward_promotion
from services.rewards.projections import rewards_subscriptions, units_on
from services.rewards.queries import RewardQueries
from services.rewards.service import SPEC
from tests.service_support import FakeRecord, FakeSender, http_client

pytestmark = pytest.mark.postgres

OPENED_ON = date(2026, 1, 1)
PROMOTED_ON = date(2026, 3, 1)


@dataclass
class Rewards:
    """The service's parts a test drives: its database, store and real consumers."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: EventStore
    consumers: dict[str, InboxConsumer]
    dead_letters: FakeSender
    offsets: dict[str, int] = field(default_factory=dict)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.store, producer="rewards")

    async def open(self, programme_id: str, *, trigger: str = "tier:seed", budget: str = "30000") -> None:
        command = OpenProgramme(
            programme_id=programme_id,
            name=f"Programme {programme_id}",
            sponsor_id="weifang-federation",
            budget=Decimal(budget),
            grant_amount=Decimal("8000"),
            trigger=trigger,
            opened_on=OPENED_ON,
        )
        await open_programme(self.unit_of_work(), command)

    def record(self, envelope: Envelope, topic: str = REGISTRY_EVENTS) -> FakeRecord:
        offset = self.offsets[topic] = self.offsets.get(topic, -1) + 1
        return FakeRecord(topic, 0, offset, envelope.key.encode(), envelope.to_bytes())

    async def deliver(self, subscription: str, *records: FakeRecord) -> BatchOutcome:
        return await self.consumers[subscription].process(records)

    async def relay_own_events(self) -> BatchOutcome:
        """What the relay and Kafka would bring back to the ledger: the store's events."""
        async with self.sessions() as session:
            stored = await self.store.read_all(session)
        return await self.deliver("ledger", *(self.record(s.envelope, REWARDS_EVENTS) for s in stored))

    async def grants(self) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(events.c.stream_id, events.c.payload, events.c.causation_id)
                .where(events.c.event_type == "RewardGranted")
                .order_by(events.c.position)
            )
            return [{"programme_id": r.stream_id, **r.payload, "causation_id": r.causation_id} for r in rows]


async def rewards_on(engine: AsyncEngine) -> Rewards:
    """The service's parts on a migrated database: its real consumers, a fake dead-letter sender."""
    await migrate.upgrade(engine, SPEC.migrations)
    sessions, store, sender = session_factory(engine), EventStore(), FakeSender()
    consumers = {
        subscription.name: InboxConsumer(
            name=f"rewards.{subscription.name}",
            sessions=sessions,
            handlers=subscription.handlers,
            batch_handlers=subscription.batch_handlers,
            dead_letters=DeadLetterPublisher(sender, consumer=f"rewards.{subscription.name}"),
            retry_backoff_seconds=0.01,
        )
        for subscription in rewards_subscriptions(units_on(sessions, store, producer="rewards"))
    }
    return Rewards(engine, sessions, store, consumers, sender)


@pytest.fixture
async def rewards(engine: AsyncEngine) -> Rewards:
    return await rewards_on(engine)


def promoted(worker_id: str, to_rank: TierRank = TierRank.SEED, on: date = PROMOTED_ON) -> Envelope:
    event = TierPromoted(
        worker_id=worker_id,
        enterprise_id="ent-weichai",
        from_rank=TierRank.NONE,
        to_rank=to_rank,
        tier_label="种子工匠",
        effective_on=on,
        reason="nominated, trained and scored in a contest",
    )
    stream = StreamRef(type="Worker", id=worker_id)
    return Envelope.wrap(event, producer="registry", stream=stream, stream_version=2, tenant="ent-weichai")


async def test_a_promotion_delivered_twice_grants_once(rewards: Rewards) -> None:
    await rewards.open("prog-seed")
    envelope = promoted("w-1")
    record = rewards.record(envelope)

    first = await rewards.deliver("tier-policy", record, record)  # twice in one batch
    again = await rewards.deliver("tier-policy", record)  # and in a later batch
    republished = await rewards.deliver("tier-policy", rewards.record(envelope))  # at another offset

    assert (first.applied, first.duplicates) == (1, 1)
    assert (again.applied, again.duplicates) == (0, 1)
    assert (republished.applied, republished.duplicates) == (0, 1)
    (grant,) = await rewards.grants()
    assert grant["worker_id"] == "w-1" and grant["amount"] == "8000.00"
    assert grant["caused_by"] == grant["causation_id"] == str(envelope.event_id)
    assert not rewards.dead_letters.sent


async def test_the_programme_remembers_its_causes_when_the_inbox_does_not(rewards: Rewards) -> None:
    await rewards.open("prog-seed")
    record = rewards.record(promoted("w-1"))
    await rewards.deliver("tier-policy", record)
    async with rewards.sessions() as session, session.begin():
        await session.execute(delete(inbox))  # a lost inbox, or a policy replayed from offset 0

    replay = await rewards.deliver("tier-policy", record)

    assert replay.applied == 1 and not replay.dead_letters
    assert len(await rewards.grants()) == 1


async def test_grants_stop_at_the_budget(rewards: Rewards) -> None:
    await rewards.open("prog-small", budget="20000")  # room for two grants of 8000

    outcome = await rewards.deliver("tier-policy", *(rewards.record(promoted(f"w-{n}")) for n in range(4)))

    assert outcome.applied == 4 and not outcome.dead_letters
    assert [grant["worker_id"] for grant in await rewards.grants()] == ["w-0", "w-1"]


async def test_two_programmes_with_the_same_trigger_grant_once_each(rewards: Rewards) -> None:
    await rewards.open("prog-city")
    await rewards.open("prog-enterprise")

    await rewards.deliver("tier-policy", rewards.record(promoted("w-1")))

    grants = await rewards.grants()
    assert sorted(grant["programme_id"] for grant in grants) == ["prog-city", "prog-enterprise"]
    assert len({grant["grant_id"] for grant in grants}) == 2


async def test_a_programme_for_another_tier_or_a_promotion_before_it_opened_grants_nothing(
    rewards: Rewards,
) -> None:
    await rewards.open("prog-craftsman", trigger="tier:craftsman")
    await rewards.open("prog-seed")

    await rewards.deliver(
        "tier-policy",
        rewards.record(promoted("w-seed")),
        rewards.record(promoted("w-early", TierRank.CRAFTSMAN, on=date(2025, 12, 31))),
    )

    assert [(g["programme_id"], g["worker_id"]) for g in await rewards.grants()] == [("prog-seed", "w-seed")]


async def test_concurrent_promotions_share_a_budget_without_passing_it(rewards: Rewards) -> None:
    await rewards.open("prog-one", budget="8000")  # room for exactly one grant
    await rewards.open("prog-many")
    uow_on = units_on(rewards.sessions, rewards.store, producer="rewards")

    async def policy_alone(worker_id: str) -> dict[str, Granted]:
        envelope = promoted(worker_id)
        event = TierPromoted.model_validate(envelope.payload)
        async with rewards.sessions() as session, session.begin():
            return await reward_promotion(uow_on, session, envelope, event)

    outcomes = await asyncio.gather(*(policy_alone(f"w-{n}") for n in range(3)))

    assert sorted(outcome["prog-one"] for outcome in outcomes) == [
        Granted.BUDGET_EXHAUSTED,
        Granted.BUDGET_EXHAUSTED,
        Granted.GRANTED,
    ]
    assert all(outcome["prog-many"] is Granted.GRANTED for outcome in outcomes)
    grants = await rewards.grants()
    assert sum(grant["programme_id"] == "prog-one" for grant in grants) == 1
    assert sum(grant["programme_id"] == "prog-many" for grant in grants) == 3


async def test_read_models_follow_the_ledger_and_the_registry(rewards: Rewards) -> None:
    await rewards.open("prog-seed", budget="20000")
    promotions = [rewards.record(promoted(f"w-{n}")) for n in range(3)]
    await rewards.deliver("tier-policy", *promotions)
    await rewards.deliver("worker-tiers", *promotions)

    await rewards.relay_own_events()
    redelivered = await rewards.relay_own_events()  # the ledger sees it all again

    assert redelivered.applied == 0
    async with rewards.sessions() as session:
        queries = RewardQueries(session)
        programme = await queries.programme("prog-seed")
        ledger = await queries.grants(enterprise_id="ent-weichai")
        of_w1 = await queries.grants(worker_id="w-1", programme_id="prog-seed")
        tier = await queries.worker_tier("w-2")
    assert programme is not None
    assert {key: programme[key] for key in ("budget", "granted_total", "remaining", "grants")} == {
        "budget": "20000.00",
        "granted_total": "16000.00",
        "remaining": "4000.00",
        "grants": 2,
    }
    assert [grant["worker_id"] for grant in ledger] == ["w-0", "w-1"]
    assert [grant["amount"] for grant in of_w1] == ["8000.00"]
    assert tier is not None and (tier["tier"], tier["tier_label"]) == ("seed", "种子工匠")


async def test_http_api(rewards: Rewards) -> None:
    body = {
        "programme_id": "prog-studio",
        "name": "创新工作室奖励",
        "sponsor_id": "weifang-federation",
        "budget": "300000",
        "grant_amount": "30000",
        "trigger": "tier:chief",
    }
    key = {"Idempotency-Key": "0190f5a0-0000-7000-8000-000000000001"}
    async with http_client(rewards.engine, SPEC) as http:
        opened = await http.post("/programmes", json=body, headers=key)
        retried = await http.post("/programmes", json=body, headers=key)
        too_big = await http.post("/programmes", json={**body, "programme_id": "p2", "budget": "1000"})
        bad_trigger = await http.post("/programmes", json={**body, "programme_id": "p3", "trigger": "seed"})
        not_yet = await http.get("/programmes/prog-studio")
        await rewards.relay_own_events()
        shown = await http.get("/programmes/prog-studio")
        ledger = await http.get("/grants", params={"programme_id": "prog-studio"})
        no_tier = await http.get("/workers/w-unknown/tier")

    assert opened.status_code == 201
    (accepted,) = opened.json()["events"]
    assert accepted["event_type"] == "ProgrammeOpened"
    assert retried.status_code == 200 and retried.json()["events"] == opened.json()["events"]  # replayed
    assert (too_big.status_code, bad_trigger.status_code, not_yet.status_code) == (422, 422, 404)
    assert shown.status_code == 200
    assert shown.json() | {"opened_on": None} == {
        "programme_id": "prog-studio",
        "name": "创新工作室奖励",
        "sponsor_id": "weifang-federation",
        "trigger": "tier:chief",
        "opened_on": None,
        "currency": "CNY",
        "budget": "300000.00",
        "grant_amount": "30000.00",
        "granted_total": "0.00",
        "remaining": "300000.00",
        "grants": 0,
        "closes_on": None,
        "amounts_by_place": {},
        "recurring": False,
        "credit_support": False,
        "eligible_enterprises": [],
        "exhausted_at": None,
    }
    assert ledger.json() == {"grants": []}
    assert no_tier.status_code == 404
