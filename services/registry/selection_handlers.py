"""Handlers of the region tree, skill, tier and selection commands: plain functions over a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar
from uuid import UUID

from chassis.errors import DomainRuleViolated
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.vocabulary import RegionKind, TitleLevel
from services.registry.domain import Enterprise, Worker
from services.registry.nominations import Pipeline
from services.registry.quota import TitleQuota
from services.registry.regions import Region
from services.registry.selection import DEFAULT_SELECTION
from services.registry.selection_commands import (
    AppointReviewer,
    CertifySkill,
    ConcludeExpertReview,
    ConferTitle,
    InspectSite,
    NominationStep,
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

QUOTA_RETRIES = 5
"""Conferrals racing for one quota: the loser reloads the quota and decides again."""

Decision = Callable[[Worker], Event | list[Event] | None]


async def _on_worker(
    uow: UnitOfWork, worker_id: str, decide: Decision, command_id: UUID | None
) -> list[Envelope]:
    async with uow:
        worker = await uow.require(Worker, worker_id, f"worker {worker_id} is not registered")
        decided = decide(worker)
        for event in decided if isinstance(decided, list) else [] if decided is None else [decided]:
            worker.record(event)
        return await uow.commit(command_id=command_id)


async def register_region(
    uow: UnitOfWork, command: RegisterRegion, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        await uow.ensure_new(Region, command.region_id, f"region {command.region_id} is registered already")
        parent = None
        if command.parent_id is not None:
            parent = await uow.require(
                Region, command.parent_id, f"parent region {command.parent_id} is not registered"
            )
        uow.track(Region.register(command.region_id, name=command.name, kind=command.kind, parent=parent))
        return await uow.commit(command_id=command_id)


async def appoint_reviewer(
    uow: UnitOfWork, command: AppointReviewer, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        region = await uow.require(Region, command.region_id, f"region {command.region_id} is not registered")
        region.appoint(command.reviewer_id, level=command.level, role=command.role)
        return await uow.commit(command_id=command_id)


def certify(worker: Worker, command: CertifySkill) -> None:
    """The certificate on the worker's stream (refused when it is recorded already): the one
    rule of POST /skill-certificates and of its batch form."""
    worker.certify(
        command.certificate_id,
        skill_level=command.skill_level,
        occupation=command.occupation,
        issuer_id=command.issuer_id,
        issuer_kind=command.issuer_kind,
        certified_on=command.certified_on,
    )


async def certify_skill(
    uow: UnitOfWork, command: CertifySkill, command_id: UUID | None = None
) -> list[Envelope]:
    return await _on_worker(uow, command.worker_id, lambda worker: certify(worker, command), command_id)


async def record_leaving(
    uow: UnitOfWork, command: RecordLeaving, command_id: UUID | None = None
) -> list[Envelope]:
    return await _on_worker(
        uow, command.worker_id, lambda w: w.leave(command.left_on, command.reason), command_id
    )


async def revoke_tier(uow: UnitOfWork, command: RevokeTier, command_id: UUID | None = None) -> list[Envelope]:
    def decide(worker: Worker) -> None:
        worker.revoke_tier(on=command.revoked_on, reason=command.reason, revoked_by=command.revoked_by)

    return await _on_worker(uow, command.worker_id, decide, command_id)


N = TypeVar("N", bound=NominationStep | RevokeTitle)
N_in = TypeVar("N_in", bound=NominationStep | RevokeTitle, contravariant=True)


class Step(Protocol[N_in]):
    def __call__(
        self, uow: UnitOfWork, command: N_in, command_id: UUID | None = None
    ) -> Awaitable[list[Envelope]]: ...


def on_the_nominee(decide: Callable[[Pipeline, N], Event | list[Event]]) -> Step[N]:
    """The handler of one step of the pipeline: load the nominee, decide, record, commit."""

    async def handle(uow: UnitOfWork, command: N, command_id: UUID | None = None) -> list[Envelope]:
        return await _on_worker(
            uow, command.worker_id, lambda worker: decide(worker.pipeline(), command), command_id
        )

    return handle


def _screen(pipeline: Pipeline, c: ScreenNomination) -> Event:
    return pipeline.screen(c.nomination_id, screened_by=c.screened_by, note=c.note)


def _score(pipeline: Pipeline, c: RecordExpertScore) -> Event:
    return pipeline.score(c.nomination_id, expert_id=c.expert_id, score=c.score, comment=c.comment)


def _conclude_review(pipeline: Pipeline, c: ConcludeExpertReview) -> Event:
    return pipeline.conclude_review(c.nomination_id, reviewed_by=c.reviewed_by)


def _inspect(pipeline: Pipeline, c: InspectSite) -> Event:
    return pipeline.inspect(
        c.nomination_id,
        inspected_by=c.inspected_by,
        inspected_on=c.inspected_on,
        findings=c.findings,
        passed=c.passed,
    )


def _publicise(pipeline: Pipeline, c: OpenPublicity) -> Event:
    return pipeline.publicise(c.nomination_id, opens_on=c.opens_on, closes_on=c.closes_on)


def _object(pipeline: Pipeline, c: RaiseObjection) -> Event:
    return pipeline.object(
        c.nomination_id, objection_id=c.objection_id, raised_on=c.raised_on, summary=c.summary
    )


def _resolve(pipeline: Pipeline, c: ResolveObjection) -> list[Event]:
    return pipeline.resolve(
        c.nomination_id,
        objection_id=c.objection_id,
        upheld=c.upheld,
        resolution=c.resolution,
        resolved_by=c.resolved_by,
    )


def _reject(pipeline: Pipeline, c: RejectNomination) -> Event:
    return pipeline.reject(c.nomination_id, reason=c.reason, rejected_by=c.rejected_by)


def _revoke_title(pipeline: Pipeline, c: RevokeTitle) -> Event:
    return pipeline.revoke_title(
        c.title_id, revoked_on=c.revoked_on, reason=c.reason, revoked_by=c.revoked_by
    )


screen_nomination = on_the_nominee(_screen)
record_expert_score = on_the_nominee(_score)
conclude_expert_review = on_the_nominee(_conclude_review)
inspect_site = on_the_nominee(_inspect)
open_publicity = on_the_nominee(_publicise)
raise_objection = on_the_nominee(_object)
resolve_objection = on_the_nominee(_resolve)
reject_nomination = on_the_nominee(_reject)
revoke_title = on_the_nominee(_revoke_title)


# The kind of region a title's quota is kept in.
QUOTA_REGION_KINDS: dict[TitleLevel, tuple[RegionKind, ...]] = {
    TitleLevel.COUNTY: (RegionKind.COUNTY, RegionKind.DISTRICT),
    TitleLevel.CITY: (RegionKind.CITY,),
    TitleLevel.CITY_GOLD: (RegionKind.CITY,),
    TitleLevel.PROVINCE: (RegionKind.PROVINCE,),
    TitleLevel.PROVINCE_GRAND: (RegionKind.PROVINCE,),
}
NATION = "nation"


async def quota_region(uow: UnitOfWork, enterprise_id: str, level: TitleLevel) -> str:
    """The region whose yearly quota a title of `level` counts against, up the enterprise's region tree."""
    if level is TitleLevel.NATION:
        return NATION
    enterprise = await uow.require(Enterprise, enterprise_id, f"enterprise {enterprise_id} is not registered")
    region_id: str | None = enterprise.region_id
    while region_id is not None:
        region = await uow.get(Region, region_id)
        if region is None:
            break
        if region.kind in QUOTA_REGION_KINDS.get(level, ()):
            return region.id
        region_id = region.parent_id
    raise DomainRuleViolated(
        f"no {' or '.join(QUOTA_REGION_KINDS.get(level, ()))} above enterprise {enterprise_id} in the region tree: "
        f"a {level} title's quota is kept per region"
    )


async def confer_title(
    uow: UnitOfWork, command: ConferTitle, command_id: UUID | None = None
) -> list[Envelope]:
    """Confer within the year's quota: the quota stream and the worker's stream append together."""
    return await retrying_conflicts(lambda: _confer_once(uow, command, command_id), attempts=QUOTA_RETRIES)


async def _confer_once(uow: UnitOfWork, command: ConferTitle, command_id: UUID | None) -> list[Envelope]:
    async with uow:
        worker = await uow.require(Worker, command.worker_id, f"worker {command.worker_id} is not registered")
        pipeline = worker.pipeline()
        conferred = pipeline.confer(
            command.nomination_id,
            title_id=command.title_id,
            conferred_by=command.conferred_by,
            conferred_on=command.conferred_on,
        )
        level, year = conferred.level, command.conferred_on.year
        region_id = await quota_region(uow, worker.enterprise_id, level)
        quota = await uow.get(TitleQuota, TitleQuota.of(level, region_id, year).id) or TitleQuota.of(
            level, region_id, year
        )
        quota.take(
            level,
            region_id,
            year,
            nomination_id=command.nomination_id,
            worker_id=worker.id,
            rules=DEFAULT_SELECTION,
        )
        uow.track(quota)
        worker.record(conferred)
        return await uow.commit(command_id=command_id)
