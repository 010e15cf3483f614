"""Events of the competitions service: contests and their results."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.events.base import Event
from contracts.primitives import Count, Identifier, Name, RawScore, StandardisedScore
from contracts.vocabulary import ContestLevel, Medal

PRODUCER = "competitions"


class ContestOpened(Event):
    """A skills contest opened for entries."""

    contest_id: Identifier
    title: Name
    trade: Name
    level: ContestLevel
    organiser_id: Identifier
    region_id: Identifier
    starts_on: date
    ends_on: date
    theory_weight: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="total = theory·w + practice·(1-w); the cap on w is a contest rule, not a shape",
    )


class MarkRecorded(Event):
    """A judge panel's mark for one entrant was recorded; the contest publishes results when it concludes."""

    contest_id: Identifier
    worker_id: Identifier
    enterprise_id: Identifier
    raw_score: RawScore
    judged_by: Identifier | None = None


class CompetitionScored(Event, schema_version=2):
    """An entrant's final result in a contest, standardised over the whole field when it concluded.

    v2 added the contest's `level`: a placement is worth what its level says, and a reader
    must not depend on seeing the contest's opening first (it travels on another key).
    """

    contest_id: Identifier
    level: ContestLevel
    worker_id: Identifier
    enterprise_id: Identifier
    raw_score: RawScore
    standardised_score: StandardisedScore
    rank: int = Field(ge=1)
    medal: Medal


class ContestConcluded(Event):
    """A contest closed: every result has been published."""

    contest_id: Identifier
    level: ContestLevel
    entrant_count: Count
    scored_count: Count
    concluded_on: date


EVENTS: tuple[type[Event], ...] = (ContestOpened, MarkRecorded, CompetitionScored, ContestConcluded)
