"""Command handlers: plain functions over a unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from chassis.unit_of_work import DuplicateCommand, UnitOfWork
from contracts.envelope import Envelope
from contracts.ids import derived_uuid
from services.rewards.commands import GrantReward, OpenProgramme
from services.rewards.domain import AlreadyGranted, BudgetExhausted, Programme


class Granted(StrEnum):
    """What became of one grant the policy asked for."""

    GRANTED = "granted"
    ALREADY_GRANTED = "already_granted"
    BUDGET_EXHAUSTED = "budget_exhausted"
    NO_PROGRAMME = "no_programme"


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
                opened_on=command.opened_on or datetime.now(UTC).date(),
            )
        )
        return await uow.commit(command_id=command_id)


def grant_command_id(causing_event_id: UUID, programme_id: str) -> UUID:
    return derived_uuid(causing_event_id, f"rewards.grant:{programme_id}")


async def grant_reward(uow: UnitOfWork, command: GrantReward, causing: Envelope) -> Granted:
    """Grant once per cause and never past the budget.

    The command id derives from the causing event, so a redelivered trigger cannot
    grant twice even where the programme's own memory of causes were bypassed.
    """
    async with uow:
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
        except BudgetExhausted:
            return Granted.BUDGET_EXHAUSTED
        try:
            await uow.commit(
                correlation_id=causing.correlation_id,
                causation_id=causing.event_id,
                command_id=grant_command_id(causing.event_id, command.programme_id),
            )
        except DuplicateCommand:
            return Granted.ALREADY_GRANTED
        return Granted.GRANTED
