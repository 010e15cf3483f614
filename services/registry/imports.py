"""Batch imports into the registry: an enterprise's HR system registers its workers in bulk."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from pydantic import ValidationError

from chassis.errors import DomainRuleViolated
from chassis.imports import Decision, ImportAnswer, ImportRequest, import_batch
from chassis.service import RuntimeDep
from chassis.unit_of_work import UnitOfWork
from services.registry.commands import RegisterWorker
from services.registry.domain import Enterprise, Worker

router = APIRouter(tags=["registry imports"])


@router.post("/workers/import")
async def import_workers(request: ImportRequest, runtime: RuntimeDep) -> ImportAnswer:
    """Register many workers at once; each item is accepted or refused with its reason."""
    return await import_batch(runtime.unit_of_work(), RegisterWorker, request.items, register_workers)


async def register_workers(uow: UnitOfWork, commands: Sequence[RegisterWorker]) -> list[Decision]:
    """The batch form of handlers.register_worker: the same rules, one query per kind of fact."""
    taken = await uow.existing(Worker, [command.worker_id for command in commands])
    enterprises: dict[str, Enterprise | None] = {}
    decisions: list[Decision] = []
    for command in commands:
        if command.worker_id in taken:
            decisions.append(f"worker {command.worker_id} is registered already")
            continue
        if command.enterprise_id not in enterprises:
            enterprises[command.enterprise_id] = await uow.get(Enterprise, command.enterprise_id)
        enterprise = enterprises[command.enterprise_id]
        if enterprise is None:
            decisions.append(f"enterprise {command.enterprise_id} is not registered")
            continue
        try:
            worker = Worker.register(
                command.worker_id,
                enterprise=enterprise,
                full_name=command.full_name,
                trade=command.trade,
                skill_level=command.skill_level,
                hired_on=command.hired_on,
            )
        except (DomainRuleViolated, ValidationError) as error:
            decisions.append(str(error))
            continue
        taken.add(command.worker_id)  # a second item for the same worker is refused
        decisions.append(worker)
    return decisions
