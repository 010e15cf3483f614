"""A deterministic city for the dashboard's tests and bench: its facts as the services publish
them (envelopes in causal order), and what the talent pyramid must show, counted from the plan."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import InboxConsumer
from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestOpened
from contracts.events.registry import (
    EnterpriseRegistered,
    RegionRegistered,
    TierPromoted,
    TitleConferred,
    WorkerRegistered,
)
from contracts.events.rewards import PointsAwarded, ProgrammeOpened, RewardGranted
from contracts.vocabulary import ContestLevel, Medal, RegionKind, SkillLevel, TierRank, TitleLevel
from services.dashboard.projections import batch_handlers, in_order
from tests.service_support import FakeSender

CITY = "weifang"
INDUSTRIES = ("machinery", "chemicals", "textiles", "food", "electronics")
TIERS = (TierRank.SEED, TierRank.CRAFTSMAN, TierRank.CHIEF)
YEARS = (2025, 2026)


@dataclass
class City:
    envelopes: list[Envelope] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    enterprise_county: dict[str, str] = field(default_factory=dict)
    # (level, year, county) → holders, as planned
    holders: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    worker_enterprise: dict[str, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    _versions: Counter[tuple[str, str]] = field(default_factory=Counter)

    def emit(self, event: Event, producer: str, stream: tuple[str, str], tenant: str, day: date) -> Envelope:
        self._versions[stream] += 1
        envelope = Envelope.wrap(
            event,
            producer=producer,
            stream=StreamRef(type=stream[0], id=stream[1]),
            stream_version=self._versions[stream],
            tenant=tenant,
            occurred_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
            event_id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
        )
        self.envelopes.append(envelope)
        return envelope

    def pyramid(self, year: int | None = None, county: str | None = None) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (level, held_year, held_county), n in self.holders.items():
            if (year is None or year == held_year) and (county is None or county == held_county):
                counts[level] += n
        return dict(counts)


def build_city(
    *, workers: int = 60, enterprises: int = 6, counties: int = 3, contests: int = 2, seed: int = 7
) -> City:
    """Regions, enterprises, workers; a share of the workers promoted (some twice), titles above
    the enterprise, contests with results, points and grants."""
    rng = random.Random(seed)  # the envelopes' ids come from it too: a city is the same every time
    city = City(rng=rng)
    day = date(2025, 1, 2)
    city.emit(
        RegionRegistered(region_id=CITY, name="Weifang", kind=RegionKind.CITY),
        "registry",
        ("Region", CITY),
        CITY,
        day,
    )
    for n in range(counties):
        county = f"county-{n}"
        city.counties.append(county)
        event = RegionRegistered(region_id=county, name=f"County {n}", kind=RegionKind.COUNTY, parent_id=CITY)
        city.emit(event, "registry", ("Region", county), county, day)
        town = f"town-{n}"  # enterprises of odd numbers sit in a town under their county
        event = RegionRegistered(region_id=town, name=f"Town {n}", kind=RegionKind.TOWN, parent_id=county)
        city.emit(event, "registry", ("Region", town), town, day)
    enterprise_ids = []
    for n in range(enterprises):
        enterprise_id = f"ent-{n}"
        county = city.counties[n % counties]
        region = county if n % 2 == 0 else f"town-{n % counties}"
        city.enterprise_county[enterprise_id] = county
        enterprise_ids.append(enterprise_id)
        joined = EnterpriseRegistered(
            enterprise_id=enterprise_id,
            name=f"Enterprise {n}",
            region_id=region,
            industry=INDUSTRIES[n % len(INDUSTRIES)],
            tier_labels={},
        )
        city.emit(joined, "registry", ("Enterprise", enterprise_id), enterprise_id, day)
    worker_ids = []
    for n in range(workers):
        worker_id = f"w-{n:05d}"
        enterprise_id = enterprise_ids[n % enterprises]
        county = city.enterprise_county[enterprise_id]
        worker_ids.append(worker_id)
        city.worker_enterprise[worker_id] = enterprise_id
        stream = ("Worker", worker_id)
        registered = WorkerRegistered(
            worker_id=worker_id, enterprise_id=enterprise_id, trade="fitter", skill_level=SkillLevel.SENIOR
        )
        city.emit(registered, "registry", stream, enterprise_id, day)
        reached = rng.choice((0, 0, 1, 1, 2, 3))  # how many tiers the worker climbs
        held: tuple[TierRank, int] | None = None
        for step in range(reached):
            year = YEARS[min(step, 1)] if reached > 1 else rng.choice(YEARS)
            effective = date(year, 3 + step, 1)
            promoted = TierPromoted(
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                from_rank=TierRank.NONE if step == 0 else TIERS[step - 1],
                to_rank=TIERS[step],
                tier_label=TIERS[step].value,
                effective_on=effective,
                reason="ladder",
            )
            city.emit(promoted, "registry", stream, enterprise_id, effective)
            held = (TIERS[step], year)
        if held is not None:
            city.holders[(held[0].value, held[1], county)] += 1
        if reached == 3 and rng.random() < 0.5:  # chiefs may hold titles above the enterprise
            for level in (TitleLevel.COUNTY, TitleLevel.CITY)[: rng.choice((1, 2))]:
                year = rng.choice(YEARS)
                conferred = TitleConferred(
                    title_id=f"title-{worker_id}-{level.value}",
                    nomination_id=f"nom-{worker_id}-{level.value}",
                    worker_id=worker_id,
                    enterprise_id=enterprise_id,
                    level=level,
                    title_name=f"{level.value} craftsman",
                    conferred_by=CITY,
                    conferred_on=date(year, 9, 1),
                )
                city.emit(conferred, "registry", stream, enterprise_id, date(year, 9, 1))
                city.holders[(level.value, year, county)] += 1
    for n in range(contests):
        contest_id = f"contest-{n}"
        opened = ContestOpened(
            contest_id=contest_id,
            title=f"Fitters' contest {n}",
            trade="fitter",
            level=ContestLevel.CITY,
            organiser_id=CITY,
            region_id=CITY,
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 5, 3),
        )
        city.emit(opened, "competitions", ("Contest", contest_id), CITY, date(2026, 5, 1))
        entrants = rng.sample(worker_ids, min(len(worker_ids), 20))
        for rank, worker_id in enumerate(entrants, start=1):
            scored = CompetitionScored(
                contest_id=contest_id,
                level=ContestLevel.CITY,
                worker_id=worker_id,
                enterprise_id=city.worker_enterprise[worker_id],
                raw_score=Decimal(100 - rank),
                standardised_score=Decimal(700 - rank * 5),
                rank=rank,
                medal=(Medal.GOLD, Medal.SILVER, Medal.BRONZE)[rank - 1] if rank <= 3 else Medal.NONE,
            )
            city.emit(
                scored,
                "competitions",
                ("Contest", contest_id),
                city.worker_enterprise[worker_id],
                date(2026, 5, 3),
            )
            points = PointsAwarded(
                worker_id=worker_id,
                category="competition",
                rule="competition",
                group="competition",
                points=Decimal(max(1, 10 - rank)),
                earned_on=date(2026, 5, 3),
                source_event_id=city.envelopes[-1].event_id,
            )
            city.emit(
                points, "rewards", ("Account", worker_id), city.worker_enterprise[worker_id], date(2026, 5, 3)
            )
    programme = ProgrammeOpened(
        programme_id="seed-grants",
        name="Seed craftsman grants",
        sponsor_id=CITY,
        budget=Decimal("100000.00"),
        grant_amount=Decimal("1000.00"),
        trigger="tier:seed",
        opened_on=date(2025, 1, 1),
    )
    city.emit(programme, "rewards", ("Programme", "seed-grants"), CITY, date(2025, 1, 1))
    for worker_id in worker_ids[: max(1, workers // 10)]:
        granted = RewardGranted(
            grant_id=f"grant-{worker_id}",
            programme_id="seed-grants",
            worker_id=worker_id,
            enterprise_id=city.worker_enterprise[worker_id],
            amount=Decimal("1000.00"),
            reason="promoted to seed",
            caused_by=uuid.UUID(int=rng.getrandbits(128), version=4),
        )
        city.emit(granted, "rewards", ("Programme", "seed-grants"), CITY, date(2026, 6, 1))
    return city


def dashboard_consumer(engine: AsyncEngine, name: str = "dashboard.read-model") -> InboxConsumer:
    """The dashboard's consumer as its subscription wires it, without Kafka (dead letters kept)."""
    return InboxConsumer(
        name=name,
        sessions=session_factory(engine),
        handlers={},
        batch_handlers={**batch_handlers(), **in_order()},
        dead_letters=DeadLetterPublisher(FakeSender(), consumer=name),
        max_attempts=1,
    )
