"""The training service's domain: completions reported by a provider, certificates awarded and
revoked. Pure: no I/O. Classes are in `classes`, mentoring in `mentoring`, studios in `studios`."""

from __future__ import annotations

from datetime import date
from typing import Self

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from contracts.events.base import Event
from contracts.events.training import CertificateAwarded, CertificateRevoked, TrainingCompleted
from contracts.vocabulary import CertificateIssuerKind, SkillLevel
from services.training.rules import CERTIFICATE_REVOKED, refuse


class Enrolment(Aggregate):
    """A worker's place on one course; the stream starts when the course is completed.

    The tenant is the worker's enterprise, so a new enrolment needs it up front.
    """

    stream_type = "Enrolment"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.worker_id = ""
        self.completed_on: date | None = None

    def complete(
        self,
        *,
        worker_id: str,
        course_id: str,
        course_title: str,
        hours: float,
        completed_on: date,
        provider: str,
    ) -> None:
        if self.completed_on is not None:
            raise DomainRuleViolated(
                f"enrolment {self.id} was completed already (by worker {self.worker_id} on {self.completed_on})"
            )
        self.record(
            TrainingCompleted(
                enrolment_id=self.id,
                worker_id=worker_id,
                course_id=course_id,
                course_title=course_title,
                hours=hours,
                completed_on=completed_on,
                provider=provider,
            )
        )

    def apply(self, event: Event) -> None:
        if isinstance(event, TrainingCompleted):
            self.worker_id = event.worker_id
            self.completed_on = event.completed_on


class Certificate(Aggregate):
    """A skill-level certificate held by a worker; the tenant is the worker's enterprise."""

    stream_type = "Certificate"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.worker_id = ""
        self.skill_level: SkillLevel | None = None
        self.revoked_on: date | None = None

    @classmethod
    def award(
        cls,
        certificate_id: str,
        *,
        enterprise_id: str,
        worker_id: str,
        occupation: str,
        skill_level: SkillLevel,
        issuer_id: str,
        issuer_kind: CertificateIssuerKind,
        issued_on: date,
    ) -> Self:
        certificate = cls(certificate_id, tenant=enterprise_id)
        certificate.record(
            CertificateAwarded(
                certificate_id=certificate_id,
                worker_id=worker_id,
                occupation=occupation,
                skill_level=skill_level,
                issuer_id=issuer_id,
                issuer_kind=issuer_kind,
                issued_on=issued_on,
            )
        )
        return certificate

    def revoke(self, *, revoked_on: date, reason: str, revoked_by: str) -> None:
        if self.revoked_on is not None:
            raise refuse(
                CERTIFICATE_REVOKED, f"certificate {self.id} was revoked on {self.revoked_on} already"
            )
        self.record(
            CertificateRevoked(
                certificate_id=self.id,
                worker_id=self.worker_id,
                revoked_on=revoked_on,
                reason=reason,
                revoked_by=revoked_by,
            )
        )

    def apply(self, event: Event) -> None:
        if isinstance(event, CertificateAwarded):
            self.worker_id = event.worker_id
            self.skill_level = event.skill_level
        elif isinstance(event, CertificateRevoked):
            self.revoked_on = event.revoked_on
