"""Batch imports into the registry: a union registers its enterprises in bulk, an enterprise's HR
system its workers, a union or an enterprise many skill certificates at once."""

from __future__ import annotations

from collections.abc import Sequence, Set
from functools import partial
from typing import Annotated

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.auth import Decision as Access
from chassis.auth import Role, Tenant, decide
from chassis.auth_http import Guard, requires
from chassis.errors import DomainRuleViolated
from chassis.http import read
from chassis.imports import (
    IMPORT_RESPONSES,
    Changed,
    Decision,
    ImportAnswer,
    ImportRequest,
    import_batch,
    item_values,
)
from chassis.service import RuntimeDep
from chassis.unit_of_work import UnitOfWork
from services.registry.commands import RegisterEnterprise, RegisterWorker
from services.registry.domain import Enterprise, Worker
from services.registry.handlers import keep_personal_data, new_enterprise
from services.registry.queries import ProfileQueries
from services.registry.selection_commands import CertifySkill
from services.registry.selection_handlers import certify

router = APIRouter(tags=["registry imports"])


@router.post("/workers/import", responses=IMPORT_RESPONSES)
async def import_workers(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR)],
) -> ImportAnswer:
    """Register many workers at once; each item is accepted or refused with its reason.

    The caller must be in scope of every enterprise the items name (403 otherwise)."""
    enterprise_ids = item_values(request.items, "enterprise_id")
    known = await read(runtime, partial(_enterprise_tenants, enterprise_ids))  # one query for all
    for enterprise_id in enterprise_ids:
        guard.check(known.get(enterprise_id) or Tenant(enterprise_id=enterprise_id))
    return await import_batch(runtime.unit_of_work, RegisterWorker, request.items, register_workers)


async def _enterprise_tenants(enterprise_ids: list[str], session: AsyncSession) -> dict[str, Tenant]:
    return await ProfileQueries(session).enterprise_tenants(enterprise_ids)


async def register_workers(uow: UnitOfWork, commands: Sequence[RegisterWorker]) -> list[Decision]:
    """The batch form of handlers.register_worker: the same rules, one query per kind of fact."""
    taken = await uow.existing(Worker, [command.worker_id for command in commands])
    enterprises = await uow.load_many(Enterprise, {command.enterprise_id for command in commands})
    decisions: list[Decision] = []
    for command in commands:
        if command.worker_id in taken:
            decisions.append(f"worker {command.worker_id} is registered already")
            continue
        enterprise = enterprises.get(command.enterprise_id)
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


@router.post("/skill-certificates/import", responses=IMPORT_RESPONSES)
async def import_skill_certificates(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR)],
) -> ImportAnswer:
    """Record many skill certificates at once (the batch form of POST /skill-certificates, same
    rule); each item is accepted or refused with its reason.

    The caller must be in scope of every worker the items name (403 otherwise); a worker the
    read models do not know yet is refused on its own unless the caller reaches the whole city."""
    worker_ids = item_values(request.items, "worker_id")
    tenants = await read(runtime, partial(_worker_tenants, worker_ids))
    for tenant in set(tenants.values()):
        guard.check(tenant)
    citywide = decide(guard.principal, guard.rule, Tenant()) is Access.ALLOW
    unseen = set() if citywide else set(worker_ids) - tenants.keys()
    return await import_batch(
        runtime.unit_of_work,
        CertifySkill,
        request.items,
        lambda uow, commands: certify_skills(uow, commands, unseen),
    )


async def _worker_tenants(worker_ids: list[str], session: AsyncSession) -> dict[str, Tenant]:
    return await ProfileQueries(session).worker_tenants(worker_ids)


async def certify_skills(
    uow: UnitOfWork, commands: Sequence[CertifySkill], out_of_sight: Set[str] = frozenset()
) -> list[Decision]:
    """The batch form of selection_handlers.certify_skill: the same rule (`certify`), every worker
    loaded in two statements. Items about one worker are decided in order on the state the
    items before left (a certificate sent twice is refused the second time)."""
    workers = await uow.load_many(Worker, [command.worker_id for command in commands])
    decisions: list[Decision] = []
    for command in commands:
        worker = workers.get(command.worker_id)
        if command.worker_id in out_of_sight:
            decisions.append(f"worker {command.worker_id} is not known to the registry's profiles yet")
            continue
        if worker is None:
            decisions.append(f"worker {command.worker_id} is not registered")
            continue
        try:
            certify(worker, command)
        except DomainRuleViolated as error:
            decisions.append(str(error))
            continue
        decisions.append(Changed(worker, events=1))  # one worker may take several items
    return decisions


@router.post("/enterprises/import", responses=IMPORT_RESPONSES)
async def import_enterprises(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(Role.CITY_UNION, Role.COUNTY_UNION)],
) -> ImportAnswer:
    """Register many enterprises at once (the batch form of POST /enterprises); each item is
    accepted or refused with its reason. The caller must be in scope of every region the items
    name (403 otherwise)."""
    for item in request.items:
        enterprise_id, region_id = item.get("enterprise_id"), item.get("region_id")
        if isinstance(enterprise_id, str) and isinstance(region_id, str):
            guard.check(Tenant(enterprise_id=enterprise_id, region_id=region_id))
    return await import_batch(runtime.unit_of_work, RegisterEnterprise, request.items, register_enterprises)


async def register_enterprises(uow: UnitOfWork, commands: Sequence[RegisterEnterprise]) -> list[Decision]:
    """The batch form of handlers.register_enterprise: the same rule, one existence query."""
    taken = await uow.existing(Enterprise, [command.enterprise_id for command in commands])
    decisions: list[Decision] = []
    for command in commands:
        if command.enterprise_id in taken:
            decisions.append(f"enterprise {command.enterprise_id} is registered already")
            continue
        taken.add(command.enterprise_id)  # a second item for the same enterprise is refused
        decisions.append(new_enterprise(command))
    return decisions
