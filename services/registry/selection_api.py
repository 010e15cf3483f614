"""HTTP boundary of the region tree, skill and tier records, the selection pipeline and the
talent queries (as-of and the pyramid). Each endpoint states its access rule."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Query, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from chassis import idempotency
from chassis.auth import Role, Tenant
from chassis.auth_http import Guard, requires
from chassis.errors import IdempotencyKeyReused
from chassis.http import COMMAND_RESPONSES, READ_RESPONSES, Call, CommandAccepted, read
from chassis.service import RuntimeDep
from contracts.primitives import Identifier, Name
from services.registry import handlers
from services.registry import selection_handlers as steps
from services.registry.commands import ForgetWorker
from services.registry.queries import ProfileQueries
from services.registry.reviews import AnnualReviewAnswer, annual_review, holders_in_scope
from services.registry.selection_commands import (
    AnnualReview,
    AppointReviewer,
    CertifySkill,
    ConcludeExpertReview,
    ConferTitle,
    InspectSite,
    OpenPublicity,
    RaiseObjection,
    RecordExpertScore,
    RecordLeaving,
    RegisterRegion,
    RejectNomination,
    ResolveObjection,
    RevokeTier,
    RevokeTitle,
    ScreenNomination,
)
from services.registry.talent import Holding, TalentQueries

router = APIRouter(tags=["registry: selection and talent"])
CITY, COUNTY, HR, SERVICE, PUBLIC = (
    Role.CITY_UNION,
    Role.COUNTY_UNION,
    Role.ENTERPRISE_HR,
    Role.SERVICE,
    Role.PUBLIC,
)
UNIONS = requires(CITY, COUNTY)  # the leading groups above the enterprise review nominations
CREATED = status.HTTP_201_CREATED


async def _worker_tenant(worker_id: str, session: AsyncSession) -> Tenant:
    return await ProfileQueries(session).worker_tenant(worker_id)


async def _in_scope_of_worker(guard: Guard, runtime: RuntimeDep, worker_id: str) -> None:
    guard.check(await read(runtime, partial(_worker_tenant, worker_id)))


@router.post("/regions", status_code=CREATED, responses=COMMAND_RESPONSES)
async def register_region(
    command: RegisterRegion, call: Call, guard: Annotated[Guard, requires(CITY)]
) -> CommandAccepted:
    guard.check(Tenant(region_id=command.region_id))
    return await call.execute(steps.register_region, command)


@router.post("/reviewers", status_code=CREATED, responses=COMMAND_RESPONSES)
async def appoint_reviewer(
    command: AppointReviewer, call: Call, guard: Annotated[Guard, UNIONS]
) -> CommandAccepted:
    """A reviewer joins a region's leading group."""
    guard.check(Tenant(region_id=command.region_id))
    return await call.execute(steps.appoint_reviewer, command)


class ForAWorker(Protocol):
    """What these commands share: the worker they are about, whose scope the caller must be in."""

    @property
    def worker_id(self) -> str: ...


def _worker_command(path: str, command_type: type[BaseModel], handler: Any, rule: Any) -> None:
    """One endpoint per command about a worker: the caller must be in scope of the worker."""

    async def run(command: ForAWorker, call: Call, runtime: RuntimeDep, guard: Guard) -> CommandAccepted:
        await _in_scope_of_worker(guard, runtime, command.worker_id)
        return await call.execute(handler, command)

    # FastAPI validates the body as this command and checks the caller by this rule.
    run.__annotations__["command"] = command_type
    run.__annotations__["guard"] = Annotated[Guard, rule]
    run.__doc__ = (command_type.__doc__ or command_type.__name__).strip()
    name = path.strip("/").replace("/", "_").replace("-", "_")
    router.post(path, status_code=CREATED, responses=COMMAND_RESPONSES, name=name)(run)


RECORDERS = requires(CITY, COUNTY, HR)  # the worker's enterprise, or a union above it
for _path, _command, _handler, _rule in (
    ("/skill-certificates", CertifySkill, steps.certify_skill, RECORDERS),
    ("/leavers", RecordLeaving, steps.record_leaving, RECORDERS),
    ("/forgettings", ForgetWorker, handlers.forget_worker, RECORDERS),
    ("/tier-revocations", RevokeTier, steps.revoke_tier, RECORDERS),
    ("/nominations/screening", ScreenNomination, steps.screen_nomination, UNIONS),
    ("/nominations/expert-scores", RecordExpertScore, steps.record_expert_score, UNIONS),
    ("/nominations/expert-review", ConcludeExpertReview, steps.conclude_expert_review, UNIONS),
    ("/nominations/site-inspection", InspectSite, steps.inspect_site, UNIONS),
    ("/nominations/publicity", OpenPublicity, steps.open_publicity, UNIONS),
    ("/nominations/objection-resolution", ResolveObjection, steps.resolve_objection, UNIONS),
    ("/nominations/rejection", RejectNomination, steps.reject_nomination, UNIONS),
    ("/nominations/conferral", ConferTitle, steps.confer_title, UNIONS),
    ("/title-revocations", RevokeTitle, steps.revoke_title, UNIONS),
):
    _worker_command(_path, _command, _handler, _rule)


@router.post("/nominations/objections", status_code=CREATED, responses=COMMAND_RESPONSES)
async def raise_objection(
    command: RaiseObjection, call: Call, guard: Annotated[Guard, requires(PUBLIC)]
) -> CommandAccepted:
    """Anyone may object to a nomination while it is publicised."""
    return await call.execute(steps.raise_objection, command)


SWEEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    **COMMAND_RESPONSES,
    200: {"model": AnnualReviewAnswer, "description": "Per worker, what was recorded (or replayed)"},
}


@router.post("/reviews/annual", responses=SWEEP_RESPONSES)
async def review_annually(
    command: AnnualReview, call: Call, runtime: RuntimeDep, guard: Annotated[Guard, UNIONS]
) -> AnnualReviewAnswer:
    """The annual review sweep of a region (a county its own, the city any or all): every tier and
    title due on the day is reviewed or expires. Run twice on one day, it records nothing new;
    with the same Idempotency-Key, it answers what the first run answered."""
    guard.check(Tenant(region_id=command.region_id))
    seen = idempotency.fingerprint(call.request.method, call.request.url.path, await call.request.body())
    if call.key is not None:
        first = await read(runtime, partial(idempotency.recorded, key=call.key))
        if first is not None:
            if first.fingerprint != seen:
                raise IdempotencyKeyReused(f"the Idempotency-Key {call.key} was used for another request")
            call.response.status_code = status.HTTP_200_OK
            return AnnualReviewAnswer.model_validate(first.answer)
    holders = await read(runtime, lambda session: holders_in_scope(session, command.region_id))
    answer = await annual_review(runtime.unit_of_work, holders, command)
    if call.key is not None:
        # Each worker commits on its own, so the answer is kept after them: a retry after a
        # crash in between runs the sweep again, which records only what is still due.
        async with runtime.sessions() as session, session.begin():
            recorded = idempotency.Recorded(seen, status.HTTP_200_OK, answer.model_dump(mode="json"))
            await idempotency.record(session, call.key, recorded)
    return answer


class Held(BaseModel):
    worker_id: str
    enterprise_id: str
    kind: str
    level: str
    since: date
    until: date | None


class HeldOn(BaseModel):
    as_of: date
    held: list[Held]


class PyramidCell(BaseModel):
    band: str
    region_id: str
    industry: str
    workers: int


class Pyramid(BaseModel):
    as_of: date
    year: int
    region_id: str | None
    industry: str | None
    bands: dict[str, int]
    cells: list[PyramidCell]


def _held(found: list[Holding], day: date) -> HeldOn:
    return HeldOn(as_of=day, held=[Held.model_validate(holding, from_attributes=True) for holding in found])


@router.get("/talent/pyramid", responses=READ_RESPONSES)
async def talent_pyramid(
    runtime: RuntimeDep,
    guard: Annotated[Guard, UNIONS],
    as_of: Annotated[date | None, Query(description="The day to count on (default today)")] = None,
    region_id: Annotated[Identifier | None, Query(description="A region and everything under it")] = None,
    industry: Annotated[Name | None, Query(description="Only enterprises of this industry")] = None,
    year: Annotated[
        int | None, Query(ge=1949, le=9999, description="Count at the year's end (today for this year)")
    ] = None,
) -> Pyramid:
    """Workers by the highest band held (enterprise, county, city and above), by region,
    industry and year."""
    guard.check(Tenant(region_id=region_id))
    day = as_of or _year_end(year)
    return Pyramid.model_validate(
        await read(
            runtime,
            lambda session: TalentQueries(session).pyramid(day, region_id=region_id, industry=industry),
        )
    )


def _year_end(year: int | None) -> date:
    """The day a year is counted on: its last day, or today while it runs."""
    today = date.today()
    return today if year is None or year >= today.year else date(year, 12, 31)


@router.get("/talent/holders", responses=READ_RESPONSES)
async def holders(
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY)],
    level: Annotated[Identifier, Query(description="A tier (seed, craftsman, chief) or a title level")],
    as_of: Annotated[date | None, Query()] = None,
) -> HeldOn:
    """Who held a tier or title on a given day, city-wide."""
    guard.check(Tenant())
    day = as_of or date.today()
    return _held(await read(runtime, lambda session: TalentQueries(session).held_on(day, level=level)), day)


@router.get("/workers/{worker_id}/held", responses=READ_RESPONSES)
async def held_by_worker(
    worker_id: Identifier,
    runtime: RuntimeDep,
    guard: Annotated[Guard, requires(CITY, COUNTY, HR, SERVICE, hide=True)],
    as_of: Annotated[date | None, Query()] = None,
) -> HeldOn:
    """The tiers and titles a worker held on a given day."""
    guard.check(await read(runtime, partial(_worker_tenant, worker_id)), missing=f"no worker {worker_id}")
    day = as_of or date.today()
    return _held(
        await read(runtime, lambda session: TalentQueries(session).held_on(day, worker_id=worker_id)), day
    )
