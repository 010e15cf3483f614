"""The interchange formats of training, checked against their structure.

No PyPI package carries the xAPI statement schema or the Open Badges 3.0 JSON Schema (the
`openbadgeslib` package ships the OB 3.0 JSON-LD contexts only), so both schemas below are
written from the specifications: xAPI 1.0.3 part two, section 2.4 (Statement properties),
and Open Badges 3.0 (OpenBadgeCredential, AchievementSubject, Achievement, Profile,
CredentialStatus), with the Verifiable Credentials Data Model 2.0 it builds on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from services.training.badges import CertificateRecord, open_badge_credential, revocation_list
from services.training.xapi import Attendance, Completion, Failure, LearningEntry, statement

IRI = {"type": "string", "pattern": r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"}
LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$|^und$"},
    "additionalProperties": {"type": "string"},
}
ISO_DURATION = r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
# jsonschema checks "date-time" only with an optional package: the pattern says it either way.
DATE_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}
EXTENSIONS = {"type": "object", "propertyNames": {"pattern": r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"}}

XAPI_STATEMENT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "actor": {
            "type": "object",
            "required": ["objectType", "account"],
            "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Agent"},
                # An Agent is identified by exactly one inverse functional identifier: here the account.
                "account": {
                    "type": "object",
                    "required": ["homePage", "name"],
                    "additionalProperties": False,
                    "properties": {"homePage": IRI, "name": {"type": "string", "minLength": 1}},
                },
            },
        },
        "verb": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {"id": IRI, "display": LANGUAGE_MAP},
        },
        "object": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Activity"},
                "id": IRI,
                "definition": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"type": IRI, "name": LANGUAGE_MAP, "description": LANGUAGE_MAP},
                },
            },
        },
        "result": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "scaled": {"type": "number", "minimum": -1, "maximum": 1},
                        "raw": {"type": "number"},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                    },
                },
                "success": {"type": "boolean"},
                "completion": {"type": "boolean"},
                "duration": {"type": "string", "pattern": ISO_DURATION},
                "extensions": EXTENSIONS,
            },
        },
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"platform": {"type": "string"}, "extensions": EXTENSIONS},
        },
        "timestamp": DATE_TIME,
    },
}

XAPI_STATEMENT_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["statements"],
    "properties": {"statements": {"type": "array", "items": XAPI_STATEMENT}, "more": {"type": "string"}},
}


def _has(item: str) -> dict[str, Any]:
    """A type that is the item, or an unordered set holding it (both allowed by OB 3.0)."""
    return {"anyOf": [{"const": item}, {"type": "array", "contains": {"const": item}}]}


OPEN_BADGE_CREDENTIAL: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject"],
    "properties": {
        # VC 2.0: the first context is the credentials v2 context; OB 3.0 adds its own.
        "@context": {
            "type": "array",
            "minItems": 2,
            "prefixItems": [{"const": "https://www.w3.org/ns/credentials/v2"}],
            "contains": {
                "type": "string",
                "pattern": r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context-3\.0\.\d+\.json$",
            },
        },
        "id": IRI,
        "type": {"allOf": [_has("VerifiableCredential"), _has("OpenBadgeCredential")]},
        "name": {"type": "string", "minLength": 1},
        "issuer": {
            "type": "object",
            "required": ["id", "type"],
            "properties": {"id": IRI, "type": _has("Profile"), "name": {"type": "string"}},
        },
        "validFrom": DATE_TIME,
        "credentialSubject": {
            "type": "object",
            "required": ["type", "achievement"],
            "additionalProperties": False,
            "properties": {
                "id": IRI,
                "type": _has("AchievementSubject"),
                "achievement": {
                    "type": "object",
                    "required": ["id", "type", "criteria", "description", "name"],
                    "properties": {
                        "id": IRI,
                        "type": _has("Achievement"),
                        "achievementType": {"type": "string"},
                        "name": {"type": "string", "minLength": 1},
                        "description": {"type": "string", "minLength": 1},
                        "criteria": {
                            "type": "object",
                            "anyOf": [{"required": ["id"]}, {"required": ["narrative"]}],
                            "properties": {"id": IRI, "narrative": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "credentialStatus": {
            "type": "object",
            "required": ["id", "type"],
            "properties": {"id": IRI, "type": {"type": "string", "minLength": 1}},
        },
    },
}


def problems(schema: dict[str, Any], document: Any) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


EVENT_ID = "0190a000-0000-7000-8000-000000000001"
ENTRIES: list[LearningEntry] = [
    Completion(EVENT_ID, "enr-1", "w-1", "plc", "PLC", 1.5, date(2026, 4, 30), "Academy"),
    Completion(EVENT_ID, "enr-2", "w-1", "plc", "PLC", 48, date(2026, 4, 30), "Academy", "class-1", 88.5),
    Failure(EVENT_ID, "enr-3", "w-1", "plc", "class-1", date(2026, 4, 30), 41.0),
    Attendance(EVENT_ID, "enr-2", "class-1", "w-1", 3, date(2026, 3, 3)),
]


@pytest.mark.parametrize(
    "entry", ENTRIES, ids=lambda e: type(e).__name__ + ("" if not isinstance(e, Completion) else str(e.score))
)
def test_every_learning_entry_is_a_valid_xapi_statement(entry: LearningEntry) -> None:
    assert problems(XAPI_STATEMENT, statement(entry)) == []


def test_the_adl_verbs_and_results() -> None:
    reported, passed, failed, attended = (statement(entry) for entry in ENTRIES)
    adl = "http://adlnet.gov/expapi/verbs/"
    assert [s["verb"]["id"] for s in (reported, passed, failed, attended)] == [
        adl + "completed",
        adl + "passed",
        adl + "failed",
        adl + "attended",
    ]
    assert passed["result"]["score"] == {"scaled": 0.885, "raw": 88.5, "min": 0, "max": 100}
    assert (passed["result"]["success"], failed["result"]["success"]) == (True, False)
    assert "result" not in attended


def test_the_schema_refuses_what_xapi_refuses() -> None:
    """The schema can fail: a statement without its verb, with a name for an actor, or a
    scaled score above 1 is refused."""
    good = statement(ENTRIES[1])
    assert problems(XAPI_STATEMENT, {k: v for k, v in good.items() if k != "verb"})
    assert problems(XAPI_STATEMENT, {**good, "actor": {**good["actor"], "name": "王建国"}})
    assert problems(XAPI_STATEMENT, {**good, "result": {"score": {"scaled": 1.5}}})
    assert problems(XAPI_STATEMENT, {**good, "result": {"duration": "48 hours"}})
    assert problems(XAPI_STATEMENT, {**good, "timestamp": "2026-04-30"})
    assert problems(XAPI_STATEMENT, {**good, "id": "enr-2"})


RECORD = CertificateRecord(
    certificate_id="cert-1",
    event_id=EVENT_ID,
    worker_id="w-1",
    occupation="设备点检员",
    skill_level="technician",
    issuer_id="ent-qingzhou",
    issuer_kind="enterprise",
    issued_on=date(2026, 5, 15),
)


def test_a_certificate_is_a_valid_open_badge_credential() -> None:
    credential = open_badge_credential(RECORD)
    assert problems(OPEN_BADGE_CREDENTIAL, credential) == []
    assert credential["credentialSubject"]["id"] == "urn:craftsman:worker:w-1"  # never a name
    assert credential["name"] == "设备点检员 技师"


def test_the_ob_schema_can_fail() -> None:
    credential = open_badge_credential(RECORD)
    assert problems(OPEN_BADGE_CREDENTIAL, {**credential, "type": ["VerifiableCredential"]})
    assert problems(OPEN_BADGE_CREDENTIAL, {k: v for k, v in credential.items() if k != "issuer"})
    subject = credential["credentialSubject"]
    assert problems(
        OPEN_BADGE_CREDENTIAL, {**credential, "credentialSubject": {**subject, "achievement": {}}}
    )


def test_the_credential_status_follows_revocation() -> None:
    credential = open_badge_credential(RECORD)
    status = revocation_list(RECORD)
    assert status["id"] == credential["credentialStatus"]["id"]
    assert status["revokedCredentials"] == []
    status = revocation_list(replace(RECORD, revoked_on=date(2026, 10, 9), revocation_reason="forged papers"))
    assert status["revokedCredentials"] == [
        {"id": credential["id"], "revocationReason": "forged papers", "revokedOn": "2026-10-09T00:00:00Z"}
    ]
