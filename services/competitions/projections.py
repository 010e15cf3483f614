"""Consumers of the competitions service: the workers it knows, contests, their schemes,
entrants, judges, marks, discrepancies, results and entitlements.

Every fact only writes rows by their keys (chassis/row_writes.py), a batch at a time inside the
inbox consumer's transaction; none commits. Each write is idempotent on its own (inserts ignore
duplicates, upserts set the event's facts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chassis.inbox import BatchHandler
from chassis.keyed_rows import changing, upserting
from chassis.row_writes import Change, InsertMissing, Upsert, Write, Writer, in_rounds, one_at_a_time
from chassis.service import Runtime, Subscription
from chassis.tenancy import enterprise_rows
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import (
    CompetitionScored,
    ContestConcluded,
    ContestOpened,
    ContestStarted,
    EntrantRegistered,
    EntrantWithdrawn,
    JudgeAssigned,
    JudgementDiscrepancyFlagged,
    JudgementDiscrepancyResolved,
    MarkingSchemeLocked,
    MarkingStarted,
    MarkRecorded,
    MarksLocked,
    PromotionEntitlementGranted,
    RegistrationOpened,
    ResultsPublicised,
    ResultsStandardised,
)
from contracts.events.registry import EnterpriseRegistered, WorkerForgotten, WorkerRegistered
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS
from services.competitions.domain import Phase
from services.competitions.inbound import inbound_subscription
from services.competitions.read_models import (
    aspects,
    contests,
    discrepancies,
    enterprises,
    entitlements,
    entrants,
    judges,
    known_workers,
    marks,
    results,
)


def worker_facts(event: WorkerRegistered) -> dict[str, str]:
    return {"worker_id": event.worker_id, "enterprise_id": event.enterprise_id, "trade": event.trade}


def erased(event: WorkerForgotten) -> dict[str, object]:
    return {"worker_id": event.worker_id, "erased": True}


WORKER_WRITERS: Mapping[type[Event], Writer] = {
    WorkerRegistered: upserting(known_workers, worker_facts),
    WorkerForgotten: changing(known_workers, erased),
    EnterpriseRegistered: enterprise_rows(enterprises),
}
"""What the registry's facts write here: each a row by its key, so a batch goes in rounds."""

# One event at a time, for the tests that feed the read model directly.
on_worker_registered = one_at_a_time(WORKER_WRITERS[WorkerRegistered])
on_worker_forgotten = one_at_a_time(WORKER_WRITERS[WorkerForgotten])


def contest_opened(_: Envelope, event: ContestOpened) -> list[Write]:
    opened = {
        "contest_id": event.contest_id,
        "title": event.title,
        "trade": event.trade,
        "level": event.level.value,
        "region_id": event.region_id,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "organiser_id": event.organiser_id,
        "organiser_kind": event.organiser_kind.value,
        "team_entry": event.team_entry,
        "theory_weight": event.theory_weight,
        "phase": Phase.DRAFT.label,
    }
    return [InsertMissing(contests, opened)]


def phase_reached(phase: Phase, **also: Callable[[Any], object]) -> Writer:
    """The writer of a lifecycle event: the contest's row shows the phase it reached."""

    def reached(_: Envelope, event: Event) -> list[Write]:
        contest_id = getattr(event, "contest_id")  # noqa: B009 - every lifecycle event names its contest
        values = {column: fact(event) for column, fact in also.items()}
        return [Change(contests, {"contest_id": contest_id, "phase": phase.label, **values})]

    return reached


def scheme_locked(_: Envelope, event: MarkingSchemeLocked) -> list[Write]:
    return [
        InsertMissing(
            aspects,
            {
                "contest_id": event.contest_id,
                "aspect_id": aspect.aspect_id,
                "definition": aspect.model_dump(mode="json"),
            },
        )
        for criterion in event.criteria
        for aspect in criterion.aspects
    ]


def entrant_registered(_: Envelope, event: EntrantRegistered) -> list[Write]:
    entrant = {
        "contest_id": event.contest_id,
        "entrant_id": event.entrant_id,
        "enterprise_id": event.enterprise_id,
        "worker_ids": list(event.worker_ids),
        "withdrawn": False,
    }
    return [InsertMissing(entrants, entrant)]


def entrant_withdrawn(_: Envelope, event: EntrantWithdrawn) -> list[Write]:
    return [
        Change(entrants, {"contest_id": event.contest_id, "entrant_id": event.entrant_id, "withdrawn": True})
    ]


def judge_assigned(_: Envelope, event: JudgeAssigned) -> list[Write]:
    judge = {
        "contest_id": event.contest_id,
        "judge_id": event.judge_id,
        "enterprise_id": event.enterprise_id,
        "aspect_ids": list(event.aspect_ids),
    }
    return [InsertMissing(judges, judge)]


def mark_recorded(_: Envelope, event: MarkRecorded) -> list[Write]:
    """A mark never overwrites: a resolution's agreed score, earlier in the log, stays."""
    mark = {
        "contest_id": event.contest_id,
        "entrant_id": event.entrant_id,
        "aspect_id": event.aspect_id,
        "judge_id": event.judge_id,
        "score": event.score,
    }
    return [InsertMissing(marks, mark)]


def _discrepancy(
    event: JudgementDiscrepancyFlagged | JudgementDiscrepancyResolved, *, is_open: bool
) -> Write:
    key = {"contest_id": event.contest_id, "entrant_id": event.entrant_id, "aspect_id": event.aspect_id}
    return Upsert(discrepancies, {**key, "scores": dict(event.scores), "open": is_open})


def discrepancy_flagged(_: Envelope, event: JudgementDiscrepancyFlagged) -> list[Write]:
    return [_discrepancy(event, is_open=True)]


def discrepancy_resolved(_: Envelope, event: JudgementDiscrepancyResolved) -> list[Write]:
    """The flag closes and the agreed scores replace the judges' scores of the aspect."""
    aspect = {"contest_id": event.contest_id, "entrant_id": event.entrant_id, "aspect_id": event.aspect_id}
    agreed: list[Write] = [
        Upsert(marks, {**aspect, "judge_id": judge, "score": float(score)})
        for judge, score in event.scores.items()
    ]
    return [_discrepancy(event, is_open=False), *agreed]


def competition_scored(envelope: Envelope, event: CompetitionScored) -> list[Write]:
    """The worker's result in the contest: the row of the final board."""
    result = {
        "contest_id": event.contest_id,
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "raw_score": event.raw_score,
        "standardised_score": event.standardised_score,
        "rank": event.rank,
        "medal": event.medal.value,
        "prize": event.prize.value,
        "prize_money": None if event.prize_money is None else str(event.prize_money),
        "event_id": str(envelope.event_id),
    }
    return [Upsert(results, result)]


def entitlement_granted(_: Envelope, event: PromotionEntitlementGranted) -> list[Write]:
    entitlement = {
        "contest_id": event.contest_id,
        "worker_id": event.worker_id,
        "kind": event.kind.value,
        "levels_up": event.levels_up,
        "cap": None if event.cap is None else event.cap.value,
    }
    return [InsertMissing(entitlements, entitlement)]


LEADERBOARD_WRITERS: Mapping[type[Event], Writer] = {
    ContestOpened: contest_opened,
    RegistrationOpened: phase_reached(Phase.REGISTRATION),
    ContestStarted: phase_reached(Phase.IN_PROGRESS),
    MarkingStarted: phase_reached(Phase.MARKING),
    MarksLocked: phase_reached(Phase.MARKS_LOCKED),
    ResultsStandardised: phase_reached(Phase.STANDARDISED),
    ResultsPublicised: phase_reached(Phase.PUBLICISED),
    ContestConcluded: phase_reached(Phase.RATIFIED, concluded_on=lambda event: event.concluded_on),
    MarkingSchemeLocked: scheme_locked,
    EntrantRegistered: entrant_registered,
    EntrantWithdrawn: entrant_withdrawn,
    JudgeAssigned: judge_assigned,
    MarkRecorded: mark_recorded,
    JudgementDiscrepancyFlagged: discrepancy_flagged,
    JudgementDiscrepancyResolved: discrepancy_resolved,
    CompetitionScored: competition_scored,
    PromotionEntitlementGranted: entitlement_granted,
}
"""Contests, schemes, entrants, judges, marks, discrepancies, results and entitlements: each fact
writes rows by their keys, so a batch (a contest's import sends thousands of marks at once) is a
few statements, in the batch's order (chassis/row_writes.py)."""

LEADERBOARD_HANDLERS: Mapping[type[Event], BatchHandler] = in_rounds(LEADERBOARD_WRITERS)


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="workers",
            topics=(REGISTRY_EVENTS,),
            handlers={},
            batch_handlers=in_rounds(WORKER_WRITERS),
            tables=(known_workers, enterprises),
        ),
        Subscription(
            name="leaderboards",
            topics=(COMPETITIONS_EVENTS,),
            handlers={},
            batch_handlers=LEADERBOARD_HANDLERS,
            tables=(contests, aspects, entrants, judges, marks, discrepancies, results, entitlements),
        ),
        inbound_subscription(runtime),
    ]
