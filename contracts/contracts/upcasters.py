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


@upcaster("TrainingCompleted", from_version=1)
def training_completed_v1_to_v2(payload: Payload) -> Payload:
    """v2 added the class and the assessment's score; a v1 completion was reported without
    either (it passed: a failure was never a TrainingCompleted)."""
    return {**payload, "class_id": None, "score": None}


@upcaster("SkillServiceDelivered", from_version=1)
def skill_service_delivered_v1_to_v2(payload: Payload) -> Payload:
    """v2: a visit delivers a list of services and is made by a team; a v1 visit delivered
    its one service, and its craftsman came alone."""
    lifted = {field: value for field, value in payload.items() if field != "service"}
    return {**lifted, "services": [payload["service"]], "team_ids": []}


@upcaster("CompetitionScored", from_version=2)
def competition_scored_v2_to_v3(payload: Payload) -> Payload:
    """v3 added the prize class and prize money; a v2 result carried neither."""
    return {**payload, "prize": "none", "prize_money": None}


@upcaster("ContestOpened", from_version=1)
def contest_opened_v1_to_v2(payload: Payload) -> Payload:
    """v2 added the organiser's kind and the team flag. v1 contests were held by regions
    (tenant = region) for single entrants."""
    return {**payload, "organiser_kind": "region", "team_entry": False}


@upcaster("TitleConferred", from_version=1)
def title_conferred_v1_to_v2(payload: Payload) -> Payload:
    """v2 added the `imported` flag (a record of a title from before the platform); every v1
    title was conferred at the end of a nomination on the platform."""
    return {**payload, "imported": False}


LEGACY_ASPECT = "overall"
"""The one aspect a v1 mark (one raw score per entrant) is read as."""


@upcaster("MarkRecorded", from_version=1)
def mark_recorded_v1_to_v2(payload: Payload) -> Payload:
    """v2 marks one aspect by one judge. A v1 mark was the entrant's whole raw score: it
    reads as a score on the single aspect `overall`, by its panel (or `panel` if unnamed)."""
    return {
        "contest_id": payload["contest_id"],
        "entrant_id": payload["worker_id"],
        "aspect_id": LEGACY_ASPECT,
        "judge_id": payload.get("judged_by") or "panel",
        "score": payload["raw_score"],
    }
