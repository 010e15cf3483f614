"""HTTP reads of training: rosters and fill rates, masters' apprentices, innovation counters,
visit statistics, and the interchange formats (xAPI statements, Open Badges 3.0 credentials)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from chassis.auth import Role, Tenant
from chassis.auth_http import PUBLIC, Guard, requires
from chassis.http import READ_RESPONSES, read, read_or_404
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.training.badges import open_badge_credential, revocation_list
from services.training.queries import TrainingQueries
from services.training.reports import (
    FillRate,
    InnovationCounter,
    MasterApprentices,
    Reports,
    Roster,
    StatementResult,
    VisitStatistics,
)
from services.training.xapi import statement

router = APIRouter(tags=["training reads"])
STATEMENTS_PER_CHUNK = 500
CITY, COUNTY, HR, SERVICE = Role.CITY_UNION, Role.COUNTY_UNION, Role.ENTERPRISE_HR, Role.SERVICE
OWN_RECORDS = requires(CITY, HR, SERVICE, hide=True)  # the record's enterprise, or citywide
WORKER_RECORDS = requires(CITY, COUNTY, HR, SERVICE, hide=True)  # a worker's: also their region's union
UNIONS_AND_SERVICES = requires(CITY, COUNTY, SERVICE)  # a county union: its region's figures
CITYWIDE = requires(CITY, SERVICE)


async def _worker_in_scope(runtime: RuntimeDep, guard: Guard, worker_id: str) -> None:
    missing = f"worker {worker_id} is not known to training yet"
    guard.check(
        await read(runtime, lambda session: TrainingQueries(session).worker_tenant(worker_id)),
        missing=missing,
    )


@router.get("/workers/{worker_id}/xapi", responses=READ_RESPONSES)
async def worker_statements(
    worker_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, WORKER_RECORDS]
) -> StatementResult:
    """The worker's learning record as xAPI statements (completed, passed, failed, attended)."""
    await _worker_in_scope(runtime, guard, worker_id)
    entries = await read(runtime, lambda session: Reports(session).learning_entries(worker_id))
    return StatementResult(statements=[statement(entry) for entry in entries])


@router.get("/xapi/statements", responses={**READ_RESPONSES, 200: {"model": StatementResult}})
async def all_statements(runtime: RuntimeDep, guard: Annotated[Guard, CITYWIDE]) -> StreamingResponse:
    """Every learning record as one xAPI StatementResult, streamed as it is read (bulk export
    to a learning record store or an HR system)."""
    guard.check(Tenant())

    async def body() -> AsyncIterator[bytes]:
        # Statements go out in chunks of a few hundred: one write per statement costs more
        # than the statement.
        chunk: list[str] = []
        separator = ""
        yield b'{"statements":['
        async with runtime.readers() as session:
            async for entry in Reports(session).stream_learning_entries():
                chunk.append(separator + json.dumps(statement(entry), ensure_ascii=False))
                separator = ","
                if len(chunk) >= STATEMENTS_PER_CHUNK:
                    yield "".join(chunk).encode()
                    chunk.clear()
        yield ("".join(chunk) + '],"more":""}').encode()

    return StreamingResponse(body(), media_type="application/json")


@router.get("/certificates/{certificate_id}/credential", responses=READ_RESPONSES)
async def certificate_credential(
    certificate_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, WORKER_RECORDS]
) -> dict[str, Any]:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned)."""
    missing = f"no certificate {certificate_id} (yet)"
    guard.check(
        await read(runtime, lambda session: Reports(session).certificate_tenant(certificate_id)),
        missing=missing,
    )
    record = await read_or_404(runtime, lambda session: Reports(session).certificate(certificate_id), missing)
    return open_badge_credential(record)


@router.get("/credentials/{certificate_id}/status", responses=READ_RESPONSES)
async def credential_status(
    certificate_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, PUBLIC]
) -> dict[str, Any]:
    """The credential's revocation status (1EdTech Revocation List): public, for verifiers."""
    missing = f"no credential {certificate_id}"
    record = await read_or_404(runtime, lambda session: Reports(session).certificate(certificate_id), missing)
    return revocation_list(record)


@router.get("/classes/{class_id}/roster", responses=READ_RESPONSES)
async def class_roster(
    class_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, OWN_RECORDS]
) -> Roster:
    missing = f"class {class_id} is not known (yet)"
    guard.check(await read(runtime, lambda session: Reports(session).class_tenant(class_id)), missing=missing)
    return await read_or_404(runtime, lambda session: Reports(session).roster(class_id), missing)


@router.get("/fill-rates", responses=READ_RESPONSES)
async def fill_rates(runtime: RuntimeDep, guard: Annotated[Guard, CITYWIDE]) -> list[FillRate]:
    """Places offered and taken per school and major."""
    guard.check(Tenant())
    return await read(runtime, lambda session: Reports(session).fill_rates())


@router.get("/masters/{worker_id}/apprentices", responses=READ_RESPONSES)
async def master_apprentices(
    worker_id: Identifier, runtime: RuntimeDep, guard: Annotated[Guard, WORKER_RECORDS]
) -> MasterApprentices:
    await _worker_in_scope(runtime, guard, worker_id)
    return await read(runtime, lambda session: Reports(session).apprentices(worker_id))


@router.get("/innovation-counters", responses=READ_RESPONSES)
async def innovation_counters(
    runtime: RuntimeDep,
    guard: Annotated[Guard, UNIONS_AND_SERVICES],
    year: Annotated[int | None, Query(ge=1949, le=9999)] = None,
    region_id: Identifier | None = None,
) -> list[InnovationCounter]:
    """Achievements by year, region and kind, with their economic benefit (a county union names
    its region)."""
    guard.check(Tenant(region_id=region_id))
    return await read(runtime, lambda session: Reports(session).innovation_counters(year, region_id))


@router.get("/visit-statistics", responses=READ_RESPONSES)
async def visit_statistics(
    runtime: RuntimeDep, guard: Annotated[Guard, CITYWIDE], host_enterprise_id: Identifier | None = None
) -> VisitStatistics:
    """Skills-into-enterprises visits: how many, problems solved, workers reached."""
    guard.check(Tenant())
    return await read(runtime, lambda session: Reports(session).visit_statistics(host_enterprise_id))
