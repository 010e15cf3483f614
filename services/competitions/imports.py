"""Batch imports into competitions: a contest's judges send their marks in bulk."""

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
from services.competitions.commands import RecordMark
from services.competitions.domain import Contest
from services.competitions.queries import CompetitionsQueries, find_known_workers, unknown_worker

router = APIRouter(tags=["competitions imports"])


@router.post("/marks/import", responses=IMPORT_RESPONSES)
async def import_marks(
    request: ImportRequest,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(Role.CITY_UNION, Role.COUNTY_UNION)],
) -> ImportAnswer:
    """Record many marks at once; each item is accepted or refused with its reason.

    The caller must organise every contest the items name (403 otherwise)."""
    for contest_id in item_values(request.items, "contest_id"):
        guard.check(await read(runtime, partial(_contest_tenant, contest_id)))
    return await import_batch(runtime.unit_of_work(), RecordMark, request.items, record_marks)


async def _contest_tenant(contest_id: str, session: AsyncSession) -> Tenant:
    return await CompetitionsQueries(session).contest_tenant(contest_id)


async def record_marks(uow: UnitOfWork, commands: Sequence[RecordMark]) -> list[Decision]:
    """The batch form of handlers.record_mark: the same rules, the facts fetched in bulk."""
    workers = await find_known_workers(uow.active, [c.worker_id for c in commands])
    contests: dict[str, Contest | None] = {}
    decisions: list[Decision] = []
    for command in commands:
        if command.contest_id not in contests:
            contests[command.contest_id] = await uow.get(Contest, command.contest_id)
        contest = contests[command.contest_id]
        if contest is None:
            decisions.append(f"contest {command.contest_id} is not open")
            continue
        worker = workers.get(command.worker_id)
        if worker is None:
            decisions.append(unknown_worker(command.worker_id))
            continue
        try:
            contest.record_mark(
                worker.worker_id,
                enterprise_id=worker.enterprise_id,
                raw_score=command.raw_score,
                judged_by=command.judged_by,
            )
        except (DomainRuleViolated, ValidationError) as error:
            decisions.append(str(error))
            continue
        decisions.append(contest)
    return decisions
