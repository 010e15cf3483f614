"""The year's phases: each turns part of the plan into the requests a real city would send.

A phase is a name and its jobs (awaitables); demo/year.py runs them one phase after another
with a progress bar. Everything is sent over the services' public HTTP endpoints, batch
endpoints where they exist, and the hires of the HR-connected enterprises over their inbound
Kafka topics, as their HR systems would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from contracts.vocabulary import ContestLevel, TitleLevel
from demo.hr import HrSystems
from demo.marking import marks_of, scheme
from demo.plan import SESSIONS, YEAR, CityPlan, Contest, Enterprise, Studio, Worker
from demo.traffic import Traffic

FEDERATION = "weifang-federation"
PROGRAMME_ID = f"seed-award-{YEAR}"
GRANT_AMOUNT = 1000
SESSION_DAYS = 3  # a class meets every third day from its start (assessed on day 30)
ATTENDANCE_BATCH = 2_000  # a few classes' registers per request
HR_CONNECTED = frozenset({"ent-0001", "ent-0101", "ent-0201"})


@dataclass(frozen=True)
class Phase:
    name: str
    jobs: Callable[[], Sequence[Awaitable[Any]]]
    # Consumer groups (<service>.<subscription>) whose read models this phase's rules read: the
    # phase starts once they have applied every fact published before it.
    after: tuple[str, ...] = ()


def hr_connected(enterprise: Enterprise) -> bool:
    """A few enterprises send their hires from their own HR system over Kafka; the others upload
    them to /workers/import. Each connected enterprise is a Kafka principal of its own, kept in
    the broker's users file for good (every later run provisions its topic and ACLs), so the
    same three ids at every scale, not one per enterprise."""
    return enterprise.enterprise_id in HR_CONNECTED


def seed_tier_workers(plan: CityPlan) -> int:
    """Who reaches the seed tier (intermediate or above, the seed floor): at registration, or
    when a certificate lifts a junior to intermediate."""
    lifted = {c.worker_id for c in plan.certificates}
    return sum(
        1
        for w in plan.workers
        if w.skill_level.order >= 2 or (w.worker_id in lifted and w.skill_level.order == 1)
    )


def promoted_this_year(plan: CityPlan) -> int:
    """The seed-tier workers the ladder promotes in the year: not the imported craftsmen (their
    promotions are facts of earlier years, before the programme opened)."""
    return seed_tier_workers(plan) - len(plan.careers)


def programme_budget(plan: CityPlan) -> int:
    """Room for four in five of the workers promoted to seed this year: the budget rule shows."""
    return GRANT_AMOUNT * (promoted_this_year(plan) * 4 // 5)


@dataclass
class Year:
    plan: CityPlan
    traffic: Traffic
    hr: HrSystems

    def phases(self) -> list[Phase]:
        return [
            Phase("regions", self.regions),
            Phase("programme", self.programme),
            Phase("enterprises", self.enterprises),
            Phase("workers (HR topics + import)", self.workers),
            Phase("careers before the platform (import)", self.careers),
            Phase("schools, issuers, courses and classes (import)", self.schools),
            # a course's level rule reads training's copy of each worker's certified level
            Phase("enrolments (import)", self.enrolments, after=("training.workers",)),
            Phase("attendance (import)", self.attendance),
            Phase("assessments (import)", self.assessments),
            Phase("certificates (import)", self.certificates),
            Phase("mentorships (import)", self.mentorships),
            Phase("studios (named after city craftsmen)", self.studios),
            Phase("contests", self.contests),
            Phase("innovation achievements (import)", self.achievements),
            Phase("skills-into-enterprises visits (import)", self.visits),
            Phase("nominations (county, city, gold)", self.nominations),
        ]

    # --- the city and its people -----------------------------------------------------------

    def regions(self) -> list[Awaitable[Any]]:
        async def register_in_order() -> None:
            for kind in ("city", "county", "town"):  # a parent before its children
                for region in [r for r in self.plan.regions if r.kind == kind]:
                    body = {"region_id": region.region_id, "name": region.name, "kind": region.kind}
                    if region.parent_id:
                        body["parent_id"] = region.parent_id
                    await self.traffic.post("registry", "/regions", body, "region")

        return [register_in_order()]

    def programme(self) -> list[Awaitable[Any]]:
        body = {
            "programme_id": PROGRAMME_ID,
            "name": "种子工匠晋级奖励 Seed craftsman promotion award",
            "sponsor_id": FEDERATION,
            "budget": str(programme_budget(self.plan)),
            "grant_amount": str(GRANT_AMOUNT),
            "trigger": "tier:seed",
            "opened_on": f"{YEAR}-01-01",
        }
        return [self.traffic.post("rewards", "/programmes", body, "programme")]

    def enterprises(self) -> list[Awaitable[Any]]:
        items = [
            {
                "enterprise_id": e.enterprise_id,
                "name": e.name,
                "region_id": e.region_id,
                "industry": e.industry,
                "tier_labels": e.tier_labels,
            }
            for e in self.plan.enterprises
        ]
        return [self.traffic.imports("registry", "/enterprises/import", items, "enterprise")]

    def workers(self) -> list[Awaitable[Any]]:
        connected = {e.enterprise_id for e in self.plan.enterprises if hr_connected(e)}
        by_topic = [w for w in self.plan.workers if w.enterprise_id in connected]
        imported = [
            {**_worker_item(w), "skill_level": self.plan.registered_level(w)}
            for w in self.plan.workers
            if w.enterprise_id not in connected
        ]
        return [
            self.hr.hire(by_topic, {w.worker_id: self.plan.registered_level(w) for w in by_topic}),
            self.traffic.imports("registry", "/workers/import", imported, "worker import"),
        ]

    def careers(self) -> list[Awaitable[Any]]:
        """The city's pyramid before the platform, imported by the city union as it was, then
        each veteran's certificate of earlier years (he was registered as junior: see
        CityPlan.registered_level)."""
        items = [
            {
                "worker_id": c.worker_id,
                "tiers": [
                    {"rank": "seed", "since": c.seed_since.isoformat()},
                    {"rank": "craftsman", "since": c.craftsman_since.isoformat()},
                ],
                "titles": [
                    {
                        "title_id": t.title_id,
                        "level": t.level,
                        "year": t.conferred_on.year,
                        "conferred_on": t.conferred_on.isoformat(),
                        "conferred_by": FEDERATION,
                    }
                    for t in c.titles
                ],
            }
            for c in self.plan.careers
        ]
        workers = {w.worker_id: w for w in self.plan.workers}
        certificates = [
            {
                "worker_id": worker.worker_id,
                "certificate_id": f"cert-earlier-{worker.worker_id}",
                "skill_level": worker.skill_level,
                "occupation": worker.occupation,
                "issuer_id": "hr-bureau",
                "issuer_kind": "hr_bureau",
                "certified_on": worker.level_since.isoformat(),
            }
            for worker in (workers[c.worker_id] for c in self.plan.careers)
        ]

        async def import_then_certify() -> None:
            """The careers first: a certificate before them would let the ladder make a seed of
            today, and the imported seed tier of earlier years would be refused as held."""
            await self.traffic.imports("registry", "/careers/import", items, "career import")
            await self.traffic.imports(
                "registry", "/skill-certificates/import", certificates, "earlier certificate"
            )

        return [import_then_certify()]

    # --- training --------------------------------------------------------------------------

    def schools(self) -> list[Awaitable[Any]]:
        async def open_all() -> None:
            majors = sorted({c.major for c in self.plan.courses})
            for school_id in sorted({c.school_id for c in self.plan.courses}):
                academy = school_id == "academy"
                enterprise = None if academy else self._enterprise(school_id)
                body: dict[str, Any] = {
                    "school_id": school_id,
                    "name": "潍坊市劳模工匠学院 model-worker & craftsman academy"
                    if academy
                    else f"{school_id} craftsman school",
                    "kind": "academy" if academy else "enterprise_school",
                    "region_id": "weifang" if enterprise is None else enterprise.region_id,
                    "majors": majors,
                    "registered_on": f"{YEAR}-01-05",
                }
                if enterprise is not None:
                    body["enterprise_id"] = enterprise.enterprise_id
                await self.traffic.post("training", "/schools", body, "school")
            for e in self.plan.enterprises:
                if e.self_evaluating:
                    issuer = {
                        "issuer_id": e.enterprise_id,
                        "issuer_kind": "enterprise",
                        "qualified_on": f"{YEAR}-01-01",
                    }
                    await self.traffic.post("training", "/issuers", issuer, "issuer")

        courses = [
            {
                "course_id": course.course_id,
                "school_id": course.school_id,
                "title": f"{course.occupation} to {course.target_level}",
                "major": course.major,
                "hours": course.hours,
                "target_level": course.target_level,
                "capacity": course.capacity,
                "opened_on": (course.starts_on - timedelta(days=14)).isoformat(),
            }
            for course in self.plan.courses
        ]
        classes = [
            {
                "class_id": _class_of(course.course_id),
                "course_id": course.course_id,
                "starts_on": course.starts_on.isoformat(),
                "session_count": SESSIONS,
            }
            for course in self.plan.courses
        ]

        async def everything() -> None:
            await open_all()
            await self.traffic.imports("training", "/courses/import", courses, "course")
            await self.traffic.imports("training", "/classes/import", classes, "class")

        return [everything()]

    def enrolments(self) -> list[Awaitable[Any]]:
        starts = {c.course_id: c.starts_on for c in self.plan.courses}
        items = [
            {
                "enrolment_id": e.enrolment_id,
                "class_id": _class_of(e.course_id),
                "worker_id": e.worker_id,
                "enrolled_on": (starts[e.course_id] - timedelta(days=7)).isoformat(),
            }
            for e in self.plan.enrolments
        ]
        return [self.traffic.imports("training", "/enrolments/import", items, "enrolment")]

    def attendance(self) -> list[Awaitable[Any]]:
        """The year's register: every session each enrolment attended, class by class, in big
        batches (a batch appends each class's attendances to its stream in order)."""
        starts = {c.course_id: c.starts_on for c in self.plan.courses}
        items = [
            {
                "class_id": _class_of(e.course_id),
                "enrolment_id": e.enrolment_id,
                "session_no": n,
                "attended_on": (starts[e.course_id] + timedelta(days=SESSION_DAYS * (n - 1))).isoformat(),
            }
            for e in sorted(self.plan.enrolments, key=lambda e: e.course_id)
            for n in e.sessions
        ]
        return [
            self.traffic.imports(
                "training", "/attendances/import", items, "attendance", batch=ATTENDANCE_BATCH
            )
        ]

    def assessments(self) -> list[Awaitable[Any]]:
        starts = {c.course_id: c.starts_on for c in self.plan.courses}
        items = [
            {
                "class_id": _class_of(e.course_id),
                "enrolment_id": e.enrolment_id,
                "result": "pass" if e.passed else "fail",
                "score": e.score,
                "assessed_on": (starts[e.course_id] + timedelta(days=30)).isoformat(),
            }
            for e in self.plan.enrolments
        ]
        return [self.traffic.imports("training", "/assessments/import", items, "assessment")]

    def certificates(self) -> list[Awaitable[Any]]:
        workers = {w.worker_id: w for w in self.plan.workers}
        items = [
            {
                "certificate_id": c.certificate_id,
                "worker_id": c.worker_id,
                "occupation": workers[c.worker_id].occupation,
                "skill_level": c.skill_level,
                "issuer_id": c.issuer_id,
                "issuer_kind": "hr_bureau" if c.issuer_id == "hr-bureau" else "enterprise",
                "issued_on": c.issued_on.isoformat(),
            }
            for c in self.plan.certificates
        ]
        return [self.traffic.imports("training", "/certificates/import", items, "certificate")]

    def mentorships(self) -> list[Awaitable[Any]]:
        """Each pairing proposed and started on its first day, all in one import."""
        items = [
            {
                "mentorship_id": m.mentorship_id,
                "master_id": m.master_id,
                "apprentice_id": m.apprentice_id,
                "proposed_on": m.started_on.isoformat(),
                "started_on": m.started_on.isoformat(),
            }
            for m in self.plan.mentorships
        ]
        return [self.traffic.imports("training", "/mentorships/import", items, "mentorship")]

    def studios(self) -> list[Awaitable[Any]]:
        async def open_studio(studio: Studio) -> None:
            body = {
                "studio_id": studio.studio_id,
                "worker_id": studio.worker_id,
                "region_id": studio.region_id,
                "name": f"{studio.worker_id} craftsman innovation studio",
                "applied_on": studio.applied_on.isoformat(),
            }
            if await self.traffic.post("training", "/studios", body, "studio") is not None:
                named = {"studio_id": studio.studio_id, "named_on": studio.applied_on.isoformat()}
                await self.traffic.post("training", "/studios/naming", named, "studio naming")

        return [open_studio(studio) for studio in self.plan.studios]

    # --- contests ---------------------------------------------------------------------------

    def contests(self) -> list[Awaitable[Any]]:
        workers = {w.worker_id: w for w in self.plan.workers}
        return [self._hold(contest, [workers[w] for w in contest.entrants]) for contest in self.plan.contests]

    async def _hold(self, contest: Contest, entrants: list[Worker]) -> None:
        """A contest from its opening to ratification, its marks in one import."""
        base, day = f"/contests/{contest.contest_id}", contest.held_on.isoformat()
        enterprise = contest.level is ContestLevel.ENTERPRISE
        post = self.traffic.post
        opened = await post(
            "competitions",
            "/contests",
            {
                "contest_id": contest.contest_id,
                "title": f"{contest.level} {contest.occupation} contest {contest.contest_id}",
                "trade": contest.occupation,
                "level": contest.level,
                "organiser_id": contest.organiser_id,
                "organiser_kind": "enterprise" if enterprise else "region",
                "region_id": contest.region_id,
                "starts_on": day,
                "ends_on": day,
            },
            "contest",
        )
        if opened is None:
            return
        await post("competitions", f"{base}/scheme", {"criteria": scheme(contest)}, "contest scheme")
        for judge in contest.judges:
            await post("competitions", f"{base}/judges", {"judge_id": judge}, "contest judge")
        await post("competitions", f"{base}/registration", {"on": day}, "contest registration")
        entries = [{"worker_ids": [worker.worker_id], "registered_on": day} for worker in entrants]
        await self.traffic.imports("competitions", f"{base}/entrants/import", entries, "contest entrant")
        await post("competitions", f"{base}/start", {"on": day}, "contest start")
        await post("competitions", f"{base}/marking", {"on": day}, "contest marking")
        items = [
            {"entrant_id": w.worker_id, "aspect_id": m.aspect_id, "judge_id": m.judge_id, "score": m.score}
            for w in entrants
            for m in marks_of(contest, w)
        ]
        await self.traffic.imports(
            "competitions", f"{base}/marks/import", items, "contest marks", batch=5_000
        )
        await post("competitions", f"{base}/marks/lock", {"on": day}, "contest marks lock")
        await post("competitions", f"{base}/standardisation", {}, "contest standardisation")
        publicity = {"publicised_on": day, "objections_until": day}
        await post("competitions", f"{base}/publicity", publicity, "contest publicity")
        await post("competitions", f"{base}/ratification", {"on": day}, "contest ratification")

    # --- innovation, visits, selection ------------------------------------------------------

    def achievements(self) -> list[Awaitable[Any]]:
        region = self._region_of_worker()
        items = [
            {
                "achievement_id": a.achievement_id,
                "worker_id": a.worker_id,
                "region_id": region[a.worker_id],
                "kind": a.kind,
                "title": f"{a.kind} {a.achievement_id}",
                "year": YEAR,
                "recorded_on": a.recorded_on.isoformat(),
                "economic_benefit": a.economic_benefit,
            }
            for a in self.plan.achievements
        ]
        return [self.traffic.imports("training", "/achievements/import", items, "achievement")]

    def visits(self) -> list[Awaitable[Any]]:
        items = [
            {
                "visit_id": v.visit_id,
                "worker_id": v.team[0],
                "team_ids": list(v.team[1:]),
                "host_enterprise_id": v.enterprise_id,
                "services": list(v.services),
                "delivered_on": v.visited_on.isoformat(),
                "workers_reached": v.workers_reached,
                "problems_solved": v.problems_solved,
            }
            for v in self.plan.visits
        ]
        return [self.traffic.imports("training", "/visits/import", items, "visit")]

    def nominations(self) -> list[Awaitable[Any]]:
        """Each nominee taken through the selection pipeline to a title (see `nominees`)."""
        workers = {w.worker_id: w for w in self.plan.workers}

        async def select(worker_id: str, level: TitleLevel) -> None:
            nomination = {"worker_id": worker_id, "nomination_id": f"{level}-{YEAR}-{worker_id}"}
            body = {
                "nomination_id": nomination["nomination_id"],
                "nominated_by": workers[worker_id].enterprise_id
                if level is TitleLevel.COUNTY
                else FEDERATION,
                "reason": f"{level} nomination of {YEAR}",
                "level": level,
            }
            what = f"{level} nomination".replace("_", " ")
            if await self.traffic.post("registry", f"/workers/{worker_id}/nominations", body, what) is None:
                return
            for path, fields in _pipeline(f"title-{level}-{YEAR}-{worker_id}"):
                if await self.traffic.post("registry", path, {**nomination, **fields}, path) is None:
                    return

        return [select(worker_id, level) for worker_id, level in nominees(self.plan)]

    # --- helpers ----------------------------------------------------------------------------

    def _enterprise(self, enterprise_id: str) -> Enterprise:
        return next(e for e in self.plan.enterprises if e.enterprise_id == enterprise_id)

    def _region_of_worker(self) -> dict[str, str]:
        region = {e.enterprise_id: e.region_id for e in self.plan.enterprises}
        return {w.worker_id: region[w.enterprise_id] for w in self.plan.workers}


def nominees(plan: CityPlan) -> list[tuple[str, TitleLevel]]:
    """Who is put forward this year: from each county contest its best craftsman without the
    county title (its winner when it has none: the rules refuse him), to the county; in each city
    contest, the best entrant holding the county title to the city, and the best holding the
    city title to the city gold medal (the plan's careers say who holds what)."""
    workers = {w.worker_id: w for w in plan.workers}
    held = {c.worker_id: c.levels() for c in plan.careers}

    def best(candidates: Sequence[str]) -> str:
        return max(candidates, key=lambda w: (workers[w].ability, w))

    picked = []
    for contest in plan.contests:
        if contest.level is ContestLevel.COUNTY:
            craftsmen = [w for w in contest.entrants if w in held and TitleLevel.COUNTY not in held[w]]
            picked.append((best(craftsmen or contest.entrants), TitleLevel.COUNTY))
        if contest.level is not ContestLevel.CITY:
            continue
        for level, needs in ((TitleLevel.CITY, TitleLevel.COUNTY), (TitleLevel.CITY_GOLD, TitleLevel.CITY)):
            eligible = [
                w for w in contest.entrants if needs in held.get(w, set()) and level not in held.get(w, set())
            ]
            if eligible:
                picked.append((best(eligible), level))
    return sorted(set(picked))


def conferred(plan: CityPlan) -> list[tuple[str, TitleLevel]]:
    """The nominees the rules let through: a county nominee must be a craftsman without the
    county title already; the city and gold nominees were chosen by what they hold."""
    held = {c.worker_id: c.levels() for c in plan.careers}
    return [
        (worker_id, level)
        for worker_id, level in nominees(plan)
        if level is not TitleLevel.COUNTY or (worker_id in held and TitleLevel.COUNTY not in held[worker_id])
    ]


def _pipeline(title_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The review steps from screening to conferral, on the year's selection calendar."""
    return [
        ("/nominations/screening", {"screened_by": FEDERATION}),
        *(("/nominations/expert-scores", {"expert_id": f"expert-{n}", "score": 80 + n}) for n in range(3)),
        ("/nominations/expert-review", {"reviewed_by": FEDERATION}),
        (
            "/nominations/site-inspection",
            {"inspected_by": FEDERATION, "inspected_on": f"{YEAR}-10-20", "findings": "sound work"},
        ),
        ("/nominations/publicity", {"opens_on": f"{YEAR}-11-02", "closes_on": f"{YEAR}-11-09"}),
        (
            "/nominations/conferral",
            {"title_id": title_id, "conferred_by": FEDERATION, "conferred_on": f"{YEAR}-11-16"},
        ),
    ]


def _class_of(course_id: str) -> str:
    return f"class-{course_id}"


def _worker_item(worker: Worker) -> dict[str, Any]:
    return {
        "worker_id": worker.worker_id,
        "enterprise_id": worker.enterprise_id,
        "full_name": worker.full_name,
        "trade": worker.occupation,
        "skill_level": worker.skill_level,
        "front_line": worker.front_line,
    }
