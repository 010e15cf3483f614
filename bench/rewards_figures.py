"""Rewards figures: points decided per second when a year of a city's facts is replayed into
a fresh ledger (baseline: a raw aiokafka consume of the same records), and parallel grants per
second against one budget (baseline: the event store's plain append at the same concurrency).

`city_year` makes the facts: registrations, courses, placements, certificates, mentorships,
skill visits, promotions and titles, seeded, so a run and its baseline (and a test) see the
same records."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal

from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy import func, select

from bench.kafka_figures import CONSUMER_BATCH, produce_topic, raw_consume
from bench.report import Measurement, rate
from bench.resources import Resources, offsets, partitions_of, read_between
from bench.workload import Record, record_of
from chassis.db import create_engine, session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.eventstore.schema import events
from chassis.eventstore.store import EventStore
from chassis.inbox import InboxConsumer
from chassis.kafka import create_producer
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import EnterpriseRegistered, TierPromoted, TitleConferred, WorkerRegistered
from contracts.events.training import (
    AchievementKind,
    AchievementRecorded,
    AdvanceKind,
    ApprenticeAdvanced,
    CertificateAwarded,
    MentorshipCompleted,
    SkillServiceDelivered,
    StudioNamed,
    TrainingCompleted,
)
from contracts.vocabulary import (
    CertificateIssuerKind,
    ContestLevel,
    Medal,
    SkillLevel,
    SkillService,
    TierRank,
    TitleLevel,
)
from services.rewards import handlers
from services.rewards.commands import OpenProgramme
from services.rewards.domain import Granted
from services.rewards.points_policy import points_policy_batch_handlers
from services.rewards.projections import units_on
from services.rewards.service import SPEC
from services.rewards.terms import Cause

YEAR_START = date(2026, 1, 1)
REGIONS = ("kuiwen", "weicheng", "fangzi", "hanting")
PLACED_LEVELS = (ContestLevel.COUNTY, ContestLevel.CITY, ContestLevel.PROVINCE)


def city_year(
    events: int, *, workers: int | None = None, enterprises: int = 40, seed: int = 2026
) -> list[Envelope]:
    """`events` facts: the enterprises, a worker registered per twentieth (unless `workers` is
    given), the rest the year's activity."""
    count = workers if workers is not None else max(50, events // 20)
    return list(_facts(events, workers=count, enterprises=enterprises, seed=seed))


def _facts(events: int, *, workers: int, enterprises: int, seed: int) -> Iterator[Envelope]:
    rng = random.Random(seed)
    versions: Counter[tuple[str, str]] = Counter()

    def wrap(event: Event, producer: str, stream_type: str, stream_id: str, tenant: str) -> Envelope:
        versions[(stream_type, stream_id)] += 1
        stream = StreamRef(type=stream_type, id=stream_id)
        return Envelope.wrap(
            event,
            producer=producer,
            stream=stream,
            stream_version=versions[(stream_type, stream_id)],
            tenant=tenant,
        )

    enterprise_of = {f"w-{n}": f"ent-{n % enterprises}" for n in range(min(workers, events))}
    made = 0
    for n in range(min(enterprises, events)):
        enterprise = f"ent-{n}"
        registered = EnterpriseRegistered(
            enterprise_id=enterprise,
            name=f"Enterprise {n}",
            region_id=REGIONS[n % len(REGIONS)],
            industry="machinery",
            tier_labels={},
        )
        yield wrap(registered, "registry", "Enterprise", enterprise, enterprise)
        made += 1
    for worker, enterprise in enterprise_of.items():
        if made >= events:
            return
        event = WorkerRegistered(
            worker_id=worker, enterprise_id=enterprise, trade="fitter", skill_level=SkillLevel.SENIOR
        )
        yield wrap(event, "registry", "Worker", worker, enterprise)
        made += 1
    ids = list(enterprise_of)
    while made < events:
        worker = rng.choice(ids)
        enterprise = enterprise_of[worker]
        day = YEAR_START + timedelta(days=rng.randrange(365))
        kind = rng.random()
        made += 1
        if kind < 0.55:
            fact_id = f"enr-{made}"
            course = TrainingCompleted(
                enrolment_id=fact_id,
                worker_id=worker,
                course_id=f"course-{rng.randrange(200)}",
                course_title="数控加工",
                hours=16,
                completed_on=day,
                provider="潍坊工匠学院",
            )
            yield wrap(course, "training", "Enrolment", fact_id, enterprise)
        elif kind < 0.75:
            rank = rng.randint(1, 6)
            contest = f"contest-{rng.randrange(300)}"
            placed = CompetitionScored(
                contest_id=contest,
                level=rng.choice(PLACED_LEVELS),
                worker_id=worker,
                enterprise_id=enterprise,
                raw_score=90.0 - rank,
                standardised_score=740 - 10 * rank,
                rank=rank,
                medal=Medal.GOLD if rank == 1 else Medal.SILVER if rank == 2 else Medal.NONE,
            )
            yield wrap(placed, "competitions", "Contest", contest, enterprise)
        elif kind < 0.83:
            certificate = CertificateAwarded(
                certificate_id=f"cert-{made}",
                worker_id=worker,
                occupation="fitter",
                skill_level=rng.choice(list(SkillLevel)),
                issuer_id=enterprise,
                issuer_kind=CertificateIssuerKind.ENTERPRISE,
                issued_on=day,
            )
            yield wrap(certificate, "training", "Worker", worker, enterprise)
        elif kind < 0.88:
            mentorship = MentorshipCompleted(
                mentorship_id=f"m-{made}",
                worker_id=worker,
                apprentice_id=rng.choice(ids),
                enterprise_id=enterprise,
                started_on=day - timedelta(days=365),
                completed_on=day,
            )
            yield wrap(mentorship, "training", "Mentorship", f"m-{made}", enterprise)
        elif kind < 0.91:
            advanced = ApprenticeAdvanced(
                mentorship_id=f"m-{made}",
                worker_id=worker,
                apprentice_id=rng.choice(ids),
                kind=AdvanceKind.SKILL_LEVEL,
                skill_level=rng.choice((SkillLevel.SENIOR, SkillLevel.TECHNICIAN)),
                advanced_on=day,
            )
            yield wrap(advanced, "training", "Mentorship", f"m-{made}", enterprise)
        elif kind < 0.94:
            achievement = AchievementRecorded(
                achievement_id=f"ach-{made}",
                worker_id=worker,
                enterprise_id=enterprise,
                region_id=REGIONS[int(enterprise.split("-")[1]) % len(REGIONS)],
                kind=rng.choice(list(AchievementKind)),
                title="数控刀具寿命提升",
                year=day.year,
                recorded_on=day,
            )
            yield wrap(achievement, "training", "Achievement", f"ach-{made}", enterprise)
        elif kind < 0.97:
            visit = SkillServiceDelivered(
                visit_id=f"v-{made}",
                worker_id=worker,
                host_enterprise_id=f"ent-{rng.randrange(enterprises)}",
                services=[rng.choice(list(SkillService))],
                delivered_on=day,
                workers_reached=rng.randint(5, 60),
                problems_solved=rng.randint(0, 4),
            )
            yield wrap(visit, "training", "Visit", f"v-{made}", enterprise)
        elif kind < 0.99:
            promoted = seed_promotion(worker, enterprise, day, "nominated, trained and placed")
            yield wrap(promoted, "registry", "Worker", worker, enterprise)
        elif kind < 0.995:
            conferred = TitleConferred(
                title_id=f"t-{made}",
                nomination_id=f"n-{made}",
                worker_id=worker,
                enterprise_id=enterprise,
                level=TitleLevel.CITY,
                title_name="潍坊市首席技师",
                conferred_by="city-union",
                conferred_on=day,
            )
            yield wrap(conferred, "registry", "Worker", worker, enterprise)
        else:
            studio = StudioNamed(
                studio_id=f"studio-{made}",
                worker_id=worker,
                enterprise_id=enterprise,
                name="王磊劳模创新工作室",
                named_on=day,
            )
            yield wrap(studio, "training", "Studio", f"studio-{made}", enterprise)


# --- figure 1: a city's year replayed into a fresh points ledger -----------------------------


def points_share(events: int) -> int:
    """The facts the points figure replays: a tenth of --events (each decided on its own
    account, with an event-store append, it is ~100x slower than a raw read), at least 2,000."""
    return max(2_000, events // 10)


async def points_replay(res: Resources, events: int) -> list[Measurement]:
    """The baseline (a raw aiokafka read) and the figure (the points policy deciding each
    fact into a fresh ledger) over the same topic of a city's facts."""
    started = time.perf_counter()
    records = [record_of(envelope) for envelope in city_year(points_share(events))]
    built_s = time.perf_counter() - started
    topic = await produce_topic(res, records, "rewards-city-year")
    baseline = await raw_consume(
        res, topic, len(records), key="rewards_raw_consume", label="raw consume of a city's year (aiokafka)"
    )
    baseline = dataclasses.replace(baseline, params={**baseline.params, "facts_built_s": round(built_s, 1)})
    return [baseline, await _decide_points(res, topic, records)]


async def feed(
    res: Resources, topic: str, policy: InboxConsumer, *, client: str, max_records: int = CONSUMER_BATCH
) -> tuple[int, int, float, list[TopicPartition]]:
    """Every record of `topic` through `policy`, one getmany batch at a time: the records, the
    dead letters, the seconds it took and the topic's partitions."""
    partitions = await partitions_of(res.kafka, [topic])
    beginning, end = await offsets(res.kafka, partitions)
    count = dead = 0

    async def process(got: list[ConsumerRecord[bytes, bytes]]) -> None:
        nonlocal count, dead
        outcome = await policy.process(got)
        count += len(got)
        dead += len(outcome.dead_letters)

    started = time.perf_counter()
    await read_between(
        res.kafka, beginning, end, process, client_id=f"{client}-{res.run_id}", max_records=max_records
    )
    return count, dead, time.perf_counter() - started, partitions


async def _decide_points(res: Resources, topic: str, records: Sequence[Record]) -> Measurement:
    url = await res.database("rewards_points", extra=SPEC.migrations)
    engine = create_engine(url, pool_size=4)
    sessions = session_factory(engine)
    producer = create_producer(res.kafka, client_id=f"bench-rewards-dlq-{res.run_id}")
    name = res.group("rewards-points")
    policy = InboxConsumer(
        name=name,
        sessions=sessions,
        handlers={},  # as the service runs it: the whole batch at once
        batch_handlers=points_policy_batch_handlers(units_on(sessions, EventStore(), producer="rewards")),
        dead_letters=DeadLetterPublisher(producer, consumer=name),
    )
    await producer.start()
    try:
        count, dead, elapsed, partitions = await feed(res, topic, policy, client="bench-rewards-points")
        async with engine.connect() as connection:
            by_type: dict[str, int] = dict(
                (
                    await connection.execute(
                        select(events.c.event_type, func.count()).group_by(events.c.event_type)
                    )
                ).all()
            )
            accounts = await connection.scalar(select(func.count(func.distinct(events.c.stream_id))))
    finally:
        await producer.stop()
        await engine.dispose()
    if count != len(records) or dead:
        raise RuntimeError(f"decided {count} of {len(records)} facts, {dead} dead letters")
    return Measurement(
        key="rewards_points",
        label="city year into a fresh points ledger",
        value=rate(count, elapsed),
        unit="events/s",
        method=(
            "the rewards points policy (InboxConsumer + points_policy_batch_handlers: load every account of the batch "
            "at once, apply the 4+X rules fact by fact, append every PointsAwarded (derived ids) in one statement) over the same "
            "topic as the baseline, one batch of getmany at a time, into a fresh Postgres database"
        ),
        params={"events": count, "partitions": len(partitions), "max_records": CONSUMER_BATCH},
        detail={
            "elapsed_s": round(elapsed, 3),
            "points_awarded": int(by_type.get("PointsAwarded", 0)),
            "accounts": int(accounts or 0),
        },
    )


# --- figure 2: parallel grants against one budget ------------------------------------------


def seed_promotion(
    worker_id: str, enterprise_id: str, effective_on: date, reason: str = "bench"
) -> TierPromoted:
    """A worker promoted to the seed tier: what a programme rewards."""
    return TierPromoted(
        worker_id=worker_id,
        enterprise_id=enterprise_id,
        from_rank=TierRank.NONE,
        to_rank=TierRank.SEED,
        tier_label="种子工匠",
        effective_on=effective_on,
        reason=reason,
    )


def published(promoted: TierPromoted) -> Envelope:
    """The promotion as the registry publishes it."""
    stream = StreamRef(type="Worker", id=promoted.worker_id)
    return Envelope.wrap(
        promoted, producer="registry", stream=stream, stream_version=1, tenant=promoted.enterprise_id
    )


GRANT = Decimal(100)


async def parallel_grants(
    res: Resources, *, concurrency: int, seconds: float, warmup_seconds: float
) -> Measurement:
    """C tasks granting from one programme (one stream, optimistic concurrency, retried on
    conflict) for `seconds`; afterwards the stored grants are summed against the budget."""
    url = await res.database("rewards_grants", extra=SPEC.migrations)
    engine = create_engine(url, pool_size=concurrency + 2)
    sessions, store = session_factory(engine), EventStore()
    budget = Decimal(10) ** 9
    opened = OpenProgramme(
        programme_id="bench-budget",
        name="Bench budget",
        sponsor_id="bench",
        budget=budget,
        grant_amount=GRANT,
        trigger="tier:seed",
        opened_on=date(2026, 1, 1),
    )
    await handlers.open_programme(UnitOfWork(sessions, store, producer="rewards"), opened)
    retries = [0]

    async def grant(n: str) -> Granted:
        promoted = seed_promotion(f"w-{n}", "bench-ent", date(2026, 6, 1))
        causing = published(promoted)
        cause = Cause("tier:seed", promoted.worker_id, promoted.enterprise_id, promoted.effective_on)
        attempts = [0]

        async def once() -> Granted:
            attempts[0] += 1
            return await handlers.reward_cause(
                UnitOfWork(sessions, store, producer="rewards"), "bench-budget", cause, "bench", causing
            )

        try:
            return await retrying_conflicts(once, attempts=1000)
        finally:
            retries[0] += attempts[0] - 1

    async def run(tag: str, duration: float) -> tuple[int, float]:
        deadline = time.perf_counter() + duration
        granted = [0]

        async def lane(index: int) -> None:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                if await grant(f"{tag}-{index}-{n}") is Granted.GRANTED:
                    granted[0] += 1

        started = time.perf_counter()
        await asyncio.gather(*(lane(i) for i in range(concurrency)))
        return granted[0], time.perf_counter() - started

    try:
        warm, _ = await run("w", warmup_seconds)
        retries[0] = 0
        granted, elapsed = await run("m", seconds)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(events.c.payload).where(
                        events.c.stream_id == "bench-budget", events.c.event_type == "RewardGranted"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    total = sum((Decimal(row.payload["amount"]) for row in rows), Decimal(0))
    causes = {row.payload["caused_by"] for row in rows}
    if (
        len(rows) != warm + granted
        or len(causes) != len(rows)
        or total > budget
        or total != GRANT * len(rows)
    ):
        raise RuntimeError(f"the ledger disagrees: {len(rows)} grants for {warm + granted}, total {total}")
    return Measurement(
        key="rewards_grants",
        label="parallel grants against one budget",
        value=rate(granted, elapsed),
        unit="grants/s",
        method=(
            "C asyncio tasks granting from one programme (one Programme stream: load, budget rule, "
            "append at the expected version, retried on conflict) on Postgres; afterwards every "
            "stored RewardGranted is summed and checked against the budget and its causes"
        ),
        params={"concurrency": concurrency, "seconds": seconds, "budget": str(budget)},
        detail={
            "grants": granted,
            "conflict_retries": retries[0],
            "elapsed_s": round(elapsed, 3),
            "total_checked": str(total),
        },
    )
