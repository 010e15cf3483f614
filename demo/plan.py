"""The plan of a city's craftsman year: who and what exists, and what happens, decided up front.

Deterministic from a seed, so a test can count what the plan promises and compare it with what
the services' read models report after the year was played through them. Sizes follow the
source city (DESIGN.md section 1) at `scale=1`; `scale=10` is a province's worth.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from contracts.events.training import AchievementKind
from contracts.vocabulary import ContestLevel, SkillLevel, SkillService, TitleLevel

YEAR = 2026
SESSIONS = 8  # every class's sessions
KEY_INDUSTRIES = (  # the city's ten key industries ("十强" 产业)
    "high-end equipment",
    "power equipment",
    "new-generation information technology",
    "high-end chemicals",
    "new materials",
    "modern agriculture",
    "medicine and health",
    "textiles and garments",
    "food processing",
    "new energy",
)
OTHER_INDUSTRIES = ("tobacco", "paper", "building materials", "logistics", "printing")
OCCUPATIONS = (
    "industrial robot operator",
    "fitter",
    "welder",
    "electrician",
    "CNC machinist",
    "engine assembler",
    "garment maker",
    "chemical process operator",
    "quality inspector",
    "food technologist",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
ACHIEVEMENT_SHARES = {  # the source city's counts in one year
    AchievementKind.TECHNICAL_INNOVATION: 1936,
    AchievementKind.INVENTION_PATENT: 769,
    AchievementKind.OPERATING_METHOD: 680,
    AchievementKind.ENTREPRENEURSHIP: 126,
}
START_LEVELS = (  # a front-line workforce: most at intermediate or senior
    (SkillLevel.JUNIOR, 0.22),
    (SkillLevel.INTERMEDIATE, 0.38),
    (SkillLevel.SENIOR, 0.28),
    (SkillLevel.TECHNICIAN, 0.09),
    (SkillLevel.SENIOR_TECHNICIAN, 0.03),
)


@dataclass(frozen=True)
class Region:
    region_id: str
    name: str
    kind: str
    parent_id: str | None


@dataclass(frozen=True)
class Enterprise:
    enterprise_id: str
    name: str
    region_id: str
    industry: str
    key_industry: bool
    self_evaluating: bool  # qualified to issue its own skill certificates
    tier_labels: dict[str, str]


@dataclass(frozen=True)
class Worker:
    worker_id: str
    enterprise_id: str
    full_name: str
    occupation: str
    front_line: bool
    skill_level: SkillLevel
    level_since: date
    ability: float  # 0..1: how well the worker does in contests and assessments


@dataclass(frozen=True)
class Course:
    course_id: str
    school_id: str  # the academy or an enterprise school
    major: str
    occupation: str
    hours: int
    target_level: SkillLevel
    capacity: int
    starts_on: date


@dataclass(frozen=True)
class Enrolment:
    enrolment_id: str
    course_id: str
    worker_id: str
    sessions: tuple[int, ...]  # the session numbers attended, of the class's SESSIONS
    passed: bool
    score: int


@dataclass(frozen=True)
class Certificate:
    certificate_id: str
    worker_id: str
    skill_level: SkillLevel
    issuer_id: str
    issued_on: date


@dataclass(frozen=True)
class Mentorship:
    mentorship_id: str
    master_id: str
    apprentice_id: str
    started_on: date
    apprentice_advanced: bool


@dataclass(frozen=True)
class Aspect:
    aspect_id: str
    kind: str  # "measurement" or "judgement"
    max_mark: float


@dataclass(frozen=True)
class Contest:
    contest_id: str
    level: ContestLevel
    organiser_id: str  # a region, or the enterprise for an enterprise-level contest
    region_id: str
    occupation: str
    held_on: date
    aspects: tuple[Aspect, ...]
    judges: tuple[str, ...]
    entrants: tuple[str, ...]


@dataclass(frozen=True)
class HeldTitle:
    title_id: str
    level: TitleLevel
    conferred_on: date


@dataclass(frozen=True)
class Career:
    """A craftsman's record from before the platform: seed, then craftsman, then the titles."""

    worker_id: str
    seed_since: date
    craftsman_since: date
    titles: tuple[HeldTitle, ...]

    def levels(self) -> set[TitleLevel]:
        return {title.level for title in self.titles}


@dataclass(frozen=True)
class Studio:
    studio_id: str
    worker_id: str  # the city craftsman it is named after
    region_id: str
    applied_on: date


@dataclass(frozen=True)
class Achievement:
    achievement_id: str
    worker_id: str
    kind: str
    recorded_on: date
    economic_benefit: int  # yuan


@dataclass(frozen=True)
class Visit:
    visit_id: str
    team: tuple[str, ...]  # the visiting craftsmen
    enterprise_id: str
    visited_on: date
    services: tuple[SkillService, ...]
    problems_solved: int
    workers_reached: int


@dataclass
class CityPlan:
    seed: int
    scale: int
    share: float = 1.0  # of a full city's (or province's) workers, for a smaller run
    regions: list[Region] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    mentorships: list[Mentorship] = field(default_factory=list)
    contests: list[Contest] = field(default_factory=list)
    achievements: list[Achievement] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    careers: list[Career] = field(default_factory=list)  # the city's pyramid before the year
    studios: list[Studio] = field(default_factory=list)
    veterans: set[str] = field(default_factory=set)  # the workers of `careers`

    def registered_level(self, worker: Worker) -> SkillLevel:
        """The level a worker is registered at: a veteran (an imported career) as junior, so that
        the ladder does not make him a seed of today before his career is imported; his real
        level follows as the certificate of earlier years (demo/phases.py `careers`)."""
        return SkillLevel.JUNIOR if worker.worker_id in self.veterans else worker.skill_level

    def sized(self, per_city: int, least: int = 1) -> int:
        """A city's count of something, at this plan's scale and share."""
        return max(least, round(per_city * self.scale * self.share))

    def counts(self) -> dict[str, int]:
        """What the plan promises, for comparison with what the read models report."""
        marks = sum(
            len(c.entrants) * sum(3 if a.kind == "judgement" else 1 for a in c.aspects) for c in self.contests
        )
        counted = {
            "regions": len(self.regions),
            "enterprises": len(self.enterprises),
            "workers": len(self.workers),
            "courses": len(self.courses),
            "enrolments": len(self.enrolments),
            "attendances": sum(len(e.sessions) for e in self.enrolments),
            "completions_passed": sum(e.passed for e in self.enrolments),
            "certificates": len(self.certificates),
            "mentorships": len(self.mentorships),
            "contests": len(self.contests),
            "entries": sum(len(c.entrants) for c in self.contests),
            "marks": marks,
            "visits": len(self.visits),
            "careers": len(self.careers),
            "studios": len(self.studios),
            "problems_solved": sum(v.problems_solved for v in self.visits),
            "workers_reached": sum(v.workers_reached for v in self.visits),
        }
        counted.update(Counter(a.kind for a in self.achievements))
        return counted


def day_of_year(rng: random.Random, first: int = 1, last: int = 360) -> date:
    return date(YEAR, 1, 1) + timedelta(days=rng.randint(first - 1, last - 1))


def plan_city(seed: int = 2026, scale: int = 1, workers: int | None = None) -> CityPlan:
    """A city (scale 1: 12 counties, 300 enterprises, 12,000 workers) or `scale` cities' worth;
    `workers` shrinks it (for tests): everything else in proportion, 40 workers an enterprise."""
    rng = random.Random(seed)
    full = 12_000 * scale
    plan = CityPlan(seed=seed, scale=scale, share=min(1.0, (workers or full) / full))
    enterprises = plan.sized(300, least=2)
    plan_regions(plan, counties=min(12 * scale, max(2, enterprises // 4)))
    plan_enterprises(plan, rng, count=enterprises)
    plan_workers(plan, rng, count=plan.sized(12_000, least=10))
    plan_careers(plan, random.Random(seed + 1))  # a stream of its own: the rest stays as it was
    plan_training(plan, rng)
    plan_mentoring(plan, rng, pairs=plan.sized(800))
    plan_contests(plan, rng)
    plan_innovation(plan, rng)
    plan_visits(plan, rng, count=plan.sized(186))
    return plan


def plan_regions(plan: CityPlan, counties: int) -> None:
    plan.regions.append(Region("weifang", "潍坊市 Weifang", "city", None))
    for n in range(counties):
        county = f"county-{n:02d}"
        plan.regions.append(Region(county, f"County {n:02d}", "county", "weifang"))
        plan.regions += [Region(f"{county}-town-{t}", f"Town {n:02d}.{t}", "town", county) for t in range(3)]


def plan_enterprises(plan: CityPlan, rng: random.Random, count: int) -> None:
    counties = [r.region_id for r in plan.regions if r.kind == "county"]
    for n in range(count):
        key = rng.random() < 0.7  # nominees are weighted toward the key industries
        industry = rng.choice(KEY_INDUSTRIES if key else OTHER_INDUSTRIES)
        labels = {"seed": "种子工匠", "craftsman": "青烟工匠", "chief": "一甲工匠"} if n % 25 == 0 else {}
        plan.enterprises.append(
            Enterprise(
                enterprise_id=f"ent-{n:04d}",
                name=f"Enterprise {n:04d}",
                region_id=counties[n % len(counties)],
                industry=industry,
                key_industry=key,
                self_evaluating=n % 10 == 0,
                tier_labels=labels,
            )
        )


def plan_workers(plan: CityPlan, rng: random.Random, count: int) -> None:
    levels = [level for level, _ in START_LEVELS]
    weights = [weight for _, weight in START_LEVELS]
    for n in range(count):
        enterprise = plan.enterprises[n % len(plan.enterprises)]
        plan.workers.append(
            Worker(
                worker_id=f"w-{n:06d}",
                enterprise_id=enterprise.enterprise_id,
                full_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                occupation=rng.choice(OCCUPATIONS),
                front_line=rng.random() < 0.85,
                skill_level=rng.choices(levels, weights)[0],
                level_since=date(YEAR - rng.randint(1, 9), rng.randint(1, 12), 1),
                ability=rng.betavariate(5, 3),
            )
        )


def plan_careers(plan: CityPlan, rng: random.Random) -> None:
    """The pyramid the city had before the platform (DESIGN.md section 1: 1,200 county-level and
    532 city-level-and-above craftsmen in a city): every worker at senior or above has been a
    seed and then a craftsman for years; 1,200 of them hold the county title only, 532 the city
    title too (one in ten of those the city gold medal as well)."""
    veterans = [w for w in plan.workers if w.skill_level.order >= SkillLevel.SENIOR.order]
    county = set(rng.sample(veterans, min(len(veterans), plan.sized(1_200) + plan.sized(532))))
    city_band = [w for w in veterans if w in county]
    city = set(rng.sample(city_band, min(len(city_band), plan.sized(532))))
    gold = (
        set(rng.sample(sorted(city, key=lambda w: w.worker_id), max(1, len(city) // 10))) if city else set()
    )
    for worker in veterans:
        seed_year = YEAR - rng.randint(6, 9)
        craftsman_year = seed_year + rng.randint(1, 2)  # at the latest YEAR - 4
        titles: list[HeldTitle] = []
        if worker in county:
            last = YEAR - 2 if worker in city else YEAR - 1
            year = rng.randint(craftsman_year + 1, last)
            titles.append(HeldTitle(f"county-{worker.worker_id}", TitleLevel.COUNTY, date(year, 6, 1)))
            if worker in city:
                year = rng.randint(year + 1, YEAR - 1)
                titles.append(HeldTitle(f"city-{worker.worker_id}", TitleLevel.CITY, date(year, 9, 1)))
                if worker in gold:
                    titles.append(
                        HeldTitle(f"gold-{worker.worker_id}", TitleLevel.CITY_GOLD, date(year, 11, 1))
                    )
        month = rng.randint(1, 12)
        plan.careers.append(
            Career(worker.worker_id, date(seed_year, month, 1), date(craftsman_year, month, 1), tuple(titles))
        )
        plan.veterans.add(worker.worker_id)
    region = {e.enterprise_id: e.region_id for e in plan.enterprises}
    named = sorted(city, key=lambda w: w.worker_id)[: plan.sized(40)]
    plan.studios += [
        Studio(f"studio-{w.worker_id}", w.worker_id, region[w.enterprise_id], day_of_year(rng, 30, 200))
        for w in named
    ]


def plan_training(plan: CityPlan, rng: random.Random) -> None:
    """The academy's courses and the enterprise schools'; enrolments, completions, certificates."""
    schools = ["academy"] + [e.enterprise_id for e in plan.enterprises[: plan.sized(10)]]
    by_occupation: dict[str, list[Worker]] = {}
    for worker in plan.workers:
        by_occupation.setdefault(worker.occupation, []).append(worker)
    ladder = list(SkillLevel)
    eligible_for: dict[tuple[str, SkillLevel], list[Worker]] = {}
    for n in range(plan.sized(400, least=4)):
        occupation = OCCUPATIONS[n % len(OCCUPATIONS)]
        target = ladder[2 + n % 4]  # intermediate .. senior technician
        course = Course(
            course_id=f"course-{n:04d}",
            school_id=schools[n % len(schools)],
            major=f"major-{n % 15:02d}",
            occupation=occupation,
            hours=rng.choice((16, 24, 32, 48)),
            target_level=target,
            capacity=40,
            starts_on=day_of_year(rng, 10, 300),
        )
        plan.courses.append(course)
        if (occupation, target) not in eligible_for:  # a province has 4,000 courses over 12 pairs
            floor = target.order - 1
            eligible_for[occupation, target] = [
                w for w in by_occupation[occupation] if w.skill_level.order >= floor
            ]
        eligible = eligible_for[occupation, target]
        for worker in rng.sample(eligible, min(len(eligible), rng.randint(24, course.capacity))):
            passed = rng.random() < 0.6 + 0.35 * worker.ability
            plan.enrolments.append(
                Enrolment(
                    enrolment_id=f"enr-{course.course_id}-{worker.worker_id}",
                    course_id=course.course_id,
                    worker_id=worker.worker_id,
                    sessions=attended_sessions(rng),
                    passed=passed,
                    score=rng.randint(60, 100) if passed else rng.randint(20, 59),
                )
            )
    plan_certificates(plan, rng)


def attended_sessions(rng: random.Random) -> tuple[int, ...]:
    """Most attend every session; one in five misses one or two."""
    every = range(1, SESSIONS + 1)
    if rng.random() < 0.8:
        return tuple(every)
    missed = set(rng.sample(every, rng.randint(1, 2)))
    return tuple(n for n in every if n not in missed)


def plan_certificates(plan: CityPlan, rng: random.Random) -> None:
    """One level up for workers who passed a course at their next level and served the years."""
    courses = {c.course_id: c for c in plan.courses}
    workers = {w.worker_id: w for w in plan.workers}
    enterprises = {e.enterprise_id: e for e in plan.enterprises}
    certified: set[str] = set()
    for enrolment in plan.enrolments:
        worker, course = workers[enrolment.worker_id], courses[enrolment.course_id]
        if not enrolment.passed or worker.worker_id in certified:
            continue
        if course.target_level.order != worker.skill_level.order + 1 or worker.level_since.year > YEAR - 4:
            continue
        certified.add(worker.worker_id)
        own = enterprises[worker.enterprise_id]
        plan.certificates.append(
            Certificate(
                certificate_id=f"cert-{worker.worker_id}",
                worker_id=worker.worker_id,
                skill_level=course.target_level,
                issuer_id=own.enterprise_id if own.self_evaluating else "hr-bureau",
                issued_on=min(date(YEAR, 12, 20), course.starts_on + timedelta(days=60)),
            )
        )


def plan_mentoring(plan: CityPlan, rng: random.Random, pairs: int) -> None:
    masters = [w for w in plan.workers if w.skill_level.order >= SkillLevel.TECHNICIAN.order]
    apprentices = [w for w in plan.workers if w.skill_level.order <= SkillLevel.INTERMEDIATE.order]
    masters_at: dict[str, list[Worker]] = {}
    for master in masters:
        masters_at.setdefault(master.enterprise_id, []).append(master)
    for n, apprentice in enumerate(rng.sample(apprentices, min(pairs, len(apprentices)))):
        same_place = masters_at.get(apprentice.enterprise_id, [])
        master = rng.choice(same_place or masters)
        plan.mentorships.append(
            Mentorship(
                mentorship_id=f"mentor-{n:05d}",
                master_id=master.worker_id,
                apprentice_id=apprentice.worker_id,
                started_on=day_of_year(rng, 1, 120),
                apprentice_advanced=rng.random() < 0.3,
            )
        )


def plan_contests(plan: CityPlan, rng: random.Random) -> None:
    """Enterprise, county and city contests, each marked on a scheme of measurement and judgement."""
    counties = [r.region_id for r in plan.regions if r.kind == "county"]
    levels = (
        [(ContestLevel.ENTERPRISE, e.enterprise_id, e.region_id) for e in plan.enterprises]
        + [(ContestLevel.COUNTY, c, c) for c in counties for _ in range(2)]
        + [(ContestLevel.CITY, "weifang", "weifang")] * plan.sized(6)
    )
    workers_by_place: dict[tuple[str, str], list[Worker]] = {}
    region_of = {e.enterprise_id: e.region_id for e in plan.enterprises}
    for worker in plan.workers:
        for place in (worker.enterprise_id, region_of[worker.enterprise_id], "weifang"):
            workers_by_place.setdefault((place, worker.occupation), []).append(worker)
    occupations_at: dict[str, Counter[str]] = {}
    for (place, occupation), ws in workers_by_place.items():
        if place in region_of:
            occupations_at.setdefault(place, Counter())[occupation] += len(ws)
    # an enterprise holds its contest in its most common occupation
    main_occupation = {e: occupations_at[e].most_common(1)[0][0] for e in region_of}
    for n, (level, organiser, region) in enumerate(levels):
        occupation = main_occupation.get(organiser) or OCCUPATIONS[n % len(OCCUPATIONS)]
        pool = workers_by_place.get((organiser, occupation), [])
        size = {ContestLevel.ENTERPRISE: 20, ContestLevel.COUNTY: 60, ContestLevel.CITY: 150}[level]
        if len(pool) < 4:
            continue
        entrants = tuple(w.worker_id for w in rng.sample(pool, min(size, len(pool))))
        entering = set(entrants)
        judges = tuple(
            w.worker_id for w in rng.sample([w for w in plan.workers if w.worker_id not in entering], 3)
        )
        plan.contests.append(
            Contest(
                contest_id=f"contest-{n:04d}",
                level=level,
                organiser_id=organiser,
                region_id=region,
                occupation=occupation,
                held_on=day_of_year(rng, 90, 330),
                aspects=marking_scheme(rng, aspects=30),
                judges=judges,
                entrants=entrants,
            )
        )


def marking_scheme(rng: random.Random, aspects: int) -> tuple[Aspect, ...]:
    """Aspects totalling 100 marks, about half measurement and half judgement."""
    weights = [rng.randint(5, 15) for _ in range(aspects)]
    marks = [round(100 * w / sum(weights), 1) for w in weights]
    marks[-1] = round(100 - sum(marks[:-1]), 1)
    return tuple(
        Aspect(f"A{n + 1}", "measurement" if n % 2 == 0 else "judgement", mark)
        for n, mark in enumerate(marks)
    )


def plan_innovation(plan: CityPlan, rng: random.Random) -> None:
    n = 0
    for kind, per_city in ACHIEVEMENT_SHARES.items():
        for _ in range(plan.sized(per_city)):
            worker = rng.choice(plan.workers)
            plan.achievements.append(
                Achievement(
                    f"ach-{n:06d}", worker.worker_id, kind, day_of_year(rng), rng.randint(1, 500) * 1000
                )
            )
            n += 1


def plan_visits(plan: CityPlan, rng: random.Random, count: int) -> None:
    craftsmen = [w.worker_id for w in plan.workers if w.skill_level.order >= SkillLevel.TECHNICIAN.order]
    services = list(SkillService)
    for n in range(count):
        plan.visits.append(
            Visit(
                visit_id=f"visit-{n:04d}",
                team=tuple(rng.sample(craftsmen, 3)),
                enterprise_id=rng.choice(plan.enterprises).enterprise_id,
                visited_on=day_of_year(rng),
                services=tuple(sorted(rng.sample(services, rng.randint(1, 4)))),
                problems_solved=rng.randint(0, 2),
                workers_reached=rng.randint(40, 120),
            )
        )
