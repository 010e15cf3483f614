"""HTTP boundary of the training service: commands in, read models out."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, status

from chassis.errors import NotFound
from chassis.http import IdempotencyKey, execute
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.training import handlers, imports
from services.training.commands import AwardCertificate, RecordCompletion
from services.training.queries import TrainingQueries
from services.training.xapi import statement

router = APIRouter(tags=["training"])
router.include_router(imports.router)


@router.post("/completions", status_code=status.HTTP_201_CREATED)
async def record_completion(
    command: RecordCompletion, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await execute(runtime, handlers.record_completion, command, idempotency_key)


@router.post("/certificates", status_code=status.HTTP_201_CREATED)
async def award_certificate(
    command: AwardCertificate, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    return await execute(runtime, handlers.award_certificate, command, idempotency_key)


@router.get("/workers/{worker_id}")
async def known_worker(worker_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        worker = await TrainingQueries(session).known_worker(worker_id)
    if worker is None:
        raise NotFound(f"worker {worker_id} is not known to training yet")
    return asdict(worker)


@router.get("/workers/{worker_id}/learning-record")
async def learning_record(worker_id: Identifier, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.readers() as session:
        queries = TrainingQueries(session)
        worker = await queries.known_worker(worker_id)
        completions = await queries.completions(worker_id)
    if worker is None:
        raise NotFound(f"worker {worker_id} is not known to training yet")
    return {
        "worker_id": worker_id,
        "total_hours": sum(completion.hours for completion in completions),
        "completions": [
            {**asdict(completion), "xapi": statement(completion, full_name=worker.full_name)}
            for completion in completions
        ],
    }
