"""The registry's projections a batch at a time (SQLite and Postgres): the same profiles, stories
and tenures as one fact at a time, in a few statements per batch instead of two or three per fact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import InboxConsumer
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, MarkRecorded
from contracts.events.registry import (
    SkillLevelCertified,
    TierPromoted,
    TierRevoked,
    TitleConferred,
    TitleRevoked,
    WorkerLeft,
    WorkerNominated,
    WorkerRegistered,
)
from contracts.events.rewards import PointsAdjusted, PointsAwarded, PointsExpired, RewardGranted
from contracts.events.training import TrainingCompleted
from contracts.topics import TOPIC_OF_PRODUCER
from contracts.vocabulary import (
    CertificateIssuerKind,
    ContestLevel,
    Medal,
    SkillLevel,
    TierRank,
    TitleLevel,
)
from services.registry.profiles import PROFILE_BATCH_HANDLERS, PROFILE_HANDLERS
from services.registry.read_models import profile_story, tenures, worker_profiles
from services.registry.service import SPEC
from services.registry.talent import TALENT_BATCH_HANDLERS, TALENT_HANDLERS
from tests.service_support import FakeRecord, FakeSender, migrated

START = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
PRODUCER = {
    "TrainingCompleted": "training",
    "CompetitionScored": "competitions",
    "MarkRecorded": "competitions",
    "PointsAwarded": "rewards",
    "PointsExpired": "rewards",
    "PointsAdjusted": "rewards",
    "RewardGranted": "rewards",
}


def career(w: str) -> list[Event]:
    """A worker's year, in an order that matters: a lower certificate after a higher one, a tier
    revoked and won again, a best score between two lower ones, points up and down."""
    e, n = "ent-1", w.rsplit("-", 1)[1]  # ids in the facts without the worker's prefix

    def certified(level: SkillLevel, day: int) -> Event:
        return SkillLevelCertified(
            worker_id=w,
            enterprise_id=e,
            skill_level=level,
            occupation="fitter",
            certificate_id=f"c-{day}",
            issuer_id="bureau",
            issuer_kind=CertificateIssuerKind.HR_BUREAU,
            certified_on=date(2026, 3, day),
        )

    def promoted(rank: TierRank) -> Event:
        return TierPromoted(
            worker_id=w,
            enterprise_id=e,
            from_rank=TierRank.NONE,
            to_rank=rank,
            tier_label=f"{rank} of ent-1",
            effective_on=date(2026, 4, 1),
            reason="every floor holds",
        )

    def scored(raw: float) -> Event:
        return CompetitionScored(
            contest_id=f"ct-{raw}",
            level=ContestLevel.CITY,
            worker_id=w,
            enterprise_id=e,
            raw_score=raw,
            standardised_score=int(raw * 7),
            rank=1,
            medal=Medal.GOLD,
        )

    def points(kind: Any, **fields: Any) -> Event:
        made: Event = kind(worker_id=w, category="skills", **fields)
        return made

    trained = TrainingCompleted(
        enrolment_id=f"en-{w}",
        worker_id=w,
        course_id="c",
        course_title="Robots",
        hours=12.5,
        completed_on=date(2026, 5, 1),
        provider="academy",
    )
    return [
        WorkerRegistered(worker_id=w, enterprise_id=e, trade="fitter", skill_level=SkillLevel.JUNIOR),
        certified(SkillLevel.SENIOR, 1),
        certified(SkillLevel.INTERMEDIATE, 2),
        promoted(TierRank.SEED),
        TierRevoked(
            worker_id=w,
            enterprise_id=e,
            rank=TierRank.SEED,
            revoked_on=date(2026, 5, 1),
            reason="r",
            revoked_by="g",
        ),
        trained,
        scored(70),
        MarkRecorded(contest_id="ct", entrant_id=w, aspect_id="a", judge_id="j", score=2.0),
        scored(85.5),
        scored(60),
        trained.model_copy(update={"enrolment_id": f"en2-{w}", "hours": 4.0}),
        points(
            PointsAwarded,
            rule="r",
            group="g",
            points=Decimal(10),
            source_event_id=uuid4(),
            earned_on=date(2026, 6, 1),
        ),
        points(
            PointsExpired, rule="r", points=Decimal(3), source_event_id=uuid4(), expired_on=date(2026, 7, 1)
        ),
        points(
            PointsAdjusted, delta=Decimal("-2.5"), reason="r", approved_by="g", adjusted_on=date(2026, 7, 2)
        ),
        RewardGranted(
            grant_id=f"g-{w}",
            programme_id="p",
            worker_id=w,
            enterprise_id=e,
            amount=Decimal("1000.00"),
            reason="seed",
            caused_by=uuid4(),
        ),
        promoted(TierRank.SEED),
        WorkerNominated(
            nomination_id=f"n-{n}",
            worker_id=w,
            enterprise_id=e,
            level=TitleLevel.ENTERPRISE,
            nominated_by="hr",
            reason="r",
        ),
        TitleConferred(
            title_id=f"t-{n}",
            nomination_id=f"n-{n}",
            worker_id=w,
            enterprise_id=e,
            level=TitleLevel.COUNTY,
            title_name="county craftsman",
            conferred_by="union",
            conferred_on=date(2026, 9, 1),
        ),
        WorkerLeft(worker_id=w, enterprise_id=e, left_on=date(2026, 10, 1)),
    ]


def envelopes(workers: list[str]) -> list[Envelope]:
    """The workers' years interleaved, a minute apart, each as its producer publishes it."""
    years = [career(w) for w in workers]
    facts = [year[n] for n in range(len(years[0])) for year in years]
    return [
        Envelope.wrap(
            fact,
            producer=PRODUCER.get(fact.event_type, "registry"),
            stream=StreamRef(type="Fact", id=uuid4().hex),
            stream_version=1,
            tenant="ent-1",
        ).model_copy(update={"occurred_at": START + timedelta(minutes=n)})
        for n, fact in enumerate(facts)
    ]


def records(batch: list[Envelope]) -> list[FakeRecord]:
    return [
        FakeRecord(TOPIC_OF_PRODUCER[e.producer], 0, n, e.stream.id.encode(), e.to_bytes())
        for n, e in enumerate(batch)
    ]


def consumer(engine: AsyncEngine, *, batched: bool) -> InboxConsumer:
    return InboxConsumer(
        name=f"registry.profiles.{batched}",
        sessions=session_factory(engine),
        handlers=PROFILE_HANDLERS,
        batch_handlers=PROFILE_BATCH_HANDLERS if batched else None,
        dead_letters=DeadLetterPublisher(FakeSender(), consumer="profiles"),
        max_attempts=1,
    )


async def profiles(engine: AsyncEngine, prefix: str) -> dict[str, Any]:
    """The workers' rows and stories, by worker (without the prefix) and without the event ids."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(worker_profiles))).mappings().all()
        story = (
            await connection.execute(select(profile_story).order_by(profile_story.c.occurred_at))
        ).mappings()
        lines: dict[str, list[Any]] = {}
        for line in story:
            lines.setdefault(line["worker_id"], []).append((line["event_type"], line["facts"]))
    return {
        row["worker_id"].removeprefix(prefix): (
            {k: v for k, v in row.items() if k != "worker_id"},
            lines[row["worker_id"]],
        )
        for row in rows
        if row["worker_id"].startswith(prefix)
    }


async def test_a_batch_projects_what_one_fact_at_a_time_projects_in_a_few_statements(
    engine: AsyncEngine,
) -> None:
    await migrated(engine, SPEC)
    one_by_one = consumer(engine, batched=False)
    for envelope in envelopes(["one-1", "one-2", "one-3"]):
        outcome = await one_by_one.process(records([envelope]))
        assert not outcome.dead_letters, outcome.dead_letters
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    batch = envelopes(["all-1", "all-2", "all-3"])
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        outcome = await consumer(engine, batched=True).process(records(batch))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert not outcome.dead_letters, outcome.dead_letters
    assert (outcome.applied, outcome.ignored) == (len(batch) - 3, 3)  # the marks are not the registry's
    # the inbox's claim, then the profiles: rows created, read, written, story added
    assert len(statements) <= 6, statements
    singly, together = await profiles(engine, "one-"), await profiles(engine, "all-")
    assert together == singly
    row, story = together["1"]
    assert (row["skill_level"], row["tier"], row["best_raw_score"], row["trainings"]) == (
        "senior",
        "seed",
        85.5,
        2,
    )
    assert (Decimal(row["points"]), Decimal(row["rewards_total"]), row["training_hours"]) == (
        Decimal("4.5"),
        Decimal(1000),
        16.5,
    )
    assert (row["nominations"], row["left_on"]) == (1, date(2026, 10, 1))
    assert len(story) == len(career("x-1")) - 1


async def test_a_redelivered_batch_changes_nothing(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    batch = records(envelopes(["w-1", "w-2"]))
    live = consumer(engine, batched=True)
    await live.process(batch)
    before = await profiles(engine, "w-")
    again = await live.process(batch)
    assert again.applied == 0 and again.duplicates == len(batch) - 2
    assert await profiles(engine, "w-") == before


def tenure_facts(w: str) -> list[Event]:
    """Tiers won, lost and won again, titles conferred and one revoked, as the talent model sees them."""
    e = "ent-1"

    def promoted(rank: TierRank, month: int) -> Event:
        return TierPromoted(
            worker_id=w,
            enterprise_id=e,
            from_rank=TierRank.NONE,
            to_rank=rank,
            tier_label=str(rank),
            effective_on=date(2026, month, 1),
            reason="r",
        )

    def conferred(title: str, level: TitleLevel, month: int) -> Event:
        return TitleConferred(
            title_id=f"{title}-{w}",
            nomination_id=f"n-{title}-{w}",
            worker_id=w,
            enterprise_id=e,
            level=level,
            title_name=title,
            conferred_by="union",
            conferred_on=date(2026, month, 1),
        )

    return [
        promoted(TierRank.SEED, 1),
        promoted(TierRank.CRAFTSMAN, 2),
        TierRevoked(
            worker_id=w,
            enterprise_id=e,
            rank=TierRank.CRAFTSMAN,
            revoked_on=date(2026, 3, 1),
            reason="r",
            revoked_by="g",
        ),
        promoted(TierRank.SEED, 4),
        conferred("county", TitleLevel.COUNTY, 5),
        conferred("city", TitleLevel.CITY, 6),
        TitleRevoked(
            title_id=f"county-{w}",
            worker_id=w,
            level=TitleLevel.COUNTY,
            revoked_on=date(2026, 7, 1),
            reason="r",
            revoked_by="g",
        ),
        promoted(TierRank.CRAFTSMAN, 8),
    ]


async def tenures_of(engine: AsyncEngine, prefix: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(tenures).order_by(tenures.c.worker_id, tenures.c.since))
        ).mappings()
        return [
            (r["worker_id"].removeprefix(prefix), r["kind"], r["level"], r["since"], r["until"])
            for r in rows
            if r["worker_id"].startswith(prefix)
        ]


async def test_tenures_a_batch_at_a_time_are_those_of_one_fact_at_a_time(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)

    def facts(workers: list[str]) -> list[FakeRecord]:
        years = [tenure_facts(w) for w in workers]
        kept: list[Any] = [year[i] for i in range(len(years[0])) for year in years]
        return records(
            [
                Envelope.wrap(
                    f,
                    producer="registry",
                    stream=StreamRef(type="Worker", id=f.worker_id),
                    stream_version=1,
                    tenant="ent-1",
                )
                for f in kept
            ]
        )

    def talent(batched: bool) -> InboxConsumer:
        return InboxConsumer(
            name=f"registry.talent.{batched}",
            sessions=session_factory(engine),
            handlers=TALENT_HANDLERS,
            batch_handlers=TALENT_BATCH_HANDLERS if batched else None,
            dead_letters=DeadLetterPublisher(FakeSender(), consumer="talent"),
            max_attempts=1,
        )

    for record in facts(["one-1", "one-2"]):
        await talent(batched=False).process([record])
    # a batch that ends open tenures read from the store: the first half, then the second
    together = facts(["all-1", "all-2"])
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    await talent(batched=True).process(together[:6])
    await talent(batched=True).process(together[6:])
    assert len(statements) <= 2 * 5, statements
    singly = await tenures_of(engine, "one-")
    assert await tenures_of(engine, "all-") == singly
    assert [(kind, level, until) for w, kind, level, _, until in singly if w == "1"] == [
        ("tier", "seed", date(2026, 2, 1)),
        ("tier", "craftsman", date(2026, 3, 1)),
        ("tier", "seed", date(2026, 8, 1)),
        ("title", "county", date(2026, 7, 1)),
        ("title", "city", None),
        ("tier", "craftsman", None),
    ]
