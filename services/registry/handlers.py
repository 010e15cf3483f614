"""Command handlers and the promotion policy: plain functions over a unit of work."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.errors import DomainRuleViolated
from chassis.unit_of_work import DuplicateCommand, UnitOfWork, policy_command
from contracts.envelope import Envelope
from contracts.events.training import CertificateAwarded
from contracts.vocabulary import TierRank
from services.registry.commands import ForgetWorker, NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.domain import Enterprise, Worker
from services.registry.ladder import DEFAULT_LADDER, due_promotion
from services.registry.vault import PersonalData, Vault, kept_rows


async def register_enterprise(
    uow: UnitOfWork, command: RegisterEnterprise, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        await uow.ensure_new(
            Enterprise, command.enterprise_id, f"enterprise {command.enterprise_id} is registered already"
        )
        uow.track(new_enterprise(command))
        return await uow.commit(command_id=command_id)


def new_enterprise(command: RegisterEnterprise) -> Enterprise:
    """The enterprise as registered (one rule for POST /enterprises and its batch form)."""
    return Enterprise.register(
        command.enterprise_id,
        name=command.name,
        region_id=command.region_id,
        industry=command.industry,
        tier_labels=command.tier_labels,
    )


async def register_worker(
    uow: UnitOfWork, command: RegisterWorker, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        enterprise = await uow.get(Enterprise, command.enterprise_id)
        if enterprise is None:
            raise DomainRuleViolated(f"enterprise {command.enterprise_id} is not registered")
        await uow.ensure_new(Worker, command.worker_id, f"worker {command.worker_id} is registered already")
        uow.track(
            Worker.register(
                command.worker_id,
                enterprise=enterprise,
                trade=command.trade,
                skill_level=command.skill_level,
                hired_on=command.hired_on,
                post=command.post,
                front_line=command.front_line,
            )
        )
        keep_personal_data(uow, command)
        return await uow.commit(command_id=command_id)


def keep_personal_data(uow: UnitOfWork, command: RegisterWorker) -> None:
    """The person's data goes to the vault with the registration's event (all or none; on
    Postgres in the append's own statement)."""
    if command.full_name is None:
        return  # e.g. an HR system's hire, which carries no personal data
    data = PersonalData(full_name=command.full_name, national_id=command.national_id, phone=command.phone)
    for table, row in kept_rows(command.worker_id, data):
        uow.also_insert(table, functools.partial(_just, row))


def _just(row: dict[str, Any], _: list[Envelope]) -> list[dict[str, Any]]:
    return [row]


async def forget_worker(
    uow: UnitOfWork, command: ForgetWorker, command_id: UUID | None = None
) -> list[Envelope]:
    """Crypto-shredding: the key goes, WorkerForgotten tells every reader, the facts stay."""
    async with uow:
        worker = await uow.require(Worker, command.worker_id, f"worker {command.worker_id} is not registered")
        worker.forget(command.forgotten_on)

        async def shred(session: AsyncSession, _: list[Envelope]) -> None:
            await Vault(session).forget(command.worker_id, command.forgotten_on)

        uow.also_write(shred)
        return await uow.commit(command_id=command_id)


async def nominate_worker(
    uow: UnitOfWork, command: NominateWorker, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        worker = await uow.require(Worker, command.worker_id, f"worker {command.worker_id} is not registered")
        worker.nominate(
            command.nomination_id,
            level=command.level,
            nominated_by=command.nominated_by,
            reason=command.reason,
        )
        return await uow.commit(command_id=command_id)


def due_step(worker: Worker | None, points: Decimal, on: date) -> TierRank | None:
    """The tier the worker may climb to on `on`, if any (none once they left)."""
    if worker is None or worker.left_on:
        return None
    return due_promotion(worker.standing(points), on, DEFAULT_LADDER)


def promote_to(
    worker: Worker, due: TierRank, enterprise: Enterprise | None, points: Decimal, on: date
) -> None:
    worker.promote(
        due,
        label=enterprise.label_of(due) if enterprise else due.value,
        effective_on=on,
        reason=f"every floor of {due} holds: skill {worker.skill_level}, {points} points",
        points=points,
    )


def certify_once(worker: Worker | None, awarded: CertificateAwarded) -> bool:
    """Training's certificate as the worker's certified skill level, unless it is recorded already."""
    if worker is None or awarded.certificate_id in worker.certificates:
        return False
    worker.certify(
        awarded.certificate_id,
        skill_level=awarded.skill_level,
        occupation=awarded.occupation,
        issuer_id=awarded.issuer_id,
        issuer_kind=awarded.issuer_kind,
        certified_on=awarded.issued_on,
    )
    return True


async def climb_the_ladder(
    uow: UnitOfWork, worker_id: str, points: Decimal, causing: Envelope
) -> TierRank | None:
    """Policy: promote a worker one tier when every floor of the next one holds.

    Runs whenever the worker's standing changes (registered, certified, points). The
    command id derives from the causing event, so a redelivered trigger cannot promote twice.
    """
    async with uow:
        worker = await uow.get(Worker, worker_id)
        on = causing.occurred_at.date()
        due = due_step(worker, points, on)
        if worker is None or due is None:
            return None
        promote_to(worker, due, await uow.get(Enterprise, worker.enterprise_id), points, on)
        try:
            await uow.commit(**policy_command(causing, "registry.ladder"))
        except DuplicateCommand:
            return None
        return due


async def certify_from_training(uow: UnitOfWork, awarded: CertificateAwarded, causing: Envelope) -> bool:
    """Policy: training's certificate becomes the worker's certified skill level, once."""
    async with uow:
        if not certify_once(await uow.get(Worker, awarded.worker_id), awarded):
            return False
        try:
            await uow.commit(**policy_command(causing, "registry.certify"))
        except DuplicateCommand:
            return False
        return True
