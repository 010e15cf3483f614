"""Commands the competitions service accepts: imperative, validated at the boundary (shape only;
the rules are the domain's)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import Field

from chassis.http import Command
from contracts.events.competitions import Criterion, OrganiserKind
from contracts.primitives import Identifier, Money, Name, Text
from contracts.vocabulary import ContestLevel


def today() -> date:
    return datetime.now(UTC).date()


class OpenContest(Command):
    contest_id: Identifier
    title: Name
    trade: Name
    level: ContestLevel
    organiser_id: Identifier
    organiser_kind: OrganiserKind = OrganiserKind.REGION
    region_id: Identifier
    starts_on: date
    ends_on: date
    theory_weight: float = Field(default=0.0, description="total = theory·w + practice·(1-w), w ≤ 0.3")
    team_entry: bool = False


class ContestCommand(Command):
    """A step of a contest's lifecycle; the contest it addresses is named by the path."""


class Dated(ContestCommand):
    on: date = Field(default_factory=today, description="the day of the step (default: today)")


class OpenRegistration(Dated):
    pass


class StartContest(Dated):
    pass


class StartMarking(Dated):
    pass


class LockMarks(Dated):
    pass


class Ratify(Dated):
    pass


class RegisterEntrant(ContestCommand):
    worker_ids: list[Identifier] = Field(min_length=1, max_length=20)
    entrant_id: Identifier | None = Field(
        default=None, description="a team's id; a single entrant is its worker"
    )
    registered_on: date = Field(default_factory=today)


class WithdrawEntrant(ContestCommand):
    entrant_id: Identifier
    reason: Text | None = None


class LockScheme(ContestCommand):
    criteria: list[Criterion] = Field(min_length=1, max_length=200)


class AssignJudge(ContestCommand):
    judge_id: Identifier
    enterprise_id: Identifier | None = Field(
        default=None, description="the judge's employer (conflict of interest)"
    )
    aspect_ids: list[Identifier] = Field(default_factory=list, description="empty: every aspect")


class RecordMark(ContestCommand):
    entrant_id: Identifier
    aspect_id: Identifier
    judge_id: Identifier
    score: float = Field(
        allow_inf_nan=False, description="a judgement 0-3, a measurement 1/0 or its deviation"
    )


class ResolveDiscrepancy(ContestCommand):
    entrant_id: Identifier
    aspect_id: Identifier
    scores: dict[Identifier, int]
    resolved_by: Identifier


class Standardise(ContestCommand):
    tie_margin: float = Field(default=0.0, ge=0, le=10, allow_inf_nan=False)
    prize_classes: bool = Field(
        default=False, description="award 1st/2nd/3rd prizes to 10/20/30% of entrants"
    )
    prize_money: dict[int, Money] = Field(default_factory=dict, description="rank → yuan")


class Publicise(ContestCommand):
    publicised_on: date = Field(default_factory=today)
    objections_until: date
