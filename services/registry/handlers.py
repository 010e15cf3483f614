"""Command handlers and the promotion policy: plain functions over a unit of work."""

from __future__ import annotations

from uuid import UUID

from chassis.errors import DomainRuleViolated
from chassis.unit_of_work import DuplicateCommand, UnitOfWork
from contracts.envelope import Envelope
from contracts.ids import derived_uuid
from contracts.vocabulary import TierRank
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.domain import Enterprise, SeedProgress, Worker, seed_promotion_due


async def register_enterprise(
    uow: UnitOfWork, command: RegisterEnterprise, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        await uow.ensure_new(
            Enterprise, command.enterprise_id, f"enterprise {command.enterprise_id} is registered already"
        )
        uow.track(
            Enterprise.register(
                command.enterprise_id,
                name=command.name,
                region_id=command.region_id,
                industry=command.industry,
                tier_labels=command.tier_labels,
            )
        )
        return await uow.commit(command_id=command_id)


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
                full_name=command.full_name,
                trade=command.trade,
                skill_level=command.skill_level,
                hired_on=command.hired_on,
            )
        )
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


async def promote_when_due(
    uow: UnitOfWork, worker_id: str, progress: SeedProgress, causing: Envelope
) -> bool:
    """Policy: promote to seed craftsman once the rule holds. Returns whether it promoted.

    The command id derives from the causing event, so a redelivered trigger cannot
    promote twice even if the inbox were lost.
    """
    async with uow:
        worker = await uow.get(Worker, worker_id)
        if worker is None or not seed_promotion_due(progress, worker.tier):
            return False
        enterprise = await uow.get(Enterprise, worker.enterprise_id)
        label = enterprise.label_of(TierRank.SEED) if enterprise else TierRank.SEED.value
        worker.promote(
            TierRank.SEED,
            label=label,
            effective_on=causing.occurred_at.date(),
            reason="nominated, trained and scored in a contest",
        )
        try:
            await uow.commit(
                correlation_id=causing.correlation_id,
                causation_id=causing.event_id,
                command_id=derived_uuid(causing.event_id, "registry.promote-seed"),
            )
        except DuplicateCommand:
            return False
        return True
