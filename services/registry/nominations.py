"""A worker's nominations and titles, folded from the worker's own stream. Pure.

The whole selection pipeline of a nomination is recorded on the nominee's stream: every
rule about it (prerequisite titles, the next step, publicity, objections) is then decided
on one aggregate, under one expected version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from contracts.events.base import Event
from contracts.events.registry import (
    ExpertScoreRecorded,
    NominationRejected,
    NominationReviewed,
    NominationScreened,
    ObjectionRaised,
    ObjectionResolved,
    PublicityOpened,
    SiteInspected,
    TitleConferred,
    TitleExpired,
    TitleRevoked,
    WorkerNominated,
)
from contracts.vocabulary import ReviewDecision, TitleLevel
from services.registry.selection import Stage


@dataclass(slots=True)
class Nomination:
    level: TitleLevel
    stage: Stage = Stage.NOMINATED
    scores: dict[str, float] = field(default_factory=dict)
    opens_on: date | None = None
    closes_on: date | None = None
    objections: dict[str, bool] = field(default_factory=dict)  # objection id → resolved

    @property
    def open_objections(self) -> int:
        return sum(1 for resolved in self.objections.values() if not resolved)

    @property
    def live(self) -> bool:
        return self.stage not in (Stage.CONFERRED, Stage.REJECTED)


@dataclass(slots=True)
class Title:
    level: TitleLevel
    conferred_on: date
    valid_until: date | None
    active: bool = True


@dataclass(slots=True)
class Career:
    """What the worker's stream says about nominations and titles."""

    nominations: dict[str, Nomination] = field(default_factory=dict)
    titles: dict[str, Title] = field(default_factory=dict)

    def held_levels(self) -> set[TitleLevel]:
        return {title.level for title in self.titles.values() if title.active}

    def apply(self, event: Event) -> None:
        match event:
            case WorkerNominated():
                self.nominations[event.nomination_id] = Nomination(TitleLevel(event.level))
            case NominationScreened():
                self.nominations[event.nomination_id].stage = Stage.SCREENED
            case ExpertScoreRecorded():
                self.nominations[event.nomination_id].scores[event.expert_id] = event.score
            case NominationReviewed() if event.decision is ReviewDecision.PASSED:
                self.nominations[event.nomination_id].stage = Stage.EXPERT_REVIEWED
            case SiteInspected():
                self.nominations[event.nomination_id].stage = Stage.SITE_INSPECTED
            case PublicityOpened():
                nomination = self.nominations[event.nomination_id]
                nomination.stage, nomination.opens_on, nomination.closes_on = (
                    Stage.PUBLICISED,
                    event.opens_on,
                    event.closes_on,
                )
            case ObjectionRaised():
                self.nominations[event.nomination_id].objections[event.objection_id] = False
            case ObjectionResolved():
                self.nominations[event.nomination_id].objections[event.objection_id] = True
            case NominationRejected():
                self.nominations[event.nomination_id].stage = Stage.REJECTED
            case TitleConferred():
                if event.nomination_id in self.nominations:
                    self.nominations[event.nomination_id].stage = Stage.CONFERRED
                self.titles[event.title_id] = Title(
                    TitleLevel(event.level), event.conferred_on, event.valid_until
                )
            case TitleRevoked() | TitleExpired():
                if event.title_id in self.titles:
                    self.titles[event.title_id].active = False

    def to_state(self) -> dict[str, Any]:
        return {
            "nominations": {
                key: {
                    "level": n.level.value,
                    "stage": n.stage.value,
                    "scores": n.scores,
                    "opens_on": n.opens_on and n.opens_on.isoformat(),
                    "closes_on": n.closes_on and n.closes_on.isoformat(),
                    "objections": n.objections,
                }
                for key, n in self.nominations.items()
            },
            "titles": {
                key: {
                    "level": t.level.value,
                    "conferred_on": t.conferred_on.isoformat(),
                    "valid_until": t.valid_until and t.valid_until.isoformat(),
                    "active": t.active,
                }
                for key, t in self.titles.items()
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Career:
        def day(value: str | None) -> date | None:
            return None if value is None else date.fromisoformat(value)

        return cls(
            nominations={
                key: Nomination(
                    TitleLevel(n["level"]),
                    Stage(n["stage"]),
                    {expert: float(score) for expert, score in n["scores"].items()},
                    day(n["opens_on"]),
                    day(n["closes_on"]),
                    {objection: bool(done) for objection, done in n["objections"].items()},
                )
                for key, n in state["nominations"].items()
            },
            titles={
                key: Title(
                    TitleLevel(t["level"]),
                    date.fromisoformat(t["conferred_on"]),
                    day(t["valid_until"]),
                    t["active"],
                )
                for key, t in state["titles"].items()
            },
        )
