"""The competitions domain: a contest opens, keeps its entrants' raw scores, concludes. Pure."""

from __future__ import annotations

from datetime import date
from typing import Any, Self, TypeVar

from pydantic import ValidationError

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened
from contracts.vocabulary import ContestLevel
from services.competitions.scoring import WORLDSKILLS, ScoringScheme, score

E = TypeVar("E", bound=Event)


def _fact(kind: type[E], **fields: Any) -> E:
    """Build an event; its contract's own invariants (dates in order, weights) answer as rules."""
    try:
        return kind(**fields)
    except ValidationError as error:
        reasons = "; ".join(str(detail["msg"]) for detail in error.errors())
        raise DomainRuleViolated(f"{kind.event_type}: {reasons}") from error


class Contest(Aggregate):
    """A skills contest; its tenant is the region that hosts it."""

    stream_type = "Contest"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.level = ContestLevel.ENTERPRISE
        self.concluded = False
        self.raw_scores: dict[str, float] = {}

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
    ) -> Self:
        contest = cls(contest_id, tenant=region_id)
        contest.record(
            _fact(
                ContestOpened,
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

    def record_result(
        self, worker_id: str, *, enterprise_id: str, raw_score: float, scheme: ScoringScheme = WORLDSKILLS
    ) -> None:
        """Score an entrant against every raw score recorded so far, this one included."""
        self._still_open()
        if worker_id in self.raw_scores:
            raise DomainRuleViolated(
                f"worker {worker_id} was scored already in contest {self.id} ({self.raw_scores[worker_id]})"
            )
        result = score(raw_score, [*self.raw_scores.values(), raw_score], scheme)
        self.record(
            _fact(
                CompetitionScored,
                contest_id=self.id,
                worker_id=worker_id,
                enterprise_id=enterprise_id,
                raw_score=raw_score,
                standardised_score=result.standardised,
                rank=result.rank,
                medal=result.medal,
            )
        )

    def conclude(self, concluded_on: date) -> None:
        self._still_open()
        self.record(
            ContestConcluded(
                contest_id=self.id,
                level=self.level,
                entrant_count=len(self.raw_scores),
                scored_count=len(self.raw_scores),
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
            case CompetitionScored():
                self.raw_scores[event.worker_id] = event.raw_score
            case ContestConcluded():
                self.concluded = True

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "level": self.level.value,
            "concluded": self.concluded,
            "raw_scores": dict(self.raw_scores),
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        contest = cls(aggregate_id, tenant=state["tenant"])
        contest.version = version
        contest.level = ContestLevel(state["level"])
        contest.concluded = state["concluded"]
        contest.raw_scores = {worker: float(raw) for worker, raw in state["raw_scores"].items()}
        return contest
