"""Policies a batch at a time (the registry's ladder, rewards' points and grants) and the dashboard's
ordered projectors decide exactly what they decide one event at a time (property-style, over random streams of facts), absorb redeliveries,
and park a failing record as a dead letter while the rest of its batch applies. SQLite and
Postgres, no broker."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.rewards_figures import city_year
from chassis import migrate
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events
from chassis.inbox import BatchHandler, BatchOutcome, Delivery, Handler, InboxConsumer
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import SkillLevelCertified, TierExpired, TierPromoted, WorkerRegistered
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired
from contracts.events.training import CertificateAwarded
from contracts.vocabulary import CertificateIssuerKind, ContestLevel, Medal, SkillLevel, TierRank
from services.dashboard import projections as dashboard
from services.dashboard import read_models as dashboard_tables
from services.dashboard.service import SPEC as DASHBOARD
from services.registry import handlers
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.projections import ladder_policy_batch_handlers, ladder_policy_handlers
from services.registry.read_models import worker_points
from services.registry.service import SPEC
from services.rewards.commands import OpenProgramme
from services.rewards.handlers import open_programme
from services.rewards.points_policy import points_policy_batch_handlers, points_policy_handlers
from services.rewards.policy import grant_policy_batch_handlers, grant_policy_handlers
from services.rewards.projections import units_on
from services.rewards.service import SPEC as REWARDS
from tests.conftest import fresh_postgres_url
from tests.dashboard_city import build_city
from tests.service_support import FakeRecord, FakeSender, migrated, record_of

pytestmark = pytest.mark.postgres

WORKERS = 6
ENTERPRISE = "qz"


@pytest.fixture
async def twin(
    engine: AsyncEngine, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """A second empty database of the same kind as `engine`: one path per database."""
    if engine.dialect.name == "sqlite":
        created = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'twin.db'}")
        await migrate.upgrade(created)
    else:
        url = await fresh_postgres_url(
            request.getfixturevalue("infra"), request.getfixturevalue("postgres_template")
        )
        created = create_engine(url)
    yield created
    await created.dispose()


def _uow(engine: AsyncEngine) -> Any:
    return partial(
        UnitOfWork,
        session_factory(engine),
        EventStore(topic_of=lambda _: "test.unrelayed"),
        producer="registry",
    )


async def _registry(engine: AsyncEngine, skills: Sequence[SkillLevel]) -> None:
    await migrate.upgrade(engine, SPEC.migrations)
    uow = _uow(engine)
    await handlers.register_enterprise(
        uow(),
        RegisterEnterprise(enterprise_id=ENTERPRISE, name="Qingzhou", region_id="qz", industry="tobacco"),
    )
    for n, skill in enumerate(skills):
        await handlers.register_worker(
            uow(),
            RegisterWorker(worker_id=f"w-{n}", enterprise_id=ENTERPRISE, trade="fitter", skill_level=skill),
        )


def _wrap(event: Event, producer: str, worker_id: str, on: datetime) -> Envelope:
    return Envelope.wrap(
        event,
        producer=producer,
        stream=StreamRef(type="Fact", id=str(uuid.uuid4())),
        stream_version=1,
        tenant=ENTERPRISE,
        occurred_at=on,
    )


def random_facts(rng: random.Random, count: int) -> list[Envelope]:
    """Facts of the kinds the ladder listens to, for random workers, over three years (so the
    months-below floors come into play), in time order as one partition would hold them."""
    facts: list[Envelope] = []
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    for n in range(count):
        on = start + timedelta(days=n * 1100 // count)
        worker = f"w-{rng.randrange(WORKERS)}"
        kind = rng.choice(["certificate", "awarded", "awarded", "expired", "adjusted", "registered"])
        match kind:
            case "certificate":
                skill = rng.choice([SkillLevel.INTERMEDIATE, SkillLevel.SENIOR, SkillLevel.TECHNICIAN])
                event: Event = CertificateAwarded(
                    certificate_id=f"cert-{worker}-{rng.randrange(4)}",  # a certificate may come twice
                    worker_id=worker,
                    occupation="fitter",
                    skill_level=skill,
                    issuer_id="bureau",
                    issuer_kind=CertificateIssuerKind.HR_BUREAU,
                    issued_on=on.date(),
                )
                facts.append(_wrap(event, "training", worker, on))
            case "awarded":
                event = PointsAwarded(
                    worker_id=worker,
                    category="work_results",
                    rule="competition",
                    group="competition",
                    points=Decimal(rng.randrange(1, 30)),
                    earned_on=on.date(),
                    source_event_id=uuid.UUID(int=rng.getrandbits(128)),
                )
                facts.append(_wrap(event, "rewards", worker, on))
            case "expired":
                event = PointsExpired(
                    worker_id=worker,
                    category="work_results",
                    rule="competition",
                    points=Decimal(rng.randrange(1, 10)),
                    source_event_id=uuid.UUID(int=rng.getrandbits(128)),
                    expired_on=on.date(),
                )
                facts.append(_wrap(event, "rewards", worker, on))
            case "adjusted":
                event = PointsAdjusted(
                    worker_id=worker,
                    category="work_results",
                    delta=Decimal(rng.randrange(-500, 1500)) / 100,
                    reason="correction",
                    approved_by="auditor",
                    adjusted_on=on.date(),
                )
                facts.append(_wrap(event, "rewards", worker, on))
            case _:
                registered = WorkerRegistered(
                    worker_id=worker, enterprise_id=ENTERPRISE, trade="fitter", skill_level=SkillLevel.JUNIOR
                )
                facts.append(
                    Envelope.wrap(
                        registered,
                        producer="registry",
                        stream=StreamRef(type="Worker", id=worker),
                        stream_version=1,
                        tenant=ENTERPRISE,
                        occurred_at=on,
                    )
                )
    return facts


def consumer(
    engine: AsyncEngine,
    sender: FakeSender,
    *,
    handlers: Mapping[type[Event], Handler] | None = None,
    batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
    name: str = "registry.ladder-policy",
) -> InboxConsumer:
    return InboxConsumer(
        name=name,
        sessions=session_factory(engine),
        handlers=handlers or {},
        batch_handlers=batch_handlers,
        dead_letters=DeadLetterPublisher(sender, consumer=name),
        retry_backoff_seconds=0,
    )


async def policy_events(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """What a policy stored: its events (those with a cause), by stream."""
    async with engine.connect() as connection:
        stored = await connection.execute(
            select(
                events.c.event_id,
                events.c.stream_id,
                events.c.stream_version,
                events.c.event_type,
                events.c.causation_id,
                events.c.correlation_id,
                events.c.payload,
            )
            .where(events.c.causation_id.is_not(None))
            .order_by(events.c.stream_id, events.c.stream_version)
        )
        return [tuple(row) for row in stored]


async def decisions(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """What the ladder policy stored: its events, and the points it keeps."""
    async with engine.connect() as connection:
        points = await connection.execute(select(worker_points).order_by(worker_points.c.worker_id))
        kept = [(row.worker_id, Decimal(row.points)) for row in points]
    return await policy_events(engine) + kept


def stored_events(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The events among `decisions` (the points rows are pairs)."""
    return [row for row in rows if len(row) > 2]


async def run(policy: InboxConsumer, records: Sequence[FakeRecord], rng: random.Random) -> list[BatchOutcome]:
    """The records in batches of random sizes, as polls would hand them over."""
    outcomes, start = [], 0
    while start < len(records):
        size = rng.randrange(1, 60)
        outcomes.append(await policy.process(records[start : start + size]))
        start += size
    return outcomes


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_batch_path_decides_what_the_per_event_path_decides(
    engine: AsyncEngine, twin: AsyncEngine, seed: int
) -> None:
    rng = random.Random(seed)
    skills = [
        rng.choice([SkillLevel.JUNIOR, SkillLevel.INTERMEDIATE, SkillLevel.SENIOR]) for _ in range(WORKERS)
    ]
    await _registry(engine, skills)
    await _registry(twin, skills)
    facts = random_facts(rng, 160)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(facts)]

    one_by_one = consumer(engine, FakeSender(), handlers=ladder_policy_handlers(_uow(engine)))
    in_batches = consumer(twin, FakeSender(), batch_handlers=ladder_policy_batch_handlers(_uow(twin)))
    alone = await run(one_by_one, records, random.Random(seed))
    together = await run(in_batches, records, random.Random(seed + 100))  # other batch borders too

    expected = await decisions(engine)
    assert any(row[3] == "TierPromoted" for row in expected), "the stream promotes someone"
    assert await decisions(twin) == expected
    assert sum(o.applied for o in together) == sum(o.applied for o in alone) == len(records)
    assert not [letter for outcome in [*alone, *together] for letter in outcome.dead_letters]


async def test_redelivered_batches_change_nothing(engine: AsyncEngine) -> None:
    rng = random.Random(7)
    await _registry(engine, [SkillLevel.INTERMEDIATE] * WORKERS)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(random_facts(rng, 80))]
    policy = consumer(engine, FakeSender(), batch_handlers=ladder_policy_batch_handlers(_uow(engine)))
    await policy.process(records[:50])
    before = await decisions(engine)

    again = await policy.process(records[:50])  # a crash between apply and the offset commit
    assert (again.applied, again.duplicates) == (0, 50)
    assert await decisions(engine) == before

    rest = await policy.process(records)  # the rest, with the first part once more
    assert (rest.applied, rest.duplicates) == (30, 50)
    after = await decisions(engine)
    assert all(row in after for row in stored_events(before)), "what was decided stays as it was"


async def test_a_lost_inbox_cannot_decide_twice(engine: AsyncEngine) -> None:
    """Facts applied by a consumer whose inbox is gone (a new name) find their derived event
    ids stored: the batch falls back to one event at a time and each decision is absorbed."""
    rng = random.Random(11)
    await _registry(engine, [SkillLevel.SENIOR] * WORKERS)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(random_facts(rng, 60))]
    first = consumer(engine, FakeSender(), batch_handlers=ladder_policy_batch_handlers(_uow(engine)))
    await first.process(records)
    decided = stored_events(await decisions(engine))
    assert decided, "the facts decided something"

    second = consumer(
        engine, FakeSender(), batch_handlers=ladder_policy_batch_handlers(_uow(engine)), name="ladder-again"
    )
    outcome = await second.process(records)
    assert outcome.applied == len(records) and not outcome.dead_letters
    after = stored_events(await decisions(engine))
    assert all(row in after for row in decided)
    # (the points table has no inbox of its own here, so points count twice and a fact may now
    # promote that did not before: a new decision; but none of the first ones is taken again)
    causes = [(row[4], row[3]) for row in after]
    assert len(causes) == len(set(causes)), "no fact decided the same thing twice"


def failing_for(worker_id: str, decide: BatchHandler) -> BatchHandler:
    async def apply(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        if any(getattr(d.event, "worker_id", None) == worker_id for d in deliveries):
            raise RuntimeError(f"cannot decide for {worker_id}")
        await decide(session, deliveries)

    return apply


async def test_a_failing_record_becomes_a_dead_letter_and_the_rest_of_its_batch_applies(
    engine: AsyncEngine, twin: AsyncEngine
) -> None:
    skills = [SkillLevel.INTERMEDIATE] * WORKERS
    await _registry(engine, skills)
    await _registry(twin, skills)
    facts = random_facts(random.Random(5), 60)
    poison = next(f for f in facts if f.event_type == "CertificateAwarded")
    poisoned = poison.model_copy(
        update={"payload": {**poison.payload, "worker_id": "w-poison"}, "event_id": uuid.uuid4()}
    )
    records = [
        record_of(envelope, offset) for offset, envelope in enumerate([*facts[:30], poisoned, *facts[30:]])
    ]

    sender = FakeSender()
    decide = ladder_policy_batch_handlers(_uow(engine))
    failing = failing_for("w-poison", next(iter(decide.values())))  # one handler for every type, as given
    policy = consumer(engine, sender, batch_handlers=dict.fromkeys(decide, failing))
    outcome = await policy.process(records)
    assert outcome.applied == len(facts)
    assert [(letter.reason, letter.record.offset) for letter in outcome.dead_letters] == [
        ("handler_failed", 30)
    ]
    assert len(sender.sent) == 1

    clean = consumer(twin, FakeSender(), batch_handlers=ladder_policy_batch_handlers(_uow(twin)))
    await clean.process([record_of(envelope, offset) for offset, envelope in enumerate(facts)])
    assert await decisions(engine) == await decisions(twin), "the rest applied as if the poison was not there"


def test_one_handler_serves_every_type_of_the_ladder() -> None:
    """The inbox hands a handler serving several types all of them at once, in order."""
    decide = ladder_policy_batch_handlers(_uow_unbound())
    assert len(set(decide.values())) == 1
    assert {WorkerRegistered, SkillLevelCertified, CertificateAwarded, PointsAwarded} <= set(decide)


def _uow_unbound() -> Any:
    return lambda session=None: None


# --- rewards' points policy ----------------------------------------------------------


def _rewards_uow(engine: AsyncEngine) -> Any:
    sessions, store = session_factory(engine), EventStore(topic_of=lambda _: "test.unrelayed")
    return units_on(sessions, store, producer="rewards")


@pytest.mark.parametrize("seed", [3, 4])
async def test_the_points_policy_awards_in_batches_what_it_awards_one_fact_at_a_time(
    engine: AsyncEngine, twin: AsyncEngine, seed: int
) -> None:
    await migrate.upgrade(engine, REWARDS.migrations)
    await migrate.upgrade(twin, REWARDS.migrations)
    facts = city_year(500, workers=12, enterprises=3, seed=seed)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(facts)]

    one_by_one = consumer(
        engine, FakeSender(), handlers=points_policy_handlers(_rewards_uow(engine)), name="p"
    )
    in_batches = consumer(
        twin, FakeSender(), batch_handlers=points_policy_batch_handlers(_rewards_uow(twin)), name="p"
    )
    alone = await run(one_by_one, records, random.Random(seed))
    together = await run(in_batches, records, random.Random(seed + 100))

    expected = await policy_events(engine)
    assert len(expected) > 20, "the year earns points"
    assert await policy_events(twin) == expected
    assert sum(o.applied for o in together) == sum(o.applied for o in alone)
    assert not [letter for outcome in [*alone, *together] for letter in outcome.dead_letters]

    again = await in_batches.process(records)  # every fact redelivered
    assert (again.applied, again.duplicates) == (0, sum(o.applied for o in together))
    assert await policy_events(twin) == expected


# --- the dashboard's ordered projectors ----------------------------------------------


async def dashboard_rows(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in await connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in dashboard_tables.metadata.sorted_tables
        }


@pytest.mark.parametrize("seed", [2026, 7])
async def test_the_dashboard_projects_in_batches_what_it_projects_one_event_at_a_time(
    engine: AsyncEngine, twin: AsyncEngine, seed: int
) -> None:
    city = build_city(workers=60, enterprises=5, counties=3, contests=2, seed=seed)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(city.envelopes)]
    one_by_one = consumer(
        await migrated(engine, DASHBOARD),
        FakeSender(),
        handlers=dashboard.handlers(),
        batch_handlers=dashboard.batch_handlers(),
    )
    in_batches = consumer(
        await migrated(twin, DASHBOARD),
        FakeSender(),
        batch_handlers={**dashboard.batch_handlers(), **dashboard.in_order()},
    )
    await run(one_by_one, records, random.Random(seed))
    await run(in_batches, records, random.Random(seed + 1))

    expected = await dashboard_rows(engine)
    assert expected["dash_workers"] and expected["dash_titles"], "the city projects workers and titles"
    assert await dashboard_rows(twin) == expected


# --- rewards' grant policy -----------------------------------------------------------

OPENED = [
    OpenProgramme(
        programme_id="seed-grant",
        name="Seed grant",
        sponsor_id="federation",
        budget=Decimal(5000),  # ten grants, then the budget is exhausted
        grant_amount=Decimal(500),
        trigger="tier:seed",
        opened_on=date(2024, 1, 1),
    ),
    OpenProgramme(
        programme_id="seed-allowance",
        name="Seed allowance",
        sponsor_id="federation",
        budget=Decimal(100000),
        grant_amount=Decimal(100),
        trigger="tier:seed",
        recurring=True,
        opened_on=date(2024, 1, 1),
    ),
    OpenProgramme(
        programme_id="city-prizes",
        name="City prizes",
        sponsor_id="federation",
        budget=Decimal(100000),
        grant_amount=Decimal(50),
        trigger="contest:city",
        amounts_by_place={1: Decimal(300), 2: Decimal(200)},
        opened_on=date(2024, 1, 1),
    ),
]


def grant_facts(rng: random.Random, count: int) -> list[Envelope]:
    facts: list[Envelope] = []
    for n in range(count):
        on = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n)
        worker = f"w-{rng.randrange(20)}"
        kind = rng.choice(["promoted", "promoted", "expired", "scored"])
        if kind == "promoted":
            event: Event = TierPromoted(
                worker_id=worker,
                enterprise_id=ENTERPRISE,
                from_rank=TierRank.NONE,
                to_rank=TierRank.SEED,
                tier_label="seed",
                effective_on=on.date(),
                reason="floors hold",
            )
        elif kind == "expired":
            event = TierExpired(
                worker_id=worker,
                enterprise_id=ENTERPRISE,
                rank=TierRank.SEED,
                expired_on=on.date(),
                reason="term",
            )
        else:
            event = CompetitionScored(
                contest_id=f"c-{n % 3}",
                level=ContestLevel.CITY,
                worker_id=worker,
                enterprise_id=ENTERPRISE,
                raw_score=80,
                standardised_score=560,
                rank=rng.randrange(1, 4),
                medal=Medal.NONE,
            )
        producer = "competitions" if kind == "scored" else "registry"
        facts.append(_wrap(event, producer, worker, on))
    return facts


@pytest.mark.parametrize("seed", [5, 6])
async def test_the_grant_policy_grants_in_batches_what_it_grants_one_fact_at_a_time(
    engine: AsyncEngine, twin: AsyncEngine, seed: int
) -> None:
    for db in (engine, twin):
        await migrate.upgrade(db, REWARDS.migrations)
        for command in OPENED:
            await open_programme(UnitOfWork(session_factory(db), EventStore(), producer="rewards"), command)
    records = [
        record_of(envelope, offset) for offset, envelope in enumerate(grant_facts(random.Random(seed), 120))
    ]

    one_by_one = consumer(
        engine, FakeSender(), handlers=grant_policy_handlers(_rewards_uow(engine)), name="g"
    )
    in_batches = consumer(
        twin, FakeSender(), batch_handlers=grant_policy_batch_handlers(_rewards_uow(twin)), name="g"
    )
    await run(one_by_one, records, random.Random(seed))
    await run(in_batches, records, random.Random(seed + 100))

    expected = await policy_events(engine)
    kinds = {row[3] for row in expected}
    assert {"RewardGranted", "BudgetExhausted", "AllowanceStarted", "AllowanceStopped"} <= kinds, kinds
    assert await policy_events(twin) == expected
