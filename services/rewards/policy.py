"""The grant policy: facts of other services earn grants from the programmes that pay for
them, and end the allowances of what is no longer held.

It runs on the inbox consumer's session, so its grants commit together with the inbox
record of the causing event, or not at all. Adding a fact that earns grants is one entry
in CAUSES (or STOPS for one that ends an allowance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Handler
from chassis.logging import get_logger
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored, ContestConcluded
from contracts.events.registry import (
    TierExpired,
    TierPromoted,
    TierRevoked,
    TitleConferred,
    TitleExpired,
    TitleRevoked,
)
from contracts.events.training import StudioNamed, StudioRevoked
from services.rewards import prizes
from services.rewards.catalogue import programmes_opened
from services.rewards.domain import Granted
from services.rewards.handlers import reward_cause, stop_allowance
from services.rewards.terms import Cause

log = get_logger(__name__)

UnitOfWorkOn = Callable[[AsyncSession], UnitOfWork]
"""Builds a unit of work on a borrowed (the inbox's) session."""

CONFLICT_RETRIES = 5
"""Grants of one programme for different workers may race (other replicas): reload and retry."""

CauseOf = Callable[[Any, Envelope], tuple[Cause, str]]
StopOf = Callable[[Any], tuple[str, str, str]]  # worker, what was held ("tier:seed"), why it ends

CAUSES: Mapping[type[Event], CauseOf] = {
    TierPromoted: lambda e, _: (
        Cause(f"tier:{e.to_rank.value}", e.worker_id, e.enterprise_id, e.effective_on),
        f"promoted to {e.tier_label} ({e.to_rank.value})",
    ),
    TitleConferred: lambda e, _: (
        Cause(f"title:{e.level.value}", e.worker_id, e.enterprise_id, e.conferred_on),
        f"title conferred: {e.title_name}",
    ),
    StudioNamed: lambda e, _: (
        Cause("studio:named", e.worker_id, e.enterprise_id, e.named_on),
        f"innovation studio named: {e.name}",
    ),
}
"""Each fact that can earn a grant, read as a cause. Prize money by place is paid when the
placement is final: services/rewards/prizes.py joins CompetitionScored and ContestConcluded."""

STOPS: Mapping[type[Event], StopOf] = {
    TierExpired: lambda e: (e.worker_id, f"tier:{e.rank.value}", f"tier expired: {e.reason}"),
    TierRevoked: lambda e: (e.worker_id, f"tier:{e.rank.value}", f"tier revoked: {e.reason}"),
    TitleRevoked: lambda e: (e.worker_id, f"title:{e.level.value}", f"title revoked: {e.reason}"),
    TitleExpired: lambda e: (e.worker_id, f"title:{e.level.value}", "title expired"),
    # A revoked studio ends the allowance its naming started (a one-off award stays paid).
    StudioRevoked: lambda e: (e.worker_id, "studio:named", f"studio revoked: {e.reason}"),
}


async def reward_cause_on(
    uow_on: UnitOfWorkOn,
    session: AsyncSession,
    programme_id: str,
    cause: Cause,
    reason: str,
    causing: Envelope,
) -> Granted:
    return await reward_cause(uow_on(session), programme_id, cause, reason, causing)


async def stop_allowance_on(
    uow_on: UnitOfWorkOn,
    session: AsyncSession,
    programme_id: str,
    worker_id: str,
    held: str,
    reason: str,
    causing: Envelope,
) -> bool:
    return await stop_allowance(uow_on(session), programme_id, worker_id, held, reason, causing)


async def reward(
    uow_on: UnitOfWorkOn, session: AsyncSession, causing: Envelope, event: Event
) -> dict[str, Granted]:
    cause, reason = CAUSES[type(event)](event, causing)
    return await reward_for(uow_on, session, causing, cause, reason)


async def reward_for(
    uow_on: UnitOfWorkOn, session: AsyncSession, causing: Envelope, cause: Cause, reason: str
) -> dict[str, Granted]:
    outcomes: dict[str, Granted] = {}
    for opened in await programmes_opened(uow_on(session)):
        if opened.trigger != cause.trigger:
            continue
        outcome = await retrying_conflicts(
            partial(reward_cause_on, uow_on, session, opened.programme_id, cause, reason, causing),
            attempts=CONFLICT_RETRIES,
        )
        outcomes[opened.programme_id] = outcome
        report = log.warning if outcome is Granted.BUDGET_EXHAUSTED else log.info
        report(
            "rewards.grant_policy",
            programme_id=opened.programme_id,
            worker_id=cause.worker_id,
            trigger=cause.trigger,
            outcome=outcome.value,
        )
    return outcomes


async def reward_promotion(
    uow_on: UnitOfWorkOn, session: AsyncSession, causing: Envelope, promoted: TierPromoted
) -> dict[str, Granted]:
    return await reward(uow_on, session, causing, promoted)


async def stop_allowances(
    uow_on: UnitOfWorkOn, session: AsyncSession, causing: Envelope, event: Event
) -> int:
    worker_id, held, reason = STOPS[type(event)](event)
    stopped = 0
    for opened in await programmes_opened(uow_on(session)):
        if opened.recurring and opened.trigger == held:
            stopped += await retrying_conflicts(
                partial(
                    stop_allowance_on, uow_on, session, opened.programme_id, worker_id, held, reason, causing
                ),
                attempts=CONFLICT_RETRIES,
            )
    return stopped


def grant_policy_handlers(uow_on: UnitOfWorkOn) -> Mapping[type[Event], Handler]:
    async def on_cause(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        await reward(uow_on, session, envelope, event)

    async def on_stop(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        await stop_allowances(uow_on, session, envelope, event)

    pay = partial(reward_for, uow_on)
    return {
        **dict.fromkeys(CAUSES, on_cause),
        **dict.fromkeys(STOPS, on_stop),
        CompetitionScored: partial(prizes.on_scored, pay),
        ContestConcluded: partial(prizes.on_concluded, pay),
    }
