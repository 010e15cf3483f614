"""The upcasters of every event type whose schema has changed."""

from __future__ import annotations

from contracts.upcasting import Payload, upcaster
from contracts.vocabulary import ContestLevel, SkillLevel


@upcaster("WorkerRegistered", from_version=1)
def worker_registered_v1_to_v2(payload: Payload) -> Payload:
    """v2 renamed `name` to `full_name` and added `skill_level` and `hired_on`."""
    lifted = {field: value for field, value in payload.items() if field != "name"}
    lifted["full_name"] = payload["name"]
    # v1 never recorded a level; junior (初级工) is the lowest certified level,
    # so no worker is credited with more than we know.
    lifted["skill_level"] = SkillLevel.JUNIOR.value
    lifted["hired_on"] = None
    return lifted


@upcaster("CompetitionScored", from_version=1)
def competition_scored_v1_to_v2(payload: Payload) -> Payload:
    """v2 added the contest's level. A v1 result did not say it; the enterprise level
    (the lowest) credits no result with more than is known."""
    return {**payload, "level": ContestLevel.ENTERPRISE.value}


@upcaster("PointsAwarded", from_version=1)
def points_awarded_v1_to_v2(payload: Payload) -> Payload:
    """v2 added the rule, its cap group and the day earned. A v1 award named only its
    category: it becomes a rule and group of its own, earned on the first day its window
    can be counted from (so it never outlives what it was given for)."""
    return {**payload, "rule": payload["category"], "group": payload["category"], "earned_on": "1970-01-01"}


@upcaster("WorkerRegistered", from_version=2)
def worker_registered_v2_to_v3(payload: Payload) -> Payload:
    """v3 carries no personal data: the name is dropped on reading (the registry keeps it
    sealed), so no reader of an old record holds a name a forgotten worker could not erase."""
    lifted = {field: value for field, value in payload.items() if field != "full_name"}
    return {**lifted, "post": None, "front_line": True}


@upcaster("ProgrammeOpened", from_version=1)
def programme_opened_v1_to_v2(payload: Payload) -> Payload:
    """v2 added prize money by place, the allowance flag, eligibility, the period's end and
    the credit-support flag. A v1 programme had none: one amount for anyone, open-ended."""
    return {
        **payload,
        "closes_on": None,
        "amounts_by_place": {},
        "recurring": False,
        "eligible_enterprises": [],
        "credit_support": False,
    }
