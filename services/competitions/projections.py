"""Consumers of the competitions service: the workers it knows, contests, their schemes,
entrants, judges, marks, discrepancies, results and entitlements.

Each handler runs inside the inbox consumer's transaction; none of them commits. Each is
idempotent on its own (inserts ignore duplicates, upserts set the event's facts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Delivery, Handler
from chassis.keyed_rows import changing, upserting
from chassis.row_writes import Writer, in_rounds, one_at_a_time
from chassis.service import Runtime, Subscription
from chassis.sqlutil import insert_ignoring_duplicates, upsert
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


async def on_contest_opened(session: AsyncSession, envelope: Envelope, event: ContestOpened) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, contests).values(
            contest_id=event.contest_id,
            title=event.title,
            trade=event.trade,
            level=event.level.value,
            region_id=event.region_id,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            organiser_id=event.organiser_id,
            organiser_kind=event.organiser_kind.value,
            team_entry=event.team_entry,
            theory_weight=event.theory_weight,
            phase=Phase.DRAFT.label,
        )
    )


def phase_reached(phase: Phase, **also: Callable[[Any], object]) -> Handler:
    """The handler of a lifecycle event: the contest's row shows the phase it reached."""

    async def reached(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        values = {"phase": phase.label, **{column: fact(event) for column, fact in also.items()}}
        contest_id = getattr(event, "contest_id")  # noqa: B009 - every lifecycle event names its contest
        await session.execute(update(contests).where(contests.c.contest_id == contest_id).values(values))

    return reached


async def on_scheme_locked(session: AsyncSession, envelope: Envelope, event: MarkingSchemeLocked) -> None:
    rows = [
        {
            "contest_id": event.contest_id,
            "aspect_id": aspect.aspect_id,
            "definition": aspect.model_dump(mode="json"),
        }
        for criterion in event.criteria
        for aspect in criterion.aspects
    ]
    await session.execute(insert_ignoring_duplicates(session, aspects), rows)


async def on_entrant_registered(session: AsyncSession, envelope: Envelope, event: EntrantRegistered) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, entrants).values(
            contest_id=event.contest_id,
            entrant_id=event.entrant_id,
            enterprise_id=event.enterprise_id,
            worker_ids=list(event.worker_ids),
            withdrawn=False,
        )
    )


async def on_entrant_withdrawn(session: AsyncSession, envelope: Envelope, event: EntrantWithdrawn) -> None:
    await session.execute(
        update(entrants)
        .where(entrants.c.contest_id == event.contest_id, entrants.c.entrant_id == event.entrant_id)
        .values(withdrawn=True)
    )


async def on_judge_assigned(session: AsyncSession, envelope: Envelope, event: JudgeAssigned) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, judges).values(
            contest_id=event.contest_id,
            judge_id=event.judge_id,
            enterprise_id=event.enterprise_id,
            aspect_ids=list(event.aspect_ids),
        )
    )


def mark_row(event: MarkRecorded) -> dict[str, Any]:
    return {
        "contest_id": event.contest_id,
        "entrant_id": event.entrant_id,
        "aspect_id": event.aspect_id,
        "judge_id": event.judge_id,
        "score": event.score,
    }


async def on_mark_recorded(session: AsyncSession, envelope: Envelope, event: MarkRecorded) -> None:
    await session.execute(insert_ignoring_duplicates(session, marks).values(mark_row(event)))


async def marks_recorded(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
    """A batch's marks in one executemany (a contest's import sends thousands at once). Order
    does not matter: a mark never overwrites, and a resolution in the same batch (applied
    one by one, before this) upserts the agreed score, which the mark's insert then leaves."""
    rows = [mark_row(d.event) for d in deliveries if isinstance(d.event, MarkRecorded)]
    if rows:
        await session.execute(insert_ignoring_duplicates(session, marks), rows)


async def _discrepancy(
    session: AsyncSession, event: JudgementDiscrepancyFlagged | JudgementDiscrepancyResolved, *, is_open: bool
) -> None:
    key = {"contest_id": event.contest_id, "entrant_id": event.entrant_id, "aspect_id": event.aspect_id}
    await session.execute(
        upsert(
            session,
            discrepancies,
            {**key, "scores": dict(event.scores), "open": is_open},
            keys=("contest_id", "entrant_id", "aspect_id"),
        )
    )


async def on_discrepancy_flagged(
    session: AsyncSession, envelope: Envelope, event: JudgementDiscrepancyFlagged
) -> None:
    await _discrepancy(session, event, is_open=True)


async def on_discrepancy_resolved(
    session: AsyncSession, envelope: Envelope, event: JudgementDiscrepancyResolved
) -> None:
    """The flag closes and the agreed scores replace the judges' scores of the aspect."""
    await _discrepancy(session, event, is_open=False)
    for judge, score in event.scores.items():
        await session.execute(
            upsert(
                session,
                marks,
                {
                    "contest_id": event.contest_id,
                    "entrant_id": event.entrant_id,
                    "aspect_id": event.aspect_id,
                    "judge_id": judge,
                    "score": float(score),
                },
                keys=("contest_id", "entrant_id", "aspect_id", "judge_id"),
            )
        )


async def on_competition_scored(session: AsyncSession, envelope: Envelope, event: CompetitionScored) -> None:
    """The worker's result in the contest: the row of the final board."""
    await session.execute(
        upsert(
            session,
            results,
            {
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
            },
            keys=("contest_id", "worker_id"),
        )
    )


async def on_entitlement_granted(
    session: AsyncSession, envelope: Envelope, event: PromotionEntitlementGranted
) -> None:
    await session.execute(
        insert_ignoring_duplicates(session, entitlements).values(
            contest_id=event.contest_id,
            worker_id=event.worker_id,
            kind=event.kind.value,
            levels_up=event.levels_up,
            cap=None if event.cap is None else event.cap.value,
        )
    )


LEADERBOARD_HANDLERS: dict[type[Event], Handler] = {
    ContestOpened: on_contest_opened,
    RegistrationOpened: phase_reached(Phase.REGISTRATION),
    ContestStarted: phase_reached(Phase.IN_PROGRESS),
    MarkingStarted: phase_reached(Phase.MARKING),
    MarksLocked: phase_reached(Phase.MARKS_LOCKED),
    ResultsStandardised: phase_reached(Phase.STANDARDISED),
    ResultsPublicised: phase_reached(Phase.PUBLICISED),
    ContestConcluded: phase_reached(Phase.RATIFIED, concluded_on=lambda event: event.concluded_on),
    MarkingSchemeLocked: on_scheme_locked,
    EntrantRegistered: on_entrant_registered,
    EntrantWithdrawn: on_entrant_withdrawn,
    JudgeAssigned: on_judge_assigned,
    MarkRecorded: on_mark_recorded,
    JudgementDiscrepancyFlagged: on_discrepancy_flagged,
    JudgementDiscrepancyResolved: on_discrepancy_resolved,
    CompetitionScored: on_competition_scored,
    PromotionEntitlementGranted: on_entitlement_granted,
}


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
            handlers=LEADERBOARD_HANDLERS,
            batch_handlers={MarkRecorded: marks_recorded},
            tables=(contests, aspects, entrants, judges, marks, discrepancies, results, entitlements),
        ),
        inbound_subscription(runtime),
    ]
