"""The grant policy: facts of other services earn grants from the programmes that pay for
them, and end the allowances of what is no longer held.

It runs on the inbox consumer's session, so its grants commit together with the inbox
record of the causing event, or not at all. Adding a fact that earns grants is one entry
in CAUSES (or STOPS for one that ends an allowance).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.logging import get_logger
from chassis.unit_of_work import UnitOfWork, commit_decisions, policy_command, retrying_conflicts
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
from contracts.events.rewards import ProgrammeOpened
from contracts.events.training import StudioNamed, StudioRevoked
from services.rewards import prizes
from services.rewards.catalogue import programmes_opened
from services.rewards.domain import Granted, Programme
from services.rewards.handlers import decide_reward, one_writer, reward_cause, stop_allowance
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
        _report(opened.programme_id, cause, outcome)
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


def _report(programme_id: str, cause: Cause, outcome: Granted) -> None:
    """Each decision at info: the budget's running out is the one warning (handlers.decide_reward)."""
    log.info(
        "rewards.grant_policy",
        programme_id=programme_id,
        worker_id=cause.worker_id,
        trigger=cause.trigger,
        outcome=outcome.value,
    )


def grant_policy_batch_handlers(uow_on: UnitOfWorkOn) -> Mapping[type[Event], BatchHandler]:
    """The grant policy a batch at a time, with the decisions of `grant_policy_handlers`: the
    programmes listed once, every programme the batch's facts concern loaded at once, each fact
    decided in the batch's order on the programmes as the facts before it left them, every grant
    appended in one statement. A conflict with another writer reloads and decides the batch again."""

    async def decide_once(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        opened = await programmes_opened(uow_on(session))
        concerned = {
            programme.programme_id
            for delivery in deliveries
            for programme in opened
            if programme.trigger in _triggers(delivery, programme.recurring)
        }
        async with contextlib.AsyncExitStack() as turns:
            for programme_id in sorted(concerned):  # one order for every writer: no deadlock
                await turns.enter_async_context(one_writer(programme_id))
            async with uow_on(session) as uow:
                programmes = await uow.load_many(Programme, concerned)
                decided = False
                for delivery in deliveries:
                    for listed in opened:
                        if listed.programme_id in programmes:
                            decided |= _decide(uow, listed, programmes[listed.programme_id], delivery)
                if decided:
                    await commit_decisions(uow, deliveries)

    async def decide(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        await retrying_conflicts(partial(decide_once, session, deliveries), attempts=CONFLICT_RETRIES)

    return {**dict.fromkeys(CAUSES, decide), **dict.fromkeys(STOPS, decide)}


def _triggers(delivery: Delivery, recurring: bool) -> set[str]:
    """The programme triggers this fact concerns: the cause it is, or what it ends (recurring only)."""
    kind = type(delivery.event)
    if kind in CAUSES:
        return {CAUSES[kind](delivery.event, delivery.envelope)[0].trigger}
    return {STOPS[kind](delivery.event)[1]} if recurring else set()


def _decide(uow: UnitOfWork, listed: ProgrammeOpened, programme: Programme, delivery: Delivery) -> bool:
    """One fact on one programme, as `reward` / `stop_allowances` decide it (on the programme as
    listed when it opened); True if it recorded something."""
    causing, event, kind = delivery.envelope, delivery.event, type(delivery.event)
    command = policy_command(causing, f"rewards.grant:{programme.id}")
    if kind in CAUSES:
        cause, reason = CAUSES[kind](event, causing)
        if listed.trigger != cause.trigger:
            return False
        outcome = decide_reward(programme, cause, caused_by=causing.event_id, reason=reason)
        _report(programme.id, cause, outcome)
    else:
        worker_id, held, reason = STOPS[kind](event)
        if not (listed.recurring and listed.trigger == held):
            return False
        programme.stop_allowance(
            worker_id, held=held, on=causing.occurred_at.date(), reason=reason, caused_by=causing.event_id
        )
    if not programme.pending:
        return False
    uow.decided(programme, **command)
    return True
