"""Consumers of the competitions service: the workers it knows and the leaderboards.

Each handler runs inside the inbox consumer's transaction; none of them commits.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.keyed_rows import update_from, upsert_from
from chassis.service import Runtime, Subscription
from chassis.sqlutil import insert_ignoring_duplicates, upsert
from contracts.envelope import Envelope
from contracts.events.competitions import CompetitionScored, ContestConcluded, ContestOpened, MarkRecorded
from contracts.events.registry import WorkerForgotten, WorkerRegistered
from contracts.topics import COMPETITIONS_EVENTS, REGISTRY_EVENTS
from services.competitions.inbound import inbound_subscription
from services.competitions.read_models import contests, known_workers, results


def worker_facts(event: WorkerRegistered) -> dict[str, str]:
    return {"worker_id": event.worker_id, "enterprise_id": event.enterprise_id}


on_worker_registered = upsert_from(known_workers, worker_facts)


def erased(event: WorkerForgotten) -> dict[str, object]:
    return {"worker_id": event.worker_id, "erased": True}


on_worker_forgotten = update_from(known_workers, erased)


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
        )
    )


async def on_mark_recorded(session: AsyncSession, envelope: Envelope, event: MarkRecorded) -> None:
    """The entrant joins the board with a raw score; a redelivery never blanks a published result."""
    await session.execute(
        insert_ignoring_duplicates(session, results).values(
            contest_id=event.contest_id,
            worker_id=event.worker_id,
            enterprise_id=event.enterprise_id,
            raw_score=event.raw_score,
            standardised_score=None,
            rank=None,
            medal=None,
            event_id=str(envelope.event_id),
        )
    )


async def on_competition_scored(session: AsyncSession, envelope: Envelope, event: CompetitionScored) -> None:
    """The entrant's final result fills in (or, before its mark is seen, creates) the row."""
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
                "event_id": str(envelope.event_id),
            },
            keys=("contest_id", "worker_id"),
        )
    )


async def on_contest_concluded(session: AsyncSession, envelope: Envelope, event: ContestConcluded) -> None:
    await session.execute(
        update(contests)
        .where(contests.c.contest_id == event.contest_id)
        .values(concluded_on=event.concluded_on)
    )


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="workers",
            topics=(REGISTRY_EVENTS,),
            handlers={WorkerRegistered: on_worker_registered, WorkerForgotten: on_worker_forgotten},
            tables=(known_workers,),
        ),
        Subscription(
            name="leaderboards",
            topics=(COMPETITIONS_EVENTS,),
            handlers={
                ContestOpened: on_contest_opened,
                MarkRecorded: on_mark_recorded,
                CompetitionScored: on_competition_scored,
                ContestConcluded: on_contest_concluded,
            },
            tables=(contests, results),
        ),
        inbound_subscription(runtime),
    ]
