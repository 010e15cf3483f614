"""The public craftsman profile over HTTP: anyone may read it, it holds public fields only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chassis.auth import Role
from chassis.auth_http import Guard, requires
from chassis.http import READ_RESPONSES, read, read_or_404
from chassis.service import RuntimeDep
from contracts.primitives import Identifier
from services.registry.public_profiles import PublicCraftsman, PublicCraftsmen, PublicProfiles

router = APIRouter(tags=["registry: public craftsmen"])
ANYONE = requires(Role.PUBLIC)


@router.get("/public/craftsmen/{worker_id}", responses=READ_RESPONSES)
async def public_craftsman(
    worker_id: Identifier, runtime: RuntimeDep, _: Annotated[Guard, ANYONE]
) -> PublicCraftsman:
    """A craftsman's public profile; 404 for a worker below the seed tier or forgotten."""
    return await read_or_404(
        runtime,
        lambda session: PublicProfiles(session).one(worker_id),
        f"no published craftsman {worker_id}",
    )


@router.get("/public/craftsmen", responses=READ_RESPONSES)
async def public_craftsmen(
    runtime: RuntimeDep,
    _: Annotated[Guard, ANYONE],
    region_id: Annotated[Identifier | None, Query(description="A region and everything under it")] = None,
    level: Annotated[
        Identifier | None, Query(description="A tier (seed, craftsman, chief) or a title level held now")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PublicCraftsmen:
    """Published craftsmen, by worker id."""
    return await read(
        runtime,
        lambda session: PublicProfiles(session).many(
            region_id=region_id, level=level, limit=limit, offset=offset
        ),
    )
