"""Batch imports into training: a course provider reports its completions in bulk."""

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
from services.training.commands import RecordCompletion
from services.training.domain import Enrolment
from services.training.queries import KnownWorker, find_known_workers, unknown_worker

router = APIRouter(tags=["training imports"])


@router.post("/completions/import", responses=IMPORT_RESPONSES)
async def import_completions(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(Role.CITY_UNION, Role.ENTERPRISE_HR, Role.SERVICE)],
) -> ImportAnswer:
    """Record many course completions at once; each item is accepted or refused with its reason.

    The caller must be in scope of every known worker's enterprise (403 otherwise)."""
    workers = await read(runtime, partial(_known, item_values(request.items, "worker_id")))
    for enterprise_id in sorted({worker.enterprise_id for worker in workers.values()}):
        guard.check(Tenant(enterprise_id=enterprise_id))
    return await import_batch(runtime.unit_of_work, RecordCompletion, request.items, record_completions)


async def _known(worker_ids: list[str], session: AsyncSession) -> dict[str, KnownWorker]:
    return await find_known_workers(session, worker_ids)


async def record_completions(uow: UnitOfWork, commands: Sequence[RecordCompletion]) -> list[Decision]:
    """The batch form of handlers.record_completion: the same rules, the facts fetched in bulk."""
    workers = await find_known_workers(uow.active, [c.worker_id for c in commands])
    started = await uow.existing(Enrolment, [c.enrolment_id for c in commands])
    enrolments: dict[str, Enrolment] = {}
    decisions: list[Decision] = []
    for command in commands:
        worker = workers.get(command.worker_id)
        if worker is None:
            decisions.append(unknown_worker(command.worker_id))
            continue
        enrolment = enrolments.get(command.enrolment_id)
        if enrolment is None:
            loaded = (
                await uow.get(Enrolment, command.enrolment_id) if command.enrolment_id in started else None
            )
            enrolment = loaded or Enrolment(command.enrolment_id, tenant=worker.enterprise_id)
            enrolments[command.enrolment_id] = enrolment
        try:
            enrolment.complete(
                worker_id=worker.worker_id,
                course_id=command.course_id,
                course_title=command.course_title,
                hours=command.hours,
                completed_on=command.completed_on,
                provider=command.provider,
            )
        except (DomainRuleViolated, ValidationError) as error:
            decisions.append(str(error))
            continue
        decisions.append(enrolment)
    return decisions
