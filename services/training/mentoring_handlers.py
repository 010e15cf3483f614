"""Command handlers for mentoring (帮带) and innovation (studios, achievements, visits)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from chassis.auth import Tenant
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.events.training import AchievementRecorded, SkillServiceDelivered
from contracts.vocabulary import TierRank
from services.training.class_handlers import ScopeCheck
from services.training.commands import (
    ApplyForStudio,
    AssessMentorship,
    FundStudio,
    MentorshipStep,
    NameStudio,
    ProposeMentorship,
    RecordAchievement,
    RecordApprenticeAdvance,
    RecordVisit,
    ReviewStudio,
    RevokeStudio,
    TerminateMentorship,
)
from services.training.mentoring import Mentorship
from services.training.queries import KnownWorkers, require_known_worker
from services.training.rules import MENTORSHIP_LIFECYCLE, refuse
from services.training.studios import Achievement, Studio, Visit

MENTORSHIP_EXISTS = "mentorship {} is proposed already"
ACHIEVEMENT_EXISTS = "achievement {} is recorded already"
VISIT_EXISTS = "visit {} is recorded already"


def proposal(command: ProposeMentorship, workers: KnownWorkers, check: ScopeCheck) -> Mentorship:
    """Master and apprentice of one enterprise; the master holds at least the craftsman tier."""
    master = workers.require(command.master_id)
    apprentice = workers.require(command.apprentice_id)
    check(Tenant(enterprise_id=master.enterprise_id))
    if apprentice.enterprise_id != master.enterprise_id:
        raise refuse(MENTORSHIP_LIFECYCLE, "master and apprentice work for one enterprise")
    return Mentorship.propose(
        command.mentorship_id,
        master_id=master.worker_id,
        master_tier=TierRank(master.tier),
        apprentice_id=apprentice.worker_id,
        enterprise_id=master.enterprise_id,
        on=command.proposed_on,
    )


async def propose_mentorship(
    uow: UnitOfWork, command: ProposeMentorship, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        workers = await KnownWorkers.load(uow.active, [command.master_id, command.apprentice_id])
        pairing = proposal(command, workers, check)
        await uow.ensure_new(
            Mentorship, command.mentorship_id, MENTORSHIP_EXISTS.format(command.mentorship_id)
        )
        uow.track(pairing)
        return await uow.commit(command_id=command_id)


async def _pairing_step(
    uow: UnitOfWork,
    command: MentorshipStep,
    command_id: UUID | None,
    check: ScopeCheck,
    act: Callable[[Mentorship], None],
) -> list[Envelope]:
    """Load the pairing, check the caller's scope, take one step."""
    async with uow:
        pairing = await uow.require(
            Mentorship, command.mentorship_id, f"mentorship {command.mentorship_id} was never proposed"
        )
        check(Tenant(enterprise_id=pairing.tenant))
        act(pairing)
        return await uow.commit(command_id=command_id)


async def start_mentorship(
    uow: UnitOfWork, command: MentorshipStep, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    return await _pairing_step(uow, command, command_id, check, lambda pairing: pairing.start(command.on))


async def assess_mentorship(
    uow: UnitOfWork, command: AssessMentorship, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    def assess(pairing: Mentorship) -> None:
        pairing.assess(command.on, passed=command.passed, comment=command.comment)

    return await _pairing_step(uow, command, command_id, check, assess)


async def record_advance(
    uow: UnitOfWork, command: RecordApprenticeAdvance, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    def advance(pairing: Mentorship) -> None:
        pairing.advance(command.on, skill_level=command.skill_level, honour=command.honour)

    return await _pairing_step(uow, command, command_id, check, advance)


async def complete_mentorship(
    uow: UnitOfWork, command: MentorshipStep, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    return await _pairing_step(uow, command, command_id, check, lambda pairing: pairing.complete(command.on))


async def terminate_mentorship(
    uow: UnitOfWork, command: TerminateMentorship, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    def terminate(pairing: Mentorship) -> None:
        pairing.terminate(command.on, reason=command.reason)

    return await _pairing_step(uow, command, command_id, check, terminate)


async def apply_for_studio(
    uow: UnitOfWork, command: ApplyForStudio, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        worker = await require_known_worker(uow.active, command.worker_id)
        check(Tenant(enterprise_id=worker.enterprise_id, region_id=command.region_id))
        await uow.ensure_new(Studio, command.studio_id, f"studio {command.studio_id} was applied for already")
        uow.track(
            Studio.apply_for(
                command.studio_id,
                worker_id=worker.worker_id,
                enterprise_id=worker.enterprise_id,
                region_id=command.region_id,
                name=command.name,
                on=command.applied_on,
            )
        )
        return await uow.commit(command_id=command_id)


StudioCommand = NameStudio | FundStudio | ReviewStudio | RevokeStudio


async def studio_step(
    uow: UnitOfWork, command: StudioCommand, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    """One step of a studio's life, decided by the studio."""
    async with uow:
        studio = await uow.require(
            Studio, command.studio_id, f"studio {command.studio_id} was never applied for"
        )
        check(Tenant(enterprise_id=studio.tenant))
        match command:
            case NameStudio():
                craftsman = await require_known_worker(uow.active, studio.worker_id)
                studio.confer_name(command.named_on, city_titles=craftsman.city_titles)
            case FundStudio():
                studio.fund(command.funded_on, amount=command.amount, funded_by=command.funded_by)
            case ReviewStudio():
                studio.review(
                    command.reviewed_on,
                    year=command.year,
                    reconfirmed=command.reconfirmed,
                    reviewed_by=command.reviewed_by,
                    comment=command.comment,
                )
            case RevokeStudio():
                studio.revoke(command.revoked_on, reason=command.reason, revoked_by=command.revoked_by)
        return await uow.commit(command_id=command_id)


def achievement(command: RecordAchievement, workers: KnownWorkers, check: ScopeCheck) -> Achievement:
    """A known worker's achievement, recorded by their enterprise or the unions of its region."""
    worker = workers.require(command.worker_id)
    check(Tenant(enterprise_id=worker.enterprise_id, region_id=command.region_id))
    return Achievement.record_once(
        AchievementRecorded(**command.model_dump(), enterprise_id=worker.enterprise_id)
    )


async def record_achievement(
    uow: UnitOfWork, command: RecordAchievement, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        recorded = achievement(command, await KnownWorkers.load(uow.active, [command.worker_id]), check)
        await uow.ensure_new(
            Achievement, command.achievement_id, ACHIEVEMENT_EXISTS.format(command.achievement_id)
        )
        uow.track(recorded)
        return await uow.commit(command_id=command_id)


def visit_team(command: RecordVisit) -> list[str]:
    return [command.worker_id, *command.team_ids]


def visit(command: RecordVisit, workers: KnownWorkers, check: ScopeCheck) -> Visit:
    """The host enterprise (or the city) records a visit by a team of known craftsmen."""
    check(Tenant(enterprise_id=command.host_enterprise_id))
    for worker_id in visit_team(command):
        workers.require(worker_id)
    return Visit.record_once(SkillServiceDelivered(**command.model_dump()))


async def record_visit(
    uow: UnitOfWork, command: RecordVisit, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        recorded = visit(command, await KnownWorkers.load(uow.active, visit_team(command)), check)
        await uow.ensure_new(Visit, command.visit_id, VISIT_EXISTS.format(command.visit_id))
        uow.track(recorded)
        return await uow.commit(command_id=command_id)
