"""Command handlers: plain functions over a unit of work."""

from __future__ import annotations

from uuid import UUID

from chassis.auth import Tenant
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from contracts.vocabulary import SkillLevel
from services.training.class_handlers import ScopeCheck
from services.training.classes import Issuer
from services.training.commands import AwardCertificate, RecordCompletion, RevokeCertificate
from services.training.domain import Certificate, Enrolment
from services.training.queries import KnownWorker, require_known_worker
from services.training.rules import DEFAULT_RULES, TrainingRules, check_certificate


async def record_completion(
    uow: UnitOfWork, command: RecordCompletion, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        worker = await require_known_worker(uow.active, command.worker_id)
        enrolment = await uow.get(Enrolment, command.enrolment_id)
        if enrolment is None:
            enrolment = Enrolment(command.enrolment_id, tenant=worker.enterprise_id)
            uow.track(enrolment)
        enrolment.complete(
            worker_id=worker.worker_id,
            course_id=command.course_id,
            course_title=command.course_title,
            hours=command.hours,
            completed_on=command.completed_on,
            provider=command.provider,
        )
        return await uow.commit(command_id=command_id)


CERTIFICATE_EXISTS = "certificate {} is awarded already"


def certificate(
    command: AwardCertificate, worker: KnownWorker, *, issuer_qualified: bool, rules: TrainingRules
) -> Certificate:
    """A qualified issuer certifies a worker who held the level below long enough."""
    check_certificate(
        worker_id=worker.worker_id,
        occupation=command.occupation,
        level=command.skill_level,
        issued_on=command.issued_on,
        worker_level=SkillLevel(worker.skill_level),
        level_since=worker.level_since,
        issuer_id=command.issuer_id,
        issuer_kind=command.issuer_kind,
        issuer_qualified=issuer_qualified,
        rules=rules,
    )
    return Certificate.award(
        command.certificate_id,
        enterprise_id=worker.enterprise_id,
        worker_id=worker.worker_id,
        occupation=command.occupation,
        skill_level=command.skill_level,
        issuer_id=command.issuer_id,
        issuer_kind=command.issuer_kind,
        issued_on=command.issued_on,
    )


async def award_certificate(
    uow: UnitOfWork,
    command: AwardCertificate,
    command_id: UUID | None = None,
    rules: TrainingRules = DEFAULT_RULES,
) -> list[Envelope]:
    async with uow:
        worker = await require_known_worker(uow.active, command.worker_id)
        qualified = await uow.get(Issuer, command.issuer_id) is not None
        awarded = certificate(command, worker, issuer_qualified=qualified, rules=rules)
        await uow.ensure_new(
            Certificate, command.certificate_id, CERTIFICATE_EXISTS.format(command.certificate_id)
        )
        uow.track(awarded)
        return await uow.commit(command_id=command_id)


async def revoke_certificate(
    uow: UnitOfWork, command: RevokeCertificate, command_id: UUID | None = None, *, check: ScopeCheck
) -> list[Envelope]:
    async with uow:
        certificate = await uow.require(
            Certificate, command.certificate_id, f"certificate {command.certificate_id} was never awarded"
        )
        check(Tenant(enterprise_id=certificate.tenant))
        certificate.revoke(
            revoked_on=command.revoked_on, reason=command.reason, revoked_by=command.revoked_by
        )
        return await uow.commit(command_id=command_id)
