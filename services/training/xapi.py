"""Learning records as xAPI statements (actor, verb, object, result, context). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

DEFAULT_HOME_PAGE = "https://craftsman.example.org"
"""The platform's IRI: workers' accounts and course activities are named under it."""

COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
COURSE = "http://adlnet.gov/expapi/activities/course"


@dataclass(frozen=True, slots=True)
class Completion:
    """One completed course in a worker's learning record."""

    event_id: str
    enrolment_id: str
    worker_id: str
    course_id: str
    course_title: str
    hours: float
    completed_on: date
    provider: str


def iso_duration(hours: float) -> str:
    """ISO 8601 duration to the second, as xAPI wants it: 1.5 → "PT1H30M"."""
    hours_part, rest = divmod(round(hours * 3600), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((hours_part, "H"), (minutes, "M"), (seconds, "S")) if value]
    return "PT" + ("".join(parts) or "0S")


def statement(completion: Completion, *, home_page: str = DEFAULT_HOME_PAGE) -> dict[str, Any]:
    """The completion as an xAPI statement; its id is the TrainingCompleted event id. The actor
    is the worker's account, never a name: personal data stays sealed in the registry."""
    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": home_page, "name": completion.worker_id},
    }
    return {
        "id": completion.event_id,
        "actor": actor,
        "verb": COMPLETED,
        "object": {
            "objectType": "Activity",
            "id": f"{home_page}/courses/{completion.course_id}",
            "definition": {"type": COURSE, "name": {"und": completion.course_title}},
        },
        "result": {"completion": True, "duration": iso_duration(completion.hours)},
        "context": {
            "platform": completion.provider,
            "extensions": {f"{home_page}/xapi/enrolment": completion.enrolment_id},
        },
        "timestamp": f"{completion.completed_on.isoformat()}T00:00:00Z",
    }
