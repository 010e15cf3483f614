"""Events of the competitions service: contests, their marking and their results.

A contest's life: ContestOpened (draft) → RegistrationOpened → ContestStarted (in progress)
→ MarkingStarted (marking, after MarkingSchemeLocked) → MarksLocked → ResultsStandardised
(with one CompetitionScored per entrant's worker) → ResultsPublicised → ContestConcluded
(ratified, with its PromotionEntitlementGranted). The vocabularies of this module live here,
so a consumer can copy this one file.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.base import Event
from contracts.primitives import Count, Identifier, Money, Name, RawScore, StandardisedScore, Text
from contracts.vocabulary import ContestLevel, Medal, SkillLevel

PRODUCER = "competitions"


class OrganiserKind(StrEnum):
    """Who holds a contest: a region's union (county, city, province) or an enterprise."""

    REGION = "region"
    ENTERPRISE = "enterprise"


class AspectKind(StrEnum):
    MEASUREMENT = "measurement"  # full marks or zero, or a stated tolerance rule
    JUDGEMENT = "judgement"  # 0-3 by each of three judges; mark = max * mean / 3


class Prize(StrEnum):
    """Optional prize classes: 1st prize to the best 10% of entrants, 2nd the next 20%, 3rd the next 30%."""

    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    NONE = "none"


class PromotionKind(StrEnum):
    SKILL_LEVEL = "skill_level"  # one (or more) skill levels up, to at most a cap (e.g. 技师)
    GRADE = "grade"  # one grade higher than the worker holds (provincial contests)


class ContestOpened(Event, schema_version=2):
    """A skills contest was created (a draft: its scheme and entrants follow).

    v2 added who organises it (a region or an enterprise) and whether teams may enter.
    """

    contest_id: Identifier
    title: Name
    trade: Name  # the occupation or trade entrants must work in
    level: ContestLevel
    organiser_id: Identifier
    organiser_kind: OrganiserKind = OrganiserKind.REGION
    region_id: Identifier
    starts_on: date
    ends_on: date
    theory_weight: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="total = theory·w + practice·(1-w); the cap on w is a contest rule, not a shape",
    )
    team_entry: bool = False


class RegistrationOpened(Event):
    contest_id: Identifier
    opened_on: date


class EntrantRegistered(Event):
    """A worker (or a team of workers of one enterprise) entered the contest."""

    contest_id: Identifier
    entrant_id: Identifier  # the worker's id for a single entrant, the team's id for a team
    worker_ids: list[Identifier] = Field(min_length=1)
    enterprise_id: Identifier
    registered_on: date


class EntrantWithdrawn(Event):
    contest_id: Identifier
    entrant_id: Identifier
    reason: Text | None = None


class ContestStarted(Event):
    """Registration closed; the contest is in progress."""

    contest_id: Identifier
    entrant_count: Count
    started_on: date


class Aspect(BaseModel):
    """One marked aspect of a criterion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aspect_id: Identifier
    description: Text
    kind: AspectKind
    max_mark: float = Field(gt=0, le=100, allow_inf_nan=False)
    theory: bool = False  # counts towards the theory part of the total
    # Measurement: with no tolerance the score is 1 (met) or 0; with one, the score is the
    # measured deviation: full marks up to `tolerance`, falling linearly to zero at `zero_at`
    # (zero beyond `tolerance` when `zero_at` is absent).
    tolerance: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    zero_at: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    # Judgement: what each score 0, 1, 2, 3 means.
    descriptors: list[Text] = Field(default_factory=list)


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    criterion_id: Identifier
    title: Name
    aspects: list[Aspect] = Field(min_length=1)


class MarkingSchemeLocked(Event):
    """The contest's marking scheme, fixed before marking starts."""

    contest_id: Identifier
    criteria: list[Criterion] = Field(min_length=1)
    theory_weight: float = Field(ge=0, le=1, allow_inf_nan=False)


class JudgeAssigned(Event):
    """A judge joined the contest's panel for some aspects (all of them when `aspect_ids` is empty)."""

    contest_id: Identifier
    judge_id: Identifier
    enterprise_id: Identifier | None = None  # the judge's employer: they may not mark its entrants
    aspect_ids: list[Identifier] = Field(default_factory=list)


class MarkingStarted(Event):
    contest_id: Identifier
    started_on: date


class MarkRecorded(Event, schema_version=2):
    """One judge's score of one entrant on one aspect (a judgement 0-3, or a measurement).

    v2: a mark is per aspect and judge; v1 carried one raw score per entrant.
    """

    contest_id: Identifier
    entrant_id: Identifier
    aspect_id: Identifier
    judge_id: Identifier
    score: float = Field(ge=0, allow_inf_nan=False)


class JudgementDiscrepancyFlagged(Event):
    """The judges' scores of one entrant's judgement aspect lie more than the allowed spread apart."""

    contest_id: Identifier
    entrant_id: Identifier
    aspect_id: Identifier
    scores: dict[Identifier, int]  # judge → score


class JudgementDiscrepancyResolved(Event):
    """The panel settled a flagged aspect; `scores` replace the judges' scores of it."""

    contest_id: Identifier
    entrant_id: Identifier
    aspect_id: Identifier
    scores: dict[Identifier, int]
    resolved_by: Identifier


class MarksLocked(Event):
    contest_id: Identifier
    mark_count: Count
    locked_on: date


class EntryMarksLocked(Event):
    """One entrant's marks are final: appended to the entrant's own stream with MarksLocked, so a
    mark decided before the lock collides with it (the same stream version) and is refused."""

    contest_id: Identifier
    entrant_id: Identifier
    mark_count: Count


class ResultsStandardised(Event):
    """Every entrant's raw total was standardised over the field (one CompetitionScored each follows)."""

    contest_id: Identifier
    entrant_count: Count
    median_raw: float = Field(allow_inf_nan=False)
    median_absolute_deviation: float = Field(ge=0, allow_inf_nan=False)


class CompetitionScored(Event, schema_version=3):
    """An entrant's result in a contest, standardised over the whole field.

    v2 added the contest's `level`: a placement is worth what its level says, and a reader
    must not depend on seeing the contest's opening first (it travels on another key).
    v3 added the prize class and the prize money of the place (none for in-house results).
    """

    contest_id: Identifier
    level: ContestLevel
    worker_id: Identifier
    enterprise_id: Identifier
    raw_score: RawScore
    standardised_score: StandardisedScore
    rank: int = Field(ge=1)
    medal: Medal
    prize: Prize = Prize.NONE
    prize_money: Money | None = None


class ResultsPublicised(Event):
    """The results were put up for public notice (公示) until `objections_until`."""

    contest_id: Identifier
    publicised_on: date
    objections_until: date


class ContestConcluded(Event):
    """A contest was ratified: every result is final."""

    contest_id: Identifier
    level: ContestLevel
    entrant_count: Count
    scored_count: Count
    concluded_on: date


class PromotionEntitlementGranted(Event):
    """A placement entitles the worker to a promotion (the registry certifies it)."""

    contest_id: Identifier
    level: ContestLevel
    worker_id: Identifier
    enterprise_id: Identifier
    rank: int = Field(ge=1)
    kind: PromotionKind
    levels_up: int = Field(ge=1)
    cap: SkillLevel | None = None  # never promoted above this level by the entitlement


EVENTS: tuple[type[Event], ...] = (
    ContestOpened,
    RegistrationOpened,
    EntrantRegistered,
    EntrantWithdrawn,
    ContestStarted,
    MarkingSchemeLocked,
    JudgeAssigned,
    MarkingStarted,
    MarkRecorded,
    JudgementDiscrepancyFlagged,
    JudgementDiscrepancyResolved,
    MarksLocked,
    EntryMarksLocked,
    ResultsStandardised,
    CompetitionScored,
    ResultsPublicised,
    ContestConcluded,
    PromotionEntitlementGranted,
)
