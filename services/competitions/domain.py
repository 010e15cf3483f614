"""The competitions domain: a contest opens, records its entrants' marks, concludes. Pure.

Marks come in one by one; nobody's standardised score, rank or medal is known until the
contest concludes, when every entrant is scored over the whole field at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened, MarkRecorded
from contracts.vocabulary import ContestLevel
from services.competitions.scoring import WORLDSKILLS, ScoringScheme, score


@dataclass(frozen=True, slots=True)
class ContestRules:
    """The rules a new contest is held to; defaults from the source, configurable per region."""

    max_theory_weight: float = 0.3  # total = theory·w + practice·(1-w); Chinese contests keep w ≤ 30%


DEFAULT_CONTEST_RULES = ContestRules()


def check_new_contest(starts_on: date, ends_on: date, theory_weight: float, rules: ContestRules) -> None:
    """A contest's schedule and weighting, checked when it opens (never when its stream loads)."""
    if ends_on < starts_on:
        raise DomainRuleViolated(f"a contest cannot end ({ends_on}) before it starts ({starts_on})")
    if not 0 <= theory_weight <= rules.max_theory_weight:
        raise DomainRuleViolated(
            f"theory weight {theory_weight} is outside 0..{rules.max_theory_weight} allowed for contests"
        )


@dataclass(frozen=True, slots=True)
class Mark:
    """An entrant's recorded raw score, and the enterprise the entrant competed for."""

    enterprise_id: str
    raw_score: float


class Contest(Aggregate):
    """A skills contest; its tenant is the region that hosts it."""

    stream_type = "Contest"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.level = ContestLevel.ENTERPRISE
        self.concluded = False
        self.marks: dict[str, Mark] = {}

    @classmethod
    def open(
        cls,
        contest_id: str,
        *,
        title: str,
        trade: str,
        level: ContestLevel,
        organiser_id: str,
        region_id: str,
        starts_on: date,
        ends_on: date,
        theory_weight: float = 0.0,
        rules: ContestRules = DEFAULT_CONTEST_RULES,
    ) -> Self:
        check_new_contest(starts_on, ends_on, theory_weight, rules)
        contest = cls(contest_id, tenant=region_id)
        contest.record(
            ContestOpened(
                contest_id=contest_id,
                title=title,
                trade=trade,
                level=level,
                organiser_id=organiser_id,
                region_id=region_id,
                starts_on=starts_on,
                ends_on=ends_on,
                theory_weight=theory_weight,
            )
        )
        return contest

    def record_mark(
        self, worker_id: str, *, enterprise_id: str, raw_score: float, judged_by: str | None = None
    ) -> None:
        """Record an entrant's mark; it is scored against the field only when the contest concludes."""
        self._still_open()
        if worker_id in self.marks:
            raise DomainRuleViolated(
                f"worker {worker_id} was marked already in contest {self.id} ({self.marks[worker_id].raw_score})"
            )
        self.record(
            MarkRecorded(
                contest_id=self.id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                raw_score=raw_score,
                judged_by=judged_by,
            )
        )

    def conclude(self, concluded_on: date, scheme: ScoringScheme = WORLDSKILLS) -> None:
        """Publish every entrant's final result, standardised over the whole field, then close.

        A contest without marks may conclude too: it publishes no results.
        """
        self._still_open()
        field = [mark.raw_score for mark in self.marks.values()]
        results = {worker: score(mark.raw_score, field, scheme) for worker, mark in self.marks.items()}
        for worker_id in sorted(results, key=lambda worker: (results[worker].rank, worker)):
            mark, result = self.marks[worker_id], results[worker_id]
            self.record(
                CompetitionScored(
                    contest_id=self.id,
                    level=self.level,
                    worker_id=worker_id,
                    enterprise_id=mark.enterprise_id,
                    raw_score=mark.raw_score,
                    standardised_score=result.standardised,
                    rank=result.rank,
                    medal=result.medal,
                )
            )
        self.record(
            ContestConcluded(
                contest_id=self.id,
                level=self.level,
                entrant_count=len(self.marks),
                scored_count=len(results),
                concluded_on=concluded_on,
            )
        )

    def _still_open(self) -> None:
        if self.concluded:
            raise DomainRuleViolated(f"contest {self.id} is concluded; its results are final")

    def apply(self, event: Event) -> None:
        match event:
            case ContestOpened():
                self.level = event.level
            case MarkRecorded():
                self.marks[event.worker_id] = Mark(event.enterprise_id, event.raw_score)
            case CompetitionScored():
                # Follows the entrant's MarkRecorded; streams from before marks existed have only this.
                self.marks.setdefault(event.worker_id, Mark(event.enterprise_id, event.raw_score))
            case ContestConcluded():
                self.concluded = True

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "level": self.level.value,
            "concluded": self.concluded,
            "marks": {
                worker: {"enterprise_id": mark.enterprise_id, "raw_score": mark.raw_score}
                for worker, mark in self.marks.items()
            },
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        contest = cls(aggregate_id, tenant=state["tenant"])
        contest.version = version
        contest.level = ContestLevel(state["level"])
        contest.concluded = state["concluded"]
        contest.marks = {
            worker: Mark(str(mark["enterprise_id"]), float(mark["raw_score"]))
            for worker, mark in state["marks"].items()
        }
        return contest
