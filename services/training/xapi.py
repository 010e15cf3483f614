"""Learning records as xAPI statements (actor, verb, object, result, context, timestamp). Pure.

Each statement's id is the id of the event it states, so an LRS that receives a record twice
keeps one statement. ADL verbs: `completed` (a provider reported a completion without an
assessment), `passed` and `failed` (a class's assessment, with its score), `attended` (a
session of a class). The actor is the worker's account, never a name: personal data stays
sealed in the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

DEFAULT_HOME_PAGE = "https://craftsman.example.org"
"""The platform's IRI: workers' accounts and course activities are named under it."""

ADL = "http://adlnet.gov/expapi/verbs/"


def _verb(name: str) -> dict[str, Any]:
    return {"id": ADL + name, "display": {"en-US": name}}


COMPLETED, PASSED, FAILED, ATTENDED = (_verb(name) for name in ("completed", "passed", "failed", "attended"))
COURSE = "http://adlnet.gov/expapi/activities/course"
MEETING = "http://adlnet.gov/expapi/activities/meeting"


@dataclass(frozen=True, slots=True)
class Completion:
    """One completed course in a worker's learning record (with its class and score when a
    class's assessment passed it)."""

    event_id: str
    enrolment_id: str
    worker_id: str
    course_id: str
    course_title: str
    hours: float
    completed_on: date
    provider: str
    class_id: str | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    event_id: str
    enrolment_id: str
    worker_id: str
    course_id: str
    class_id: str
    assessed_on: date
    score: float


@dataclass(frozen=True, slots=True)
class Attendance:
    event_id: str
    enrolment_id: str
    class_id: str
    worker_id: str
    session_no: int
    attended_on: date


LearningEntry = Completion | Failure | Attendance


def iso_duration(hours: float) -> str:
    """ISO 8601 duration to the second, as xAPI wants it: 1.5 → "PT1H30M"."""
    hours_part, rest = divmod(round(hours * 3600), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((hours_part, "H"), (minutes, "M"), (seconds, "S")) if value]
    return "PT" + ("".join(parts) or "0S")


def _score(score: float) -> dict[str, Any]:
    return {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100}


def _timestamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _actor(worker_id: str, home_page: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": worker_id}}


def _course(course_id: str, home_page: str, title: str | None = None) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": COURSE}
    if title is not None:
        definition["name"] = {"und": title}
    return {"objectType": "Activity", "id": f"{home_page}/courses/{course_id}", "definition": definition}


def _context(
    home_page: str, enrolment_id: str, class_id: str | None, platform: str | None = None
) -> dict[str, Any]:
    extensions: dict[str, Any] = {f"{home_page}/xapi/enrolment": enrolment_id}
    if class_id is not None:
        extensions[f"{home_page}/xapi/class"] = class_id
    context: dict[str, Any] = {"extensions": extensions}
    if platform is not None:
        context["platform"] = platform
    return context


def statement(entry: LearningEntry, *, home_page: str = DEFAULT_HOME_PAGE) -> dict[str, Any]:
    """The entry as one xAPI statement."""
    match entry:
        case Completion():
            result: dict[str, Any] = {"completion": True, "duration": iso_duration(entry.hours)}
            if entry.score is not None:
                result = {"score": _score(entry.score), "success": True, **result}
            return {
                "id": entry.event_id,
                "actor": _actor(entry.worker_id, home_page),
                "verb": COMPLETED if entry.score is None else PASSED,
                "object": _course(entry.course_id, home_page, entry.course_title),
                "result": result,
                "context": _context(home_page, entry.enrolment_id, entry.class_id, entry.provider),
                "timestamp": _timestamp(entry.completed_on),
            }
        case Failure():
            return {
                "id": entry.event_id,
                "actor": _actor(entry.worker_id, home_page),
                "verb": FAILED,
                "object": _course(entry.course_id, home_page),
                "result": {"score": _score(entry.score), "success": False, "completion": True},
                "context": _context(home_page, entry.enrolment_id, entry.class_id),
                "timestamp": _timestamp(entry.assessed_on),
            }
        case Attendance():
            return {
                "id": entry.event_id,
                "actor": _actor(entry.worker_id, home_page),
                "verb": ATTENDED,
                "object": {
                    "objectType": "Activity",
                    "id": f"{home_page}/classes/{entry.class_id}/sessions/{entry.session_no}",
                    "definition": {
                        "type": MEETING,
                        "name": {"und": f"{entry.class_id} session {entry.session_no}"},
                    },
                },
                "context": _context(home_page, entry.enrolment_id, entry.class_id),
                "timestamp": _timestamp(entry.attended_on),
            }
