"""Command handlers: plain functions over a unit of work."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from chassis.logging import get_logger
from chassis.unit_of_work import DuplicateCommand, UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope
from contracts.ids import derived_uuid
from services.rewards.commands import (
    ApplyForGrant,
    ApproveApplication,
    GrantReward,
    OpenProgramme,
    RevokeGrant,
    RunAllowances,
)
from services.rewards.domain import AlreadyGranted, BudgetExhausted, Granted, Programme
from services.rewards.terms import Cause

__all__ = ["Granted"]

log = get_logger(__name__)


def _warn_exhausted(programme: Programme, refused_worker_id: str | None = None) -> None:
    """The one warning of a programme's budget running out: logged where BudgetExhausted is
    recorded, not for each refusal after it (a province's year refused tens of thousands of
    promotions once its seed programme had spent its budget, each a warning)."""
    log.warning(
        "rewards.budget_exhausted",
        programme_id=programme.id,
        budget=str(programme.budget),
        granted_total=str(programme.granted_total),
        refused_worker_id=refused_worker_id,
    )


def decide_reward(programme: Programme, cause: Cause, *, caused_by: UUID, reason: str) -> Granted:
    """`Programme.reward`, warning when this refusal is the one that exhausts the budget."""
    exhausted_before = programme.exhausted
    outcome = programme.reward(cause, caused_by=caused_by, reason=reason)
    if programme.exhausted and not exhausted_before:
        _warn_exhausted(programme, cause.worker_id)
    return outcome


def _today() -> datetime:
    return datetime.now(UTC)


_writers: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def one_writer(programme_id: str) -> asyncio.Lock:
    """Decisions about one programme take turns within a process: all of its grants append
    to one stream, and parallel writers there mostly collide and retry (measured: 8 tasks
    granted 5/s racing, one at a time many more). Other processes are still kept out by the
    expected-version append."""
    lock = _writers.get(programme_id)
    if lock is None:
        lock = _writers[programme_id] = asyncio.Lock()
    return lock


async def open_programme(
    uow: UnitOfWork, command: OpenProgramme, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        await uow.ensure_new(
            Programme, command.programme_id, f"programme {command.programme_id} is open already"
        )
        uow.track(
            Programme.open(
                command.programme_id,
                name=command.name,
                sponsor_id=command.sponsor_id,
                budget=command.budget,
                grant_amount=command.grant_amount,
                trigger=command.trigger,
                opened_on=command.opened_on or _today().date(),
                closes_on=command.closes_on,
                amounts_by_place=command.amounts_by_place,
                recurring=command.recurring,
                eligible_enterprises=command.eligible_enterprises,
                credit_support=command.credit_support,
            )
        )
        return await uow.commit(command_id=command_id)


async def _on_programme(
    uow: UnitOfWork, programme_id: str, decide: Callable[[Programme], object], command_id: UUID | None
) -> list[Envelope]:
    async with one_writer(programme_id), uow:
        programme = await uow.require(Programme, programme_id, f"no programme {programme_id}")
        decide(programme)
        return await uow.commit(command_id=command_id)


async def apply_for_grant(
    uow: UnitOfWork, command: ApplyForGrant, command_id: UUID | None = None
) -> list[Envelope]:
    return await _on_programme(
        uow,
        command.programme_id,
        lambda programme: programme.apply_for(
            application_id=command.application_id,
            worker_id=command.worker_id,
            enterprise_id=command.enterprise_id,
            reason=command.reason,
            on=command.applied_on or _today().date(),
        ),
        command_id,
    )


async def approve_application(
    uow: UnitOfWork, command: ApproveApplication, command_id: UUID | None = None
) -> list[Envelope]:
    """Raises BudgetExhausted past the budget: the boundary then records the exhaustion
    apart (`note_exhausted`), so the refused command itself stores nothing."""
    return await _on_programme(
        uow, command.programme_id, lambda programme: programme.approve(command.application_id), command_id
    )


async def revoke_grant(
    uow: UnitOfWork, command: RevokeGrant, command_id: UUID | None = None
) -> list[Envelope]:
    return await _on_programme(
        uow,
        command.programme_id,
        lambda programme: programme.revoke(
            command.grant_id, reason=command.reason, revoked_by=command.revoked_by
        ),
        command_id,
    )


async def run_allowances(
    uow: UnitOfWork, command: RunAllowances, command_id: UUID | None = None
) -> list[Envelope]:
    """Idempotent per year: each allowance's yearly cause pays once, whatever the runs."""
    return await _on_programme(
        uow,
        command.programme_id,
        lambda programme: programme.run_allowances(command.year, command.run_on or _today().date()),
        command_id,
    )


async def note_exhausted(uow_of: Callable[[], UnitOfWork], refused: BudgetExhausted) -> None:
    """Record BudgetExhausted for a refused command, in a transaction of its own (once)."""

    async def note() -> None:
        async with one_writer(refused.programme_id), uow_of() as uow:
            programme = await uow.require(
                Programme, refused.programme_id, f"no programme {refused.programme_id}"
            )
            programme.note_exhausted(refused.amount, refused.cause)
            if programme.pending:
                await uow.commit()
                _warn_exhausted(programme)

    await retrying_conflicts(note)


def grant_command_id(causing_event_id: UUID, programme_id: str) -> UUID:
    return derived_uuid(causing_event_id, f"rewards.grant:{programme_id}")


async def _commit_policy(uow: UnitOfWork, programme_id: str, causing: Envelope) -> bool:
    try:
        await uow.commit(
            correlation_id=causing.correlation_id,
            causation_id=causing.event_id,
            command_id=grant_command_id(causing.event_id, programme_id),
        )
    except DuplicateCommand:
        return False
    return True


async def grant_reward(uow: UnitOfWork, command: GrantReward, causing: Envelope) -> Granted:
    """Grant once per cause and never past the budget (BudgetExhausted recorded once).

    The command id derives from the causing event, so a redelivered trigger cannot
    grant twice even where the programme's own memory of causes were bypassed.
    """
    async with one_writer(command.programme_id), uow:
        programme = await uow.get(Programme, command.programme_id)
        if programme is None:
            return Granted.NO_PROGRAMME
        try:
            programme.grant(
                worker_id=command.worker_id,
                enterprise_id=command.enterprise_id,
                reason=command.reason,
                caused_by=command.caused_by,
            )
        except AlreadyGranted:
            return Granted.ALREADY_GRANTED
        except BudgetExhausted as refused:
            programme.note_exhausted(refused.amount, refused.cause)
            if programme.pending and await _commit_policy(uow, command.programme_id, causing):
                _warn_exhausted(programme, command.worker_id)
            return Granted.BUDGET_EXHAUSTED
        return (
            Granted.GRANTED
            if await _commit_policy(uow, command.programme_id, causing)
            else Granted.ALREADY_GRANTED
        )


async def reward_cause(
    uow: UnitOfWork, programme_id: str, cause: Cause, reason: str, causing: Envelope
) -> Granted:
    """The policy's path: whatever the programme pays for this cause (a grant, an allowance
    started), committed with an id derived from the causing event."""
    async with one_writer(programme_id), uow:
        programme = await uow.get(Programme, programme_id)
        if programme is None:
            return Granted.NO_PROGRAMME
        outcome = decide_reward(programme, cause, caused_by=causing.event_id, reason=reason)
        if programme.pending and not await _commit_policy(uow, programme_id, causing):
            return Granted.ALREADY_GRANTED
        return outcome


async def stop_allowance(
    uow: UnitOfWork, programme_id: str, worker_id: str, held: str, reason: str, causing: Envelope
) -> bool:
    async with one_writer(programme_id), uow:
        programme = await uow.get(Programme, programme_id)
        if programme is None:
            return False
        stopped = programme.stop_allowance(
            worker_id, held=held, on=causing.occurred_at.date(), reason=reason, caused_by=causing.event_id
        )
        return stopped and await _commit_policy(uow, programme_id, causing)
