"""Certificates as Open Badges 3.0 OpenBadgeCredential documents (unsigned). Pure.

The credential names the worker by a platform URN, never by a name; its `credentialStatus`
points at the certificate's revocation status (the 1EdTech Revocation List method), whose
answer lists the credential once the certificate is revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.training.xapi import DEFAULT_HOME_PAGE

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
STATUS_METHOD = "1EdTechRevocationList"

LEVEL_NAMES = {
    "apprentice": "学徒工",
    "junior": "初级工",
    "intermediate": "中级工",
    "senior": "高级工",
    "technician": "技师",
    "senior_technician": "高级技师",
    "special_technician": "特级技师",
    "chief_technician": "首席技师",
}


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    certificate_id: str
    event_id: str
    worker_id: str
    occupation: str
    skill_level: str
    issuer_id: str
    issuer_kind: str
    issued_on: date
    revoked_on: date | None = None
    revocation_reason: str | None = None


def _day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def credential_id(certificate_id: str, home_page: str = DEFAULT_HOME_PAGE) -> str:
    return f"{home_page}/credentials/{certificate_id}"


def open_badge_credential(record: CertificateRecord, *, home_page: str = DEFAULT_HOME_PAGE) -> dict[str, Any]:
    level = LEVEL_NAMES.get(record.skill_level, record.skill_level)
    achievement_name = f"{record.occupation} {level}"
    return {
        "@context": CONTEXT,
        "id": credential_id(record.certificate_id, home_page),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_name,
        "issuer": {
            "id": f"{home_page}/issuers/{record.issuer_id}",
            "type": ["Profile"],
            "name": record.issuer_id,
        },
        "validFrom": _day(record.issued_on),
        "credentialSubject": {
            "id": f"urn:craftsman:worker:{record.worker_id}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"{home_page}/achievements/{record.occupation}/{record.skill_level}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": achievement_name,
                "description": f"Vocational skill level {level} ({record.skill_level}) in {record.occupation}",
                "criteria": {
                    "narrative": f"Assessed by {record.issuer_kind} {record.issuer_id} on the eight-level scale"
                },
            },
        },
        "credentialStatus": {"id": status_id(record.certificate_id, home_page), "type": STATUS_METHOD},
    }


def status_id(certificate_id: str, home_page: str = DEFAULT_HOME_PAGE) -> str:
    return f"{home_page}/credentials/{certificate_id}/status"


def revocation_list(record: CertificateRecord, *, home_page: str = DEFAULT_HOME_PAGE) -> dict[str, Any]:
    """The status a verifier reads at `credentialStatus.id`: the credential is listed once revoked."""
    revoked = (
        []
        if record.revoked_on is None
        else [
            {
                "id": credential_id(record.certificate_id, home_page),
                "revocationReason": record.revocation_reason,
                "revokedOn": _day(record.revoked_on),
            }
        ]
    )
    return {
        "id": status_id(record.certificate_id, home_page),
        "type": STATUS_METHOD,
        "revokedCredentials": revoked,
    }
