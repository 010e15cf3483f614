"""Prize money follows the ratified result: a placement (CompetitionScored) is paid once its
contest is ratified (ContestConcluded), whichever of the two arrives first.

They travel on different keys (the worker's, the contest's), so either may come first, on
another replica too. Each handler first locks the contest's row, so the two never decide
at once: the later one sees the earlier one's facts and pays. Each grant keeps the placement
as its cause (its event id), so paying from either side, or again, pays once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.sqlutil import insert_ignoring_duplicates
from contracts.catalog import decode
from contracts.envelope import Envelope
from contracts.events.competitions import CompetitionScored, ContestConcluded
from services.rewards.read_models import contest_places, contests
from services.rewards.terms import Cause

Pay = Callable[[AsyncSession, Envelope, Cause, str], Awaitable[object]]
"""Grant what the programmes pay for a cause, caused by the given envelope."""


def place_cause(scored: CompetitionScored, concluded_on: date) -> tuple[Cause, str]:
    return (
        Cause(
            f"contest:{scored.level.value}",
            scored.worker_id,
            scored.enterprise_id,
            concluded_on,
            place=scored.rank,
        ),
        f"place {scored.rank} in contest {scored.contest_id} (ratified {concluded_on.isoformat()})",
    )


async def _locked_conclusion(session: AsyncSession, contest_id: str) -> date | None:
    """The contest's ratification day (None: not yet), its row locked until the commit."""
    await session.execute(insert_ignoring_duplicates(session, contests).values(contest_id=contest_id))
    found = await session.execute(
        select(contests.c.concluded_on).where(contests.c.contest_id == contest_id).with_for_update()
    )
    concluded_on: date | None = found.scalar_one()
    return concluded_on


async def _pay_place(pay: Pay, session: AsyncSession, scored_envelope: Envelope, concluded_on: date) -> None:
    scored = decode(scored_envelope)
    assert isinstance(scored, CompetitionScored)
    cause, reason = place_cause(scored, concluded_on)
    await pay(session, scored_envelope, cause, reason)


async def on_scored(pay: Pay, session: AsyncSession, envelope: Envelope, event: CompetitionScored) -> None:
    concluded_on = await _locked_conclusion(session, event.contest_id)
    await session.execute(
        insert_ignoring_duplicates(session, contest_places).values(
            contest_id=event.contest_id, worker_id=event.worker_id, scored=envelope.to_bytes()
        )
    )
    if concluded_on is not None:  # ratified already: this placement is final, pay it now
        await _pay_place(pay, session, envelope, concluded_on)


async def on_concluded(pay: Pay, session: AsyncSession, envelope: Envelope, event: ContestConcluded) -> None:
    await _locked_conclusion(session, event.contest_id)
    await session.execute(
        update(contests)
        .where(contests.c.contest_id == event.contest_id)
        .values(concluded_on=event.concluded_on)
    )
    places = await session.scalars(
        select(contest_places.c.scored)
        .where(contest_places.c.contest_id == event.contest_id)
        .order_by(contest_places.c.worker_id)
    )
    for scored in places.all():
        await _pay_place(pay, session, Envelope.from_bytes(scored), event.concluded_on)
