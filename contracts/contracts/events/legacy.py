"""Payload models of superseded schema versions.

Old records stay on disk and on Kafka forever; these models document what they
look like (their JSON schemas are published) and let tests check the golden
samples of old versions. Readers never decode into them: `catalog.upcast` lifts
old payloads to the current model.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import ConfigDict, Field

from contracts.events.base import Event
from contracts.events.rewards import Trigger
from contracts.primitives import (
    Count,
    Currency,
    Hours,
    Identifier,
    Money,
    Name,
    Points,
    RawScore,
    Slug,
    StandardisedScore,
    Text,
)
from contracts.vocabulary import ContestLevel, Medal, SkillLevel, SkillService, TitleLevel


class WorkerRegisteredV1(Event, event_type="WorkerRegistered", schema_version=1):
    model_config = ConfigDict(title="WorkerRegisteredV1")

    worker_id: Identifier
    enterprise_id: Identifier
    name: Name
    trade: Name


class WorkerRegisteredV2(Event, event_type="WorkerRegistered", schema_version=2):
    model_config = ConfigDict(title="WorkerRegisteredV2")

    worker_id: Identifier
    enterprise_id: Identifier
    full_name: Name
    trade: Name
    skill_level: SkillLevel
    hired_on: date | None = None


class CompetitionScoredV1(Event, event_type="CompetitionScored", schema_version=1):
    model_config = ConfigDict(title="CompetitionScoredV1")

    contest_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    raw_score: RawScore
    standardised_score: StandardisedScore
    rank: int = Field(ge=1)
    medal: Medal


class CompetitionScoredV2(Event, event_type="CompetitionScored", schema_version=2):
    model_config = ConfigDict(title="CompetitionScoredV2")

    contest_id: Identifier
    level: ContestLevel
    worker_id: Identifier
    enterprise_id: Identifier
    raw_score: RawScore
    standardised_score: StandardisedScore
    rank: int = Field(ge=1)
    medal: Medal


class ContestOpenedV1(Event, event_type="ContestOpened", schema_version=1):
    model_config = ConfigDict(title="ContestOpenedV1")

    contest_id: Identifier
    title: Name
    trade: Name
    level: ContestLevel
    organiser_id: Identifier
    region_id: Identifier
    starts_on: date
    ends_on: date
    theory_weight: float = Field(default=0.0, ge=0, le=1)


class MarkRecordedV1(Event, event_type="MarkRecorded", schema_version=1):
    model_config = ConfigDict(title="MarkRecordedV1")

    contest_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    raw_score: RawScore
    judged_by: Identifier | None = None


class PointsAwardedV1(Event, event_type="PointsAwarded", schema_version=1):
    model_config = ConfigDict(title="PointsAwardedV1")

    worker_id: Identifier
    category: Slug
    points: Points
    source_event_id: UUID


class ProgrammeOpenedV1(Event, event_type="ProgrammeOpened", schema_version=1):
    model_config = ConfigDict(title="ProgrammeOpenedV1")

    programme_id: Identifier
    name: Name
    sponsor_id: Identifier
    budget: Money
    grant_amount: Money
    currency: Currency = "CNY"
    trigger: Trigger
    opened_on: date


class TrainingCompletedV1(Event, event_type="TrainingCompleted", schema_version=1):
    model_config = ConfigDict(title="TrainingCompletedV1")

    enrolment_id: Identifier
    worker_id: Identifier
    course_id: Identifier
    course_title: Name
    hours: Hours
    completed_on: date
    provider: Name


class SkillServiceDeliveredV1(Event, event_type="SkillServiceDelivered", schema_version=1):
    model_config = ConfigDict(title="SkillServiceDeliveredV1")

    visit_id: Identifier
    worker_id: Identifier
    host_enterprise_id: Identifier
    service: SkillService
    delivered_on: date
    workers_reached: Count
    problems_solved: Count
    summary: Text | None = None


class TitleConferredV1(Event, event_type="TitleConferred", schema_version=1):
    model_config = ConfigDict(title="TitleConferredV1")

    title_id: Identifier
    nomination_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    level: TitleLevel
    title_name: Name
    conferred_by: Identifier
    conferred_on: date
    valid_until: date | None = None


LEGACY_EVENTS: tuple[type[Event], ...] = (
    WorkerRegisteredV1,
    WorkerRegisteredV2,
    CompetitionScoredV1,
    CompetitionScoredV2,
    ContestOpenedV1,
    MarkRecordedV1,
    PointsAwardedV1,
    ProgrammeOpenedV1,
    TrainingCompletedV1,
    SkillServiceDeliveredV1,
    TitleConferredV1,
)
