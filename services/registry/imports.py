"""Batch imports into the registry: an enterprise's HR system registers its workers in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Annotated

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Role, Tenant
from chassis.auth_http import Guard, requires
from chassis.errors import DomainRuleViolated
from chassis.http import read
from chassis.imports import IMPORT_RESPONSES, Decision, ImportAnswer, ImportRequest, import_batch, item_values
from chassis.service import RuntimeDep
from chassis.unit_of_work import UnitOfWork
from services.registry.commands import RegisterWorker
from services.registry.domain import Enterprise, Worker
from services.registry.handlers import keep_personal_data
from services.registry.queries import ProfileQueries

router = APIRouter(tags=["registry imports"])


@router.post("/workers/import", responses=IMPORT_RESPONSES)
async def import_workers(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR)],
) -> ImportAnswer:
    """Register many workers at once; each item is accepted or refused with its reason.

    The caller must be in scope of every enterprise the items name (403 otherwise)."""
    for enterprise_id in item_values(request.items, "enterprise_id"):
        known = await read(runtime, partial(_enterprise_tenant, enterprise_id))
        guard.check(known or Tenant(enterprise_id=enterprise_id))
    return await import_batch(runtime.unit_of_work(), RegisterWorker, request.items, register_workers)


async def _enterprise_tenant(enterprise_id: str, session: AsyncSession) -> Tenant | None:
    return await ProfileQueries(session).enterprise_tenant(enterprise_id)


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
                trade=command.trade,
                skill_level=command.skill_level,
                hired_on=command.hired_on,
                post=command.post,
                front_line=command.front_line,
            )
        except (DomainRuleViolated, ValidationError) as error:
            decisions.append(str(error))
            continue
        taken.add(command.worker_id)  # a second item for the same worker is refused
        keep_personal_data(uow, command)
        decisions.append(worker)
    return decisions
