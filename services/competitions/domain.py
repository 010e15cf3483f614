"""The competitions domain: a contest's lifecycle, its entrants, scheme and judges (`Contest`),
and each entrant's marks (`ContestEntry`). Pure.

Why two aggregates: a contest of 1,000 entrants x 50 aspects x 3 judges has 150,000 marks.
On one stream every mark would reload and contend on that stream; on one stream per entrant
a batch of marks touches only the entrants it marks, and every rule about one mark (the
aspect exists, the judge is assigned and has no conflict of interest, the contest is
marking) is decided from the contest's state, read once per batch, plus that entrant's own
marks (duplicates, the discrepancy flag). Locking and standardising read every entry.

Lifecycle: draft → registration open → in progress → marking → marks locked → standardised
→ results publicised → ratified; each step is a command below with its rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any, Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.competitions import (
    Aspect,
    AspectKind,
    CompetitionScored,
    ContestConcluded,
    ContestOpened,
    ContestStarted,
    Criterion,
    EntrantRegistered,
    EntrantWithdrawn,
    EntryMarksLocked,
    JudgeAssigned,
    JudgementDiscrepancyFlagged,
    JudgementDiscrepancyResolved,
    MarkingSchemeLocked,
    MarkingStarted,
    MarkRecorded,
    MarksLocked,
    OrganiserKind,
    Prize,
    PromotionEntitlementGranted,
    RegistrationOpened,
    ResultsPublicised,
    ResultsStandardised,
)
from contracts.vocabulary import ContestLevel
from services.competitions import marking
from services.competitions.awards import DEFAULT_AWARD_RULES, AwardRules
from services.competitions.marking import DEFAULT_MARKING_RULES, MarkingRules
from services.competitions.scoring import WORLDSKILLS, ScoringScheme, median, median_absolute_deviation, score
from services.competitions.scoring import prize as prize_class


class Phase(IntEnum):
    DRAFT = 0
    REGISTRATION = 1
    IN_PROGRESS = 2
    MARKING = 3
    MARKS_LOCKED = 4
    STANDARDISED = 5
    PUBLICISED = 6
    RATIFIED = 7

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


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
class Competitor:
    """A worker as competitions knows them: who employs them and in which trade."""

    worker_id: str
    enterprise_id: str
    trade: str | None


@dataclass(frozen=True, slots=True)
class Entrant:
    worker_ids: tuple[str, ...]
    enterprise_id: str


@dataclass(frozen=True, slots=True)
class Judge:
    enterprise_id: str | None
    aspect_ids: frozenset[str]  # empty: every aspect


@dataclass(frozen=True, slots=True)
class Placement:
    enterprise_id: str
    rank: int


class Contest(Aggregate):
    """A skills contest: lifecycle, entrants, marking scheme, judges. Its tenant is its region."""

    stream_type = "Contest"
    snapshot_version = 2

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.phase = Phase.DRAFT
        self.level = ContestLevel.ENTERPRISE
        self.trade = ""
        self.organiser_id = ""
        self.organiser_kind = OrganiserKind.REGION
        self.team_entry = False
        self.theory_weight = 0.0
        self.criteria: list[Criterion] = []
        self.aspects: dict[str, Aspect] = {}
        self.judges: dict[str, Judge] = {}
        self.entrants: dict[str, Entrant] = {}
        self.placements: dict[str, Placement] = {}  # worker → result, once standardised

    # -- draft ---------------------------------------------------------------------------
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
        organiser_kind: OrganiserKind = OrganiserKind.REGION,
        team_entry: bool = False,
        rules: ContestRules = DEFAULT_CONTEST_RULES,
    ) -> Self:
        check_new_contest(starts_on, ends_on, theory_weight, rules)
        if (organiser_kind is OrganiserKind.ENTERPRISE) != (level is ContestLevel.ENTERPRISE):
            raise DomainRuleViolated("an enterprise organises enterprise-level contests, and only those")
        contest = cls(contest_id, tenant=region_id)
        contest.record(
            ContestOpened(
                contest_id=contest_id,
                title=title,
                trade=trade,
                level=level,
                organiser_id=organiser_id,
                organiser_kind=organiser_kind,
                region_id=region_id,
                starts_on=starts_on,
                ends_on=ends_on,
                theory_weight=theory_weight,
                team_entry=team_entry,
            )
        )
        return contest

    def open_registration(self, opened_on: date) -> None:
        self._in(Phase.DRAFT, "registration opens on a draft contest")
        self.record(RegistrationOpened(contest_id=self.id, opened_on=opened_on))

    def lock_scheme(self, criteria: Sequence[Criterion], rules: MarkingRules = DEFAULT_MARKING_RULES) -> None:
        """Fix the marking scheme; it must be locked before marking starts, and only once."""
        if self.criteria:
            raise DomainRuleViolated(f"the marking scheme of contest {self.id} is locked already")
        self._before(Phase.MARKING, "the marking scheme is locked before marking starts")
        marking.check_scheme(criteria, self.theory_weight, rules)
        self.record(
            MarkingSchemeLocked(contest_id=self.id, criteria=list(criteria), theory_weight=self.theory_weight)
        )

    def assign_judge(self, judge_id: str, *, enterprise_id: str | None, aspect_ids: Sequence[str]) -> None:
        if not self.criteria:
            raise DomainRuleViolated("judges are assigned to the aspects of a locked marking scheme")
        self._before(Phase.MARKS_LOCKED, "judges are assigned before the marks lock")
        if judge_id in self.judges:
            raise DomainRuleViolated(f"judge {judge_id} is assigned to contest {self.id} already")
        unknown = sorted(set(aspect_ids) - set(self.aspects))
        if unknown:
            raise DomainRuleViolated(f"unknown aspect {', '.join(unknown)} in contest {self.id}")
        self.record(
            JudgeAssigned(
                contest_id=self.id,
                judge_id=judge_id,
                enterprise_id=enterprise_id,
                aspect_ids=list(aspect_ids),
            )
        )

    # -- registration ----------------------------------------------------------------------
    def register(self, entrant_id: str, workers: Sequence[Competitor], registered_on: date) -> None:
        """Enter a worker (or, where the contest allows teams, a team of one enterprise)."""
        self._in(Phase.REGISTRATION, "entrants register while registration is open")
        if entrant_id in self.entrants:
            raise DomainRuleViolated(f"entrant {entrant_id} is registered in contest {self.id} already")
        team = len(workers) > 1
        if team and not self.team_entry:
            raise DomainRuleViolated(f"contest {self.id} takes single entrants, not teams")
        if not team and (not workers or workers[0].worker_id != entrant_id):
            raise DomainRuleViolated("a single entrant is entered under the worker's own id")
        enterprises = {worker.enterprise_id for worker in workers}
        if len(enterprises) != 1:
            raise DomainRuleViolated("a team's workers come from one enterprise")
        (enterprise_id,) = enterprises
        if self.organiser_kind is OrganiserKind.ENTERPRISE and enterprise_id != self.organiser_id:
            raise DomainRuleViolated(f"contest {self.id} is {self.organiser_id}'s own: its workers enter")
        entered = {worker for entrant in self.entrants.values() for worker in entrant.worker_ids}
        for worker in workers:
            if worker.trade != self.trade:
                raise DomainRuleViolated(
                    f"worker of another occupation: {worker.worker_id} works in {worker.trade!r}, "
                    f"the contest is for {self.trade!r}"
                )
            if worker.worker_id in entered:
                raise DomainRuleViolated(f"worker {worker.worker_id} is entered in contest {self.id} already")
        self.record(
            EntrantRegistered(
                contest_id=self.id,
                entrant_id=entrant_id,
                worker_ids=[worker.worker_id for worker in workers],
                enterprise_id=enterprise_id,
                registered_on=registered_on,
            )
        )

    def withdraw(self, entrant_id: str, reason: str | None = None) -> None:
        self._before(Phase.MARKING, "an entrant withdraws before marking")
        self.entrant(entrant_id)
        self.record(EntrantWithdrawn(contest_id=self.id, entrant_id=entrant_id, reason=reason))

    def start(self, started_on: date) -> None:
        self._in(Phase.REGISTRATION, "a contest starts when its registration closes")
        if not self.entrants:
            raise DomainRuleViolated(f"contest {self.id} has no entrants to start with")
        self.record(
            ContestStarted(contest_id=self.id, entrant_count=len(self.entrants), started_on=started_on)
        )

    # -- marking ---------------------------------------------------------------------------
    def start_marking(self, started_on: date, rules: MarkingRules = DEFAULT_MARKING_RULES) -> None:
        self._in(Phase.IN_PROGRESS, "marking starts once the contest is in progress")
        if not self.criteria:
            raise DomainRuleViolated("the marking scheme is locked before marking starts")
        for aspect in self.aspects.values():
            judges = sum(1 for judge in self.judges.values() if self._judges(judge, aspect.aspect_id))
            needed = rules.judges_per_judgement if aspect.kind is AspectKind.JUDGEMENT else 1
            if judges < needed:
                raise DomainRuleViolated(
                    f"aspect {aspect.aspect_id} needs {needed} judges assigned, has {judges}"
                )
        self.record(MarkingStarted(contest_id=self.id, started_on=started_on))

    def entrant(self, entrant_id: str) -> Entrant:
        found = self.entrants.get(entrant_id)
        if found is None:
            raise DomainRuleViolated(f"{entrant_id} is not an entrant of contest {self.id}")
        return found

    def markable(self, entrant_id: str, aspect_id: str, judge_id: str) -> Aspect:
        """The aspect a judge may mark for this entrant now, or the rule that forbids it."""
        if self.phase >= Phase.MARKS_LOCKED:
            raise DomainRuleViolated(f"marks are locked in contest {self.id}: no mark after the lock")
        self._in(Phase.MARKING, "marks are recorded while the contest is marking")
        aspect = self.aspects.get(aspect_id)
        if aspect is None:
            raise DomainRuleViolated(f"unknown aspect {aspect_id} in contest {self.id}")
        judge = self.judges.get(judge_id)
        if judge is None or not self._judges(judge, aspect_id):
            raise DomainRuleViolated(f"judge not assigned: {judge_id} does not mark aspect {aspect_id}")
        entrant = self.entrant(entrant_id)
        if judge.enterprise_id is not None and judge.enterprise_id == entrant.enterprise_id:
            raise DomainRuleViolated(
                f"conflict of interest: judge {judge_id} works for {entrant.enterprise_id}, as entrant {entrant_id} does"
            )
        return aspect

    def lock_marks(self, locked_on: date, *, mark_count: int, open_discrepancies: int) -> None:
        self._in(Phase.MARKING, "marks lock at the end of marking")
        _no_open_discrepancy(open_discrepancies, "locking the marks")
        self.record(MarksLocked(contest_id=self.id, mark_count=mark_count, locked_on=locked_on))

    # -- results ---------------------------------------------------------------------------
    def standardise(
        self,
        raw_totals: Mapping[str, float],
        *,
        open_discrepancies: int = 0,
        scheme: ScoringScheme = WORLDSKILLS,
        awards: AwardRules = DEFAULT_AWARD_RULES,
    ) -> None:
        """Standardise every entrant's raw total over the field: one CompetitionScored per worker."""
        self._in(Phase.MARKS_LOCKED, "results are standardised once the marks are locked")
        _no_open_discrepancy(open_discrepancies, "standardising")
        if set(raw_totals) != set(self.entrants):
            raise DomainRuleViolated("every entrant, and only they, is standardised")
        field = list(raw_totals.values())
        self.record(
            ResultsStandardised(
                contest_id=self.id,
                entrant_count=len(field),
                median_raw=median(field) if field else 0.0,
                median_absolute_deviation=median_absolute_deviation(field) if field else 0.0,
            )
        )
        results = {entrant: score(raw, field, scheme) for entrant, raw in raw_totals.items()}
        for entrant_id in sorted(results, key=lambda entrant: (results[entrant].rank, entrant)):
            result, entrant = results[entrant_id], self.entrants[entrant_id]
            for worker_id in entrant.worker_ids:
                self.record(
                    CompetitionScored(
                        contest_id=self.id,
                        level=self.level,
                        worker_id=worker_id,
                        enterprise_id=entrant.enterprise_id,
                        raw_score=raw_totals[entrant_id],
                        standardised_score=result.standardised,
                        rank=result.rank,
                        medal=result.medal,
                        prize=prize_class(result.rank, len(field), scheme)
                        if awards.prize_classes
                        else Prize.NONE,
                        prize_money=awards.money(result.rank),
                    )
                )

    def publicise(self, publicised_on: date, objections_until: date) -> None:
        self._in(Phase.STANDARDISED, "results are publicised once standardised")
        if objections_until < publicised_on:
            raise DomainRuleViolated("the objection period ends after the results are publicised")
        self.record(
            ResultsPublicised(
                contest_id=self.id, publicised_on=publicised_on, objections_until=objections_until
            )
        )

    def ratify(self, ratified_on: date, awards: AwardRules = DEFAULT_AWARD_RULES) -> None:
        """Make the results final (ContestConcluded) and grant the placements' promotion entitlements."""
        self._in(Phase.PUBLICISED, "a contest is ratified after its results were publicised")
        self.record(
            ContestConcluded(
                contest_id=self.id,
                level=self.level,
                entrant_count=len(self.entrants),
                scored_count=len(self.placements),
                concluded_on=ratified_on,
            )
        )
        for worker_id, placement in sorted(self.placements.items(), key=lambda item: (item[1].rank, item[0])):
            entitlement = awards.entitlement(self.level, placement.rank)
            if entitlement is None:
                continue
            self.record(
                PromotionEntitlementGranted(
                    contest_id=self.id,
                    level=self.level,
                    worker_id=worker_id,
                    enterprise_id=placement.enterprise_id,
                    rank=placement.rank,
                    kind=entitlement.kind,
                    levels_up=entitlement.levels_up,
                    cap=entitlement.cap,
                )
            )

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _judges(judge: Judge, aspect_id: str) -> bool:
        return not judge.aspect_ids or aspect_id in judge.aspect_ids

    def _in(self, phase: Phase, rule: str) -> None:
        if self.phase is not phase:
            raise DomainRuleViolated(f"{rule}: contest {self.id} is {self.phase.label}")

    def _before(self, phase: Phase, rule: str) -> None:
        if self.phase >= phase:
            raise DomainRuleViolated(f"{rule}: contest {self.id} is {self.phase.label}")

    def apply(self, event: Event) -> None:
        match event:
            case ContestOpened():
                self.level, self.trade, self.theory_weight = event.level, event.trade, event.theory_weight
                self.organiser_id, self.organiser_kind = event.organiser_id, event.organiser_kind
                self.team_entry = event.team_entry
            case RegistrationOpened():
                self.phase = Phase.REGISTRATION
            case EntrantRegistered():
                self.entrants[event.entrant_id] = Entrant(tuple(event.worker_ids), event.enterprise_id)
            case EntrantWithdrawn():
                self.entrants.pop(event.entrant_id, None)
            case ContestStarted():
                self.phase = Phase.IN_PROGRESS
            case MarkingSchemeLocked():
                self.criteria = list(event.criteria)
                self.aspects = {a.aspect_id: a for c in event.criteria for a in c.aspects}
            case JudgeAssigned():
                self.judges[event.judge_id] = Judge(event.enterprise_id, frozenset(event.aspect_ids))
            case MarkingStarted():
                self.phase = Phase.MARKING
            case MarksLocked():
                self.phase = Phase.MARKS_LOCKED
            case ResultsStandardised():
                self.phase = Phase.STANDARDISED
            case CompetitionScored():
                self.placements[event.worker_id] = Placement(event.enterprise_id, event.rank)
            case ResultsPublicised():
                self.phase = Phase.PUBLICISED
            case ContestConcluded():
                self.phase = Phase.RATIFIED  # also the end of contests from before the lifecycle
            case _:
                pass  # marks of contests from before per-aspect marking (MarkRecorded v1) decide nothing

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "phase": self.phase.value,
            "level": self.level.value,
            "trade": self.trade,
            "organiser_id": self.organiser_id,
            "organiser_kind": self.organiser_kind.value,
            "team_entry": self.team_entry,
            "theory_weight": self.theory_weight,
            "criteria": [criterion.model_dump(mode="json") for criterion in self.criteria],
            "judges": {
                j: [judge.enterprise_id, sorted(judge.aspect_ids)] for j, judge in self.judges.items()
            },
            "entrants": {
                e: [list(entrant.worker_ids), entrant.enterprise_id] for e, entrant in self.entrants.items()
            },
            "placements": {w: [p.enterprise_id, p.rank] for w, p in self.placements.items()},
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        contest = cls(aggregate_id, tenant=state["tenant"])
        contest.version = version
        contest.phase = Phase(state["phase"])
        contest.level = ContestLevel(state["level"])
        contest.trade = state["trade"]
        contest.organiser_id = state["organiser_id"]
        contest.organiser_kind = OrganiserKind(state["organiser_kind"])
        contest.team_entry = state["team_entry"]
        contest.theory_weight = float(state["theory_weight"])
        contest.criteria = [Criterion.model_validate(criterion) for criterion in state["criteria"]]
        contest.aspects = {a.aspect_id: a for c in contest.criteria for a in c.aspects}
        contest.judges = {j: Judge(e, frozenset(aspects)) for j, (e, aspects) in state["judges"].items()}
        contest.entrants = {e: Entrant(tuple(w), ent) for e, (w, ent) in state["entrants"].items()}
        contest.placements = {w: Placement(e, int(r)) for w, (e, r) in state["placements"].items()}
        return contest


def _no_open_discrepancy(open_discrepancies: int, step: str) -> None:
    if open_discrepancies:
        raise DomainRuleViolated(
            f"open judgement discrepancy: {open_discrepancies} flagged aspect(s) must be resolved before {step}"
        )


def entry_id(contest_id: str, entrant_id: str) -> str:
    """The entry's stream id: readable where it fits an identifier, else a digest of both ids."""
    readable = f"{contest_id}:{entrant_id}"
    if len(readable) <= 128:
        return readable
    return "entry-" + hashlib.sha256(f"{contest_id}\n{entrant_id}".encode()).hexdigest()[:40]


class ContestEntry(Aggregate):
    """One entrant's marks in one contest: every judge's score per aspect, and open discrepancies."""

    stream_type = "ContestEntry"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.contest_id = ""  # both known from the first mark (the stream id may be a digest)
        self.entrant_id = ""
        self.scores: dict[str, dict[str, float]] = {}  # aspect → judge → score
        self.flagged: set[str] = set()  # aspects with an open discrepancy
        self.locked = False

    @classmethod
    def of(cls, contest: Contest, entrant_id: str) -> Self:
        entry = cls(entry_id(contest.id, entrant_id), tenant=contest.tenant)
        entry.contest_id, entry.entrant_id = contest.id, entrant_id
        return entry

    @property
    def mark_count(self) -> int:
        return sum(len(judges) for judges in self.scores.values())

    def record_mark(
        self,
        contest: Contest,
        aspect_id: str,
        judge_id: str,
        value: float,
        rules: MarkingRules = DEFAULT_MARKING_RULES,
    ) -> None:
        """One judge's score; scores of one judgement aspect more than 1 apart raise a flag."""
        aspect = contest.markable(self.entrant_id, aspect_id, judge_id)
        if self.locked:
            raise DomainRuleViolated(f"the marks of {self.entrant_id} are locked")
        marking.check_score(aspect, value, rules)
        given = self.scores.get(aspect_id, {})
        if judge_id in given:
            raise DomainRuleViolated(
                f"judge {judge_id} marked aspect {aspect_id} of {self.entrant_id} already"
            )
        limit = rules.judges_per_judgement if aspect.kind is AspectKind.JUDGEMENT else 1
        if len(given) >= limit:
            raise DomainRuleViolated(
                f"aspect {aspect_id} of {self.entrant_id} has its {limit} mark(s) already"
            )
        self.record(
            MarkRecorded(
                contest_id=contest.id,
                entrant_id=self.entrant_id,
                aspect_id=aspect_id,
                judge_id=judge_id,
                score=value,
            )
        )
        scores = self.scores[aspect_id]
        if (
            aspect.kind is AspectKind.JUDGEMENT
            and aspect_id not in self.flagged
            and marking.discrepant(list(scores.values()), rules)
        ):
            self.record(
                JudgementDiscrepancyFlagged(
                    contest_id=contest.id,
                    entrant_id=self.entrant_id,
                    aspect_id=aspect_id,
                    scores={judge: int(s) for judge, s in scores.items()},
                )
            )

    def resolve(
        self,
        contest: Contest,
        aspect_id: str,
        scores: Mapping[str, int],
        resolved_by: str,
        rules: MarkingRules = DEFAULT_MARKING_RULES,
    ) -> None:
        """Settle a flagged aspect with the panel's agreed scores (no longer more than 1 apart)."""
        contest.entrant(self.entrant_id)
        if contest.phase is not Phase.MARKING:
            raise DomainRuleViolated(
                f"discrepancies are resolved while marking: contest {contest.id} is {contest.phase.label}"
            )
        if aspect_id not in self.flagged:
            raise DomainRuleViolated(f"aspect {aspect_id} of {self.entrant_id} has no open discrepancy")
        if set(scores) != set(self.scores[aspect_id]):
            raise DomainRuleViolated(
                f"a resolution scores the judges who marked: {sorted(self.scores[aspect_id])}"
            )
        aspect = contest.aspects[aspect_id]
        for value in scores.values():
            marking.check_score(aspect, value, rules)
        if marking.discrepant(list(scores.values()), rules):
            raise DomainRuleViolated(
                f"the resolved scores are still more than {rules.discrepancy_above} apart"
            )
        self.record(
            JudgementDiscrepancyResolved(
                contest_id=contest.id,
                entrant_id=self.entrant_id,
                aspect_id=aspect_id,
                scores=dict(scores),
                resolved_by=resolved_by,
            )
        )

    def lock(self) -> None:
        """The entrant's marks are final. The lock writes every entry's stream, not only the
        contest's: a mark decided on the contest before the lock then appends at the version the
        lock took, and the store refuses it (a check across two streams would race)."""
        if not self.locked:
            self.record(
                EntryMarksLocked(
                    contest_id=self.contest_id, entrant_id=self.entrant_id, mark_count=self.mark_count
                )
            )

    def raw_total(self, contest: Contest, rules: MarkingRules = DEFAULT_MARKING_RULES) -> float:
        scores = {aspect: list(judges.values()) for aspect, judges in self.scores.items()}
        return marking.raw_total(list(contest.aspects.values()), scores, contest.theory_weight, rules)

    def apply(self, event: Event) -> None:
        match event:
            case MarkRecorded():
                self.contest_id, self.entrant_id = event.contest_id, event.entrant_id
                self.scores.setdefault(event.aspect_id, {})[event.judge_id] = event.score
            case JudgementDiscrepancyFlagged():
                self.flagged.add(event.aspect_id)
            case JudgementDiscrepancyResolved():
                self.scores[event.aspect_id] = {judge: float(s) for judge, s in event.scores.items()}
                self.flagged.discard(event.aspect_id)
            case EntryMarksLocked():
                self.contest_id, self.entrant_id = event.contest_id, event.entrant_id
                self.locked = True

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "contest_id": self.contest_id,
            "entrant_id": self.entrant_id,
            "scores": self.scores,
            "flagged": sorted(self.flagged),
            "locked": self.locked,
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        entry = cls(aggregate_id, tenant=state["tenant"])
        entry.version = version
        entry.contest_id, entry.entrant_id = state["contest_id"], state["entrant_id"]
        entry.scores = {a: {j: float(s) for j, s in judges.items()} for a, judges in state["scores"].items()}
        entry.flagged = set(state["flagged"])
        entry.locked = state.get("locked", False)  # snapshots taken before the entry lock existed
        return entry
