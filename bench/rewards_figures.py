"""Rewards figures: points decided per second when a year of a city's facts is replayed into
a fresh ledger (baseline: a raw aiokafka consume of the same records), and parallel grants per
second against one budget (baseline: the event store's plain append at the same concurrency).

`city_year` makes the facts: registrations, courses, placements, certificates, mentorships,
skill visits, promotions and titles, seeded, so a run and its baseline (and a test) see the
same records."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

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

YEAR_START = date(2026, 1, 1)
REGIONS = ("kuiwen", "weicheng", "fangzi", "hanting")
PLACED_LEVELS = (ContestLevel.COUNTY, ContestLevel.CITY, ContestLevel.PROVINCE)


def city_year(events: int, *, workers: int = 2000, enterprises: int = 40, seed: int = 2026) -> list[Envelope]:
    """`events` facts (about a twentieth registrations, the rest the year's activity)."""
    return list(_facts(events, workers=workers, enterprises=enterprises, seed=seed))


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
            promoted = TierPromoted(
                worker_id=worker,
                enterprise_id=enterprise,
                from_rank=TierRank.NONE,
                to_rank=TierRank.SEED,
                tier_label="种子工匠",
                effective_on=day,
                reason="nominated, trained and placed",
            )
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
