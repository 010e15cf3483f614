"""Command handlers: plain functions over a unit of work."""

from __future__ import annotations

from uuid import UUID

from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from services.training.commands import AwardCertificate, RecordCompletion
from services.training.domain import Certificate, Enrolment
from services.training.queries import require_known_worker


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


async def award_certificate(
    uow: UnitOfWork, command: AwardCertificate, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        worker = await require_known_worker(uow.active, command.worker_id)
        await uow.ensure_new(
            Certificate, command.certificate_id, f"certificate {command.certificate_id} is awarded already"
        )
        uow.track(
            Certificate.award(
                command.certificate_id,
                enterprise_id=worker.enterprise_id,
                worker_id=worker.worker_id,
                occupation=command.occupation,
                skill_level=command.skill_level,
                issuer_id=command.issuer_id,
                issuer_kind=command.issuer_kind,
                issued_on=command.issued_on,
            )
        )
        return await uow.commit(command_id=command_id)
