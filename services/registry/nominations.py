"""A worker's nominations and titles, folded from the worker's own stream. Pure.

The whole selection pipeline of a nomination is recorded on the nominee's stream: every
rule about it (prerequisite titles, the next step, publicity, objections) is then decided
on one aggregate, under one expected version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chassis.errors import DomainRuleViolated, NotFound
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
    TitleReviewed,
    TitleRevoked,
    WorkerNominated,
)
from contracts.vocabulary import ReviewDecision, ReviewStage, TitleLevel
from services.registry.selection import (
    SelectionRules,
    Stage,
    TitleReview,
    conferral_refusal,
    expert_outcome,
    publicity_refusal,
    step_refusal,
    title_name,
    title_review_due,
    title_valid_until,
)


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
    reviewed_year: int | None = None


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
            case TitleReviewed():
                if event.title_id in self.titles:
                    self.titles[event.title_id].reviewed_year = event.year

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
                    "reviewed_year": t.reviewed_year,
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
                    t.get("reviewed_year"),
                )
                for key, t in state["titles"].items()
            },
        )


@dataclass(frozen=True, slots=True)
class Nominee:
    """Who the nomination is about: every event of the pipeline names them."""

    worker_id: str
    enterprise_id: str


def _refuse(refusal: str | None) -> None:
    if refusal is not None:
        raise DomainRuleViolated(refusal)


class Pipeline:
    """The decisions of the selection pipeline: each checks its rule and returns the fact."""

    def __init__(self, career: Career, nominee: Nominee, rules: SelectionRules) -> None:
        self._career, self._nominee, self._rules = career, nominee, rules

    def nomination(self, nomination_id: str) -> Nomination:
        found = self._career.nominations.get(nomination_id)
        if found is None:
            raise NotFound(f"worker {self._nominee.worker_id} has no nomination {nomination_id}")
        return found

    def _step(self, nomination_id: str, wanted: Stage) -> Nomination:
        nomination = self.nomination(nomination_id)
        _refuse(step_refusal(nomination.stage, wanted))
        return nomination

    def screen(self, nomination_id: str, *, screened_by: str, note: str | None) -> Event:
        nomination = self._step(nomination_id, Stage.SCREENED)
        return NominationScreened(
            nomination_id=nomination_id,
            **self._who(),
            level=nomination.level,
            screened_by=screened_by,
            note=note,
        )

    def score(self, nomination_id: str, *, expert_id: str, score: float, comment: str | None) -> Event:
        nomination = self.nomination(nomination_id)
        if nomination.stage is not Stage.SCREENED:
            raise DomainRuleViolated(f"experts score a screened nomination; this one is {nomination.stage}")
        if expert_id in nomination.scores:
            raise DomainRuleViolated(f"expert {expert_id} has scored nomination {nomination_id} already")
        return ExpertScoreRecorded(
            nomination_id=nomination_id,
            **self._who(),
            level=nomination.level,
            expert_id=expert_id,
            score=score,
            comment=comment,
        )

    def conclude_review(self, nomination_id: str, *, reviewed_by: str) -> Event:
        nomination = self._step(nomination_id, Stage.EXPERT_REVIEWED)
        outcome = expert_outcome(nomination.scores, self._rules)
        if isinstance(outcome, str):
            raise DomainRuleViolated(outcome)
        passed, mean = outcome
        if not passed:
            return self._rejected(
                nomination_id,
                ReviewStage.EXPERT_REVIEW,
                f"the experts' mean score {mean} is below the pass mark {self._rules.pass_mark}",
                reviewed_by,
            )
        return NominationReviewed(
            nomination_id=nomination_id,
            **self._who(),
            level=nomination.level,
            stage=ReviewStage.EXPERT_REVIEW,
            decision=ReviewDecision.PASSED,
            reviewed_by=reviewed_by,
            comment=f"mean score {mean} of {len(nomination.scores)} experts",
        )

    def inspect(
        self, nomination_id: str, *, inspected_by: str, inspected_on: date, findings: str, passed: bool
    ) -> Event:
        nomination = self._step(nomination_id, Stage.SITE_INSPECTED)
        if not passed:
            return self._rejected(nomination_id, ReviewStage.SITE_INSPECTION, findings, inspected_by)
        return SiteInspected(
            nomination_id=nomination_id,
            **self._who(),
            level=nomination.level,
            inspected_by=inspected_by,
            inspected_on=inspected_on,
            findings=findings,
        )

    def publicise(self, nomination_id: str, *, opens_on: date, closes_on: date) -> Event:
        nomination = self._step(nomination_id, Stage.PUBLICISED)
        _refuse(publicity_refusal(opens_on, closes_on, self._rules))
        return PublicityOpened(
            nomination_id=nomination_id,
            **self._who(),
            level=nomination.level,
            opens_on=opens_on,
            closes_on=closes_on,
        )

    def object(self, nomination_id: str, *, objection_id: str, raised_on: date, summary: str) -> Event:
        nomination = self.nomination(nomination_id)
        if (
            nomination.stage is not Stage.PUBLICISED
            or nomination.opens_on is None
            or nomination.closes_on is None
        ):
            raise DomainRuleViolated(
                f"objections are raised during publicity; this nomination is {nomination.stage}"
            )
        if not nomination.opens_on <= raised_on <= nomination.closes_on:
            raise DomainRuleViolated(
                f"publicity runs {nomination.opens_on}..{nomination.closes_on}; an objection on {raised_on} is outside it"
            )
        if objection_id in nomination.objections:
            raise DomainRuleViolated(f"objection {objection_id} is recorded already")
        return ObjectionRaised(
            nomination_id=nomination_id,
            worker_id=self._nominee.worker_id,
            objection_id=objection_id,
            raised_on=raised_on,
            summary=summary,
        )

    def resolve(
        self, nomination_id: str, *, objection_id: str, upheld: bool, resolution: str, resolved_by: str
    ) -> list[Event]:
        nomination = self.nomination(nomination_id)
        if nomination.objections.get(objection_id) is not False:
            raise DomainRuleViolated(f"objection {objection_id} is not open on nomination {nomination_id}")
        resolved: list[Event] = [
            ObjectionResolved(
                nomination_id=nomination_id,
                worker_id=self._nominee.worker_id,
                objection_id=objection_id,
                upheld=upheld,
                resolution=resolution,
                resolved_by=resolved_by,
            )
        ]
        if upheld:
            resolved.append(
                self._rejected(
                    nomination_id, ReviewStage.PUBLICITY, f"objection upheld: {resolution}", resolved_by
                )
            )
        return resolved

    def reject(self, nomination_id: str, *, reason: str, rejected_by: str) -> Event:
        nomination = self._step(nomination_id, Stage.REJECTED)
        return self._rejected(nomination_id, STAGE_UNDER_REVIEW[nomination.stage], reason, rejected_by)

    def confer(
        self, nomination_id: str, *, title_id: str, conferred_by: str, conferred_on: date
    ) -> TitleConferred:
        nomination = self.nomination(nomination_id)
        _refuse(
            conferral_refusal(
                nomination.stage, nomination.closes_on, nomination.open_objections, conferred_on
            )
        )
        if title_id in self._career.titles:
            raise DomainRuleViolated(f"title {title_id} exists already")
        return TitleConferred(
            title_id=title_id,
            nomination_id=nomination_id,
            **self._who(),
            level=nomination.level,
            title_name=title_name(nomination.level),
            conferred_by=conferred_by,
            conferred_on=conferred_on,
            valid_until=title_valid_until(conferred_on, self._rules),
        )

    def revoke_title(self, title_id: str, *, revoked_on: date, reason: str, revoked_by: str) -> Event:
        title = self._career.titles.get(title_id)
        if title is None or not title.active:
            raise DomainRuleViolated(f"worker {self._nominee.worker_id} holds no active title {title_id}")
        return TitleRevoked(
            title_id=title_id,
            worker_id=self._nominee.worker_id,
            level=title.level,
            revoked_on=revoked_on,
            reason=reason,
            revoked_by=revoked_by,
        )

    def review_titles(self, on: date, *, reviewed_by: str) -> list[Event]:
        """The annual review of every title held: expired at the end of its term, else reviewed
        once a year; nothing for a title not due (so a second sweep of the day adds nothing)."""
        decided: list[Event] = []
        for title_id, title in self._career.titles.items():
            due = title.active and title_review_due(
                title.conferred_on, title.valid_until, title.reviewed_year, on
            )
            if due is TitleReview.EXPIRE:
                decided.append(
                    TitleExpired(
                        title_id=title_id, worker_id=self._nominee.worker_id, level=title.level, expired_on=on
                    )
                )
            elif due is TitleReview.REVIEW:
                decided.append(
                    TitleReviewed(
                        title_id=title_id,
                        worker_id=self._nominee.worker_id,
                        level=title.level,
                        year=on.year,
                        reviewed_by=reviewed_by,
                    )
                )
        return decided

    def _who(self) -> dict[str, str]:
        return {"worker_id": self._nominee.worker_id, "enterprise_id": self._nominee.enterprise_id}

    def _rejected(self, nomination_id: str, stage: ReviewStage, reason: str, by: str) -> Event:
        return NominationRejected(
            nomination_id=nomination_id,
            **self._who(),
            level=self.nomination(nomination_id).level,
            stage=stage,
            reason=reason,
            rejected_by=by,
        )


# The review step a rejection happens at, by the stage the nomination has reached.
STAGE_UNDER_REVIEW: dict[Stage, ReviewStage] = {
    Stage.NOMINATED: ReviewStage.SCREENING,
    Stage.SCREENED: ReviewStage.EXPERT_REVIEW,
    Stage.EXPERT_REVIEWED: ReviewStage.SITE_INSPECTION,
    Stage.SITE_INSPECTED: ReviewStage.PUBLICITY,
    Stage.PUBLICISED: ReviewStage.PUBLICITY,
}
