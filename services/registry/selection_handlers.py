"""Handlers of the region tree, skill, tier and selection commands: plain functions over a unit of work."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from chassis.errors import DomainRuleViolated
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.vocabulary import RegionKind, TitleLevel
from services.registry.domain import Enterprise, Worker
from services.registry.quota import TitleQuota
from services.registry.regions import Region
from services.registry.selection import DEFAULT_SELECTION
from services.registry.selection_commands import (
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


async def certify_skill(
    uow: UnitOfWork, command: CertifySkill, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> None:
        worker.certify(
            command.certificate_id,
            skill_level=command.skill_level,
            occupation=command.occupation,
            issuer_id=command.issuer_id,
            issuer_kind=command.issuer_kind,
            certified_on=command.certified_on,
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


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


async def screen_nomination(
    uow: UnitOfWork, command: ScreenNomination, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().screen(
            command.nomination_id, screened_by=command.screened_by, note=command.note
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def record_expert_score(
    uow: UnitOfWork, command: RecordExpertScore, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().score(
            command.nomination_id, expert_id=command.expert_id, score=command.score, comment=command.comment
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def conclude_expert_review(
    uow: UnitOfWork, command: ConcludeExpertReview, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().conclude_review(command.nomination_id, reviewed_by=command.reviewed_by)

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def inspect_site(
    uow: UnitOfWork, command: InspectSite, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().inspect(
            command.nomination_id,
            inspected_by=command.inspected_by,
            inspected_on=command.inspected_on,
            findings=command.findings,
            passed=command.passed,
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def open_publicity(
    uow: UnitOfWork, command: OpenPublicity, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().publicise(
            command.nomination_id, opens_on=command.opens_on, closes_on=command.closes_on
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def raise_objection(
    uow: UnitOfWork, command: RaiseObjection, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().object(
            command.nomination_id,
            objection_id=command.objection_id,
            raised_on=command.raised_on,
            summary=command.summary,
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def resolve_objection(
    uow: UnitOfWork, command: ResolveObjection, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> list[Event]:
        return worker.pipeline().resolve(
            command.nomination_id,
            objection_id=command.objection_id,
            upheld=command.upheld,
            resolution=command.resolution,
            resolved_by=command.resolved_by,
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def reject_nomination(
    uow: UnitOfWork, command: RejectNomination, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().reject(
            command.nomination_id, reason=command.reason, rejected_by=command.rejected_by
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


async def revoke_title(
    uow: UnitOfWork, command: RevokeTitle, command_id: UUID | None = None
) -> list[Envelope]:
    def decide(worker: Worker) -> Event:
        return worker.pipeline().revoke_title(
            command.title_id,
            revoked_on=command.revoked_on,
            reason=command.reason,
            revoked_by=command.revoked_by,
        )

    return await _on_worker(uow, command.worker_id, decide, command_id)


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
