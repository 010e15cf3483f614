"""The "1+X" training bases, their courses, and classes with enrolment, attendance and
assessment. Pure: no I/O; the rules are in `rules`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

from chassis.aggregate import Aggregate
from chassis.auth import Tenant
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.training import (
    ClassScheduled,
    CourseOpened,
    IssuerQualified,
    SchoolKind,
    SchoolRegistered,
    SessionAttended,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingFailed,
)
from contracts.vocabulary import CertificateIssuerKind, SkillLevel
from services.training.rules import check_assessment, check_attendance, check_enrolment


class School(Aggregate):
    """The academy, a training base, or an enterprise craftsman school. Its tenant is its
    enterprise (a school) or its region (the academy and its bases)."""

    stream_type = "School"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.name = ""
        self.majors: tuple[str, ...] = ()
        self.scope = Tenant()

    @classmethod
    def register(
        cls,
        school_id: str,
        *,
        name: str,
        kind: SchoolKind,
        region_id: str,
        enterprise_id: str | None,
        majors: list[str],
        registered_on: date,
    ) -> Self:
        if (kind is SchoolKind.ENTERPRISE_SCHOOL) != (enterprise_id is not None):
            raise DomainRuleViolated(
                "an enterprise school names its enterprise, and only a school does", rule="school_enterprise"
            )
        school = cls(school_id, tenant=enterprise_id or region_id)
        school.record(
            SchoolRegistered(
                school_id=school_id,
                name=name,
                kind=kind,
                region_id=region_id,
                enterprise_id=enterprise_id,
                majors=majors,
                registered_on=registered_on,
            )
        )
        return school

    def apply(self, event: Event) -> None:
        if isinstance(event, SchoolRegistered):
            self.name, self.majors = event.name, tuple(event.majors)
            # Who acts for it: its enterprise's HR (a school), the unions above its region.
            self.scope = Tenant(enterprise_id=event.enterprise_id, region_id=event.region_id)


class Issuer(Aggregate):
    """A school or enterprise qualified to self-evaluate skill levels (自主评价)."""

    stream_type = "Issuer"

    @classmethod
    def qualify(cls, issuer_id: str, *, kind: CertificateIssuerKind, on: date, tenant: str) -> Self:
        issuer = cls(issuer_id, tenant=tenant)
        issuer.record(IssuerQualified(issuer_id=issuer_id, issuer_kind=kind, qualified_on=on))
        return issuer

    def apply(self, event: Event) -> None:
        pass  # being on record is the qualification


@dataclass(frozen=True, slots=True)
class CourseFacts:
    """What a class needs to know of its course."""

    course_id: str
    school_id: str
    school_name: str
    title: str
    hours: float
    target_level: SkillLevel
    capacity: int


class Course(Aggregate):
    stream_type = "Course"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.opened: CourseOpened | None = None

    @classmethod
    def open(cls, school: School, opened: CourseOpened) -> Self:
        if opened.major not in school.majors:
            raise DomainRuleViolated(
                f"school {school.id} teaches no major {opened.major!r} (it teaches {', '.join(school.majors)})",
                rule="school_major",
            )
        course = cls(opened.course_id, tenant=school.tenant)
        course.record(opened)
        return course

    def apply(self, event: Event) -> None:
        if isinstance(event, CourseOpened):
            self.opened = event

    def require_opened(self) -> CourseOpened:
        if self.opened is None:
            raise ValueError(f"course {self.id} was never opened")
        return self.opened

    def facts(self, school_name: str) -> CourseFacts:
        opened = self.require_opened()
        return CourseFacts(
            course_id=opened.course_id,
            school_id=opened.school_id,
            school_name=school_name,
            title=opened.title,
            hours=opened.hours,
            target_level=opened.target_level,
            capacity=opened.capacity,
        )


@dataclass(slots=True)
class Place:
    """One enrolment in a class."""

    worker_id: str
    enterprise_id: str
    assessed: bool = False
    sessions: set[int] = field(default_factory=set)  # the session numbers attended


class Class(Aggregate):
    """A class of a course: its places, its attendance, its assessments."""

    stream_type = "Class"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.course_id = ""
        self.session_count = 0
        self.started = False
        self.places: dict[str, Place] = {}
        self.workers: set[str] = set()

    @classmethod
    def schedule(cls, class_id: str, *, course: Course, starts_on: date, session_count: int) -> Self:
        opened = course.require_opened()
        scheduled = cls(class_id, tenant=course.tenant)
        scheduled.record(
            ClassScheduled(
                class_id=class_id,
                course_id=opened.course_id,
                school_id=opened.school_id,
                starts_on=starts_on,
                session_count=session_count,
            )
        )
        return scheduled

    def enrol(
        self,
        enrolment_id: str,
        *,
        worker_id: str,
        enterprise_id: str,
        worker_level: SkillLevel,
        course: CourseFacts,
        enrolled_on: date,
    ) -> None:
        if enrolment_id in self.places:
            raise DomainRuleViolated(
                f"enrolment {enrolment_id} exists in class {self.id} already", rule="duplicate_enrolment"
            )
        check_enrolment(
            class_id=self.id,
            worker_id=worker_id,
            worker_level=worker_level,
            target_level=course.target_level,
            enrolled_workers=self.workers,
            capacity=course.capacity,
        )
        self.record(
            TrainingEnrolled(
                enrolment_id=enrolment_id,
                class_id=self.id,
                course_id=self.course_id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                enrolled_on=enrolled_on,
            )
        )

    def attend(self, enrolment_id: str, *, session_no: int, attended_on: date) -> None:
        place = self.places.get(enrolment_id)
        check_attendance(
            class_id=self.id,
            enrolled=place is not None,
            assessed=place is not None and place.assessed,
            session_no=session_no,
            sessions=self.session_count,
            attended=place is not None and session_no in place.sessions,
        )
        assert place is not None
        self.record(
            SessionAttended(
                enrolment_id=enrolment_id,
                class_id=self.id,
                worker_id=place.worker_id,
                session_no=session_no,
                attended_on=attended_on,
            )
        )

    def assess(
        self, enrolment_id: str, *, passed: bool, score: float, assessed_on: date, course: CourseFacts
    ) -> None:
        """Completion with its assessment: TrainingCompleted when passed, else TrainingFailed."""
        place = self.places.get(enrolment_id)
        check_assessment(
            class_id=self.id,
            enrolled=place is not None,
            assessed=place is not None and place.assessed,
            started=self.started,
        )
        assert place is not None
        if passed:
            self.record(
                TrainingCompleted(
                    enrolment_id=enrolment_id,
                    worker_id=place.worker_id,
                    course_id=self.course_id,
                    course_title=course.title,
                    hours=course.hours,
                    completed_on=assessed_on,
                    provider=course.school_name,
                    class_id=self.id,
                    score=score,
                )
            )
        else:
            self.record(
                TrainingFailed(
                    enrolment_id=enrolment_id,
                    worker_id=place.worker_id,
                    course_id=self.course_id,
                    class_id=self.id,
                    assessed_on=assessed_on,
                    score=score,
                )
            )

    def snapshot_state(self) -> dict[str, Any]:
        """A year's register makes a class's stream long (every session of every place): loads
        start from the latest snapshot instead of folding hundreds of attendances."""
        return {
            "tenant": self.tenant,
            "course_id": self.course_id,
            "session_count": self.session_count,
            "started": self.started,
            "places": {
                enrolment_id: [place.worker_id, place.enterprise_id, place.assessed, sorted(place.sessions)]
                for enrolment_id, place in self.places.items()
            },
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        klass = cls(aggregate_id, tenant=state["tenant"])
        klass.version = version
        klass.course_id, klass.session_count = state["course_id"], state["session_count"]
        klass.started = state["started"]
        klass.places = {
            enrolment_id: Place(worker_id, enterprise_id, assessed, set(sessions))
            for enrolment_id, (worker_id, enterprise_id, assessed, sessions) in state["places"].items()
        }
        klass.workers = {place.worker_id for place in klass.places.values()}
        return klass

    def apply(self, event: Event) -> None:
        if isinstance(event, ClassScheduled):
            self.course_id, self.session_count = event.course_id, event.session_count
        elif isinstance(event, TrainingEnrolled):
            self.places[event.enrolment_id] = Place(event.worker_id, event.enterprise_id)
            self.workers.add(event.worker_id)
        elif isinstance(event, SessionAttended):
            self.started = True
            self.places[event.enrolment_id].sessions.add(event.session_no)
        elif isinstance(event, TrainingCompleted | TrainingFailed):
            self.places[event.enrolment_id].assessed = True
