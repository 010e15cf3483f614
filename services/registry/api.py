"""HTTP boundary of the registry: commands in, read models out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from chassis.errors import NotFound
from chassis.http import IdempotencyKey, execute
from chassis.service import RuntimeDep
from contracts.primitives import Identifier, Text
from contracts.vocabulary import TitleLevel
from services.registry import handlers, imports
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.queries import ProfileQueries

router = APIRouter(tags=["registry"])
router.include_router(imports.router)


@router.post("/enterprises", status_code=status.HTTP_201_CREATED)
async def register_enterprise(
    command: RegisterEnterprise, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await execute(runtime, handlers.register_enterprise, command, idempotency_key)


@router.post("/workers", status_code=status.HTTP_201_CREATED)
async def register_worker(
    command: RegisterWorker, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await execute(runtime, handlers.register_worker, command, idempotency_key)


@router.post("/workers/{worker_id}/nominations", status_code=status.HTTP_201_CREATED)
async def nominate_worker(
    worker_id: Identifier,
    runtime: RuntimeDep,
    nomination_id: Annotated[Identifier, Body()],
    nominated_by: Annotated[Identifier, Body()],
    reason: Annotated[Text, Body()],
    level: Annotated[TitleLevel, Body()] = TitleLevel.ENTERPRISE,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    command = NominateWorker(
        worker_id=worker_id,
        nomination_id=nomination_id,
        level=level,
        nominated_by=nominated_by,
        reason=reason,
    )
    return await execute(runtime, handlers.nominate_worker, command, idempotency_key)


@router.get("/workers/{worker_id}/profile")
async def worker_profile(worker_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        profile = await ProfileQueries(session).profile(worker_id)
    if profile is None:
        raise NotFound(f"no profile for worker {worker_id} (yet)")
    return profile


@router.get("/enterprises/{enterprise_id}/roster")
async def roster(enterprise_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        return {
            "enterprise_id": enterprise_id,
            "workers": await ProfileQueries(session).roster(enterprise_id),
        }
