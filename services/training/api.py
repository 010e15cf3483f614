"""HTTP boundary of the training service: commands in, read models out, each with its
access rule (a worker's records belong to the worker's enterprise)."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, status

from chassis.auth import Role
from chassis.auth_http import Guard, requires
from chassis.http import COMMAND_RESPONSES, READ_RESPONSES, Call, CommandAccepted, read, read_or_404
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.training import batch_api, command_api, handlers, imports, read_api
from services.training.commands import AwardCertificate, RecordCompletion
from services.training.queries import (
    CertificateAnswer,
    CompletionAnswer,
    FailureAnswer,
    KnownWorkerAnswer,
    LearningRecord,
    TrainingQueries,
)
from services.training.reports import Reports
from services.training.rules import TrainingRules
from services.training.settings import configured_rules
from services.training.xapi import statement

router = APIRouter(tags=["training"])
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE
RECORDERS = requires(CITY, HR, SERVICE)
READERS = requires(CITY, COUNTY, HR, SERVICE, hide=True)  # a worker's: also their region's union
router.include_router(imports.router)
router.include_router(batch_api.router)
router.include_router(command_api.router)
router.include_router(read_api.router)


async def _check_worker(
    runtime: RuntimeDep, guard: Guard, worker_id: str, missing: str = "not found"
) -> None:
    tenant = await read(runtime, lambda session: TrainingQueries(session).worker_tenant(worker_id))
    guard.check(tenant, missing=missing)


@router.post("/completions", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def record_completion(
    command: RecordCompletion, call: Call, runtime: RuntimeDep, guard: Annotated[Guard, RECORDERS]
) -> CommandAccepted:
    await _check_worker(runtime, guard, command.worker_id)
    return await call.execute(handlers.record_completion, command)


@router.post("/certificates", status_code=status.HTTP_201_CREATED, responses=COMMAND_RESPONSES)
async def award_certificate(
    command: AwardCertificate,
    call: Call,
    runtime: RuntimeDep,
    guard: Annotated[Guard, RECORDERS],
    rules: Annotated[TrainingRules, Depends(configured_rules)],
) -> CommandAccepted:
    await _check_worker(runtime, guard, command.worker_id)
    return await call.execute(partial(handlers.award_certificate, rules=rules), command)


@router.get("/workers/{worker_id}", responses=READ_RESPONSES)
async def known_worker(
    worker_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, READERS]
) -> KnownWorkerAnswer:
    missing = f"worker {worker_id} is not known to training yet"
    await _check_worker(runtime, guard, worker_id, missing)
    worker = await read_or_404(
        runtime, lambda session: TrainingQueries(session).known_worker(worker_id), missing
    )
    return KnownWorkerAnswer.model_validate(worker, from_attributes=True)


@router.get("/workers/{worker_id}/learning-record", responses=READ_RESPONSES)
async def learning_record(
    worker_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, READERS]
) -> LearningRecord:
    missing = f"worker {worker_id} is not known to training yet"
    await _check_worker(runtime, guard, worker_id, missing)
    await read_or_404(runtime, lambda session: TrainingQueries(session).known_worker(worker_id), missing)
    completions = await read(runtime, lambda session: TrainingQueries(session).completions(worker_id))
    failures = await read(runtime, lambda session: Reports(session).failures(worker_id))
    certificates = await read(runtime, lambda session: Reports(session).certificates_of(worker_id))
    return LearningRecord(
        worker_id=worker_id,
        total_hours=sum(completion.hours for completion in completions),
        completions=[
            CompletionAnswer(**asdict(completion), xapi=statement(completion)) for completion in completions
        ],
        failures=[FailureAnswer.model_validate(failure, from_attributes=True) for failure in failures],
        certificates=[CertificateAnswer.model_validate(held, from_attributes=True) for held in certificates],
    )
