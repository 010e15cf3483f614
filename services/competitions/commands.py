"""Commands the competitions service accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import Field

from chassis.http import Command
from contracts.primitives import Identifier, Name, RawScore
from contracts.vocabulary import ContestLevel


class OpenContest(Command):
    contest_id: Identifier
    title: Name
    trade: Name
    level: ContestLevel
    organiser_id: Identifier
    region_id: Identifier
    starts_on: date
    ends_on: date
    theory_weight: float = Field(default=0.0, description="total = theory·w + practice·(1-w), w ≤ 0.3")


class RecordMark(Command):
    contest_id: Identifier
    worker_id: Identifier
    raw_score: RawScore
    judged_by: Identifier | None = None


class ConcludeContest(Command):
    contest_id: Identifier
    concluded_on: date = Field(default_factory=lambda: datetime.now(UTC).date())
