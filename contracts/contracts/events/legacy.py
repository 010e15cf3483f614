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
from contracts.primitives import Currency, Identifier, Money, Name, Points, RawScore, Slug, StandardisedScore
from contracts.vocabulary import Medal, SkillLevel


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


LEGACY_EVENTS: tuple[type[Event], ...] = (
    WorkerRegisteredV1,
    WorkerRegisteredV2,
    CompetitionScoredV1,
    PointsAwardedV1,
    ProgrammeOpenedV1,
)
