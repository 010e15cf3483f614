"""HTTP boundary of the rewards service: commands in, read models out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from chassis.errors import NotFound
from chassis.http import IdempotencyKey, execute
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.rewards import handlers
from services.rewards.commands import OpenProgramme
from services.rewards.queries import RewardQueries

router = APIRouter(tags=["rewards"])


@router.post("/programmes", status_code=status.HTTP_201_CREATED)
async def open_programme(
    command: OpenProgramme, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await execute(runtime, handlers.open_programme, command, idempotency_key)


@router.get("/programmes/{programme_id}")
async def programme(programme_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        found = await RewardQueries(session).programme(programme_id)
    if found is None:
        raise NotFound(f"no programme {programme_id} (yet)")
    return found


@router.get("/grants")
async def grant_ledger(
    runtime: RuntimeDep,
    worker_id: Identifier | None = None,
    enterprise_id: Identifier | None = None,
    programme_id: Identifier | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    async with runtime.readers() as session:
        found = await RewardQueries(session).grants(
            worker_id=worker_id, enterprise_id=enterprise_id, programme_id=programme_id, limit=limit
        )
    return {"grants": found}


@router.get("/workers/{worker_id}/tier")
async def worker_tier(worker_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        found = await RewardQueries(session).worker_tier(worker_id)
    if found is None:
        raise NotFound(f"no tier known for worker {worker_id} (yet)")
    return found
