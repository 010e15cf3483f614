"""Commands the training service accepts: imperative, validated at the boundary."""

from __future__ import annotations

from datetime import date

from chassis.http import Command
from contracts.primitives import Hours, Identifier, Name
from contracts.vocabulary import CertificateIssuerKind, SkillLevel


class RecordCompletion(Command):
    enrolment_id: Identifier
    worker_id: Identifier
    course_id: Identifier
    course_title: Name
    hours: Hours
    completed_on: date
    provider: Name


class AwardCertificate(Command):
    certificate_id: Identifier
    worker_id: Identifier
    occupation: Name
    skill_level: SkillLevel
    issuer_id: Identifier
    issuer_kind: CertificateIssuerKind
    issued_on: date
