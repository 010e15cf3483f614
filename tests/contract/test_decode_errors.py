"""A record this reader cannot use fails with a precise, machine-readable reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.catalog import parse_record
from contracts.errors import (
    ContractError,
    FutureSchemaVersion,
    InvalidPayload,
    MalformedEvent,
    MissingUpcaster,
    UnknownEventType,
)
from contracts.events.training import TrainingCompleted
from contracts.samples import SAMPLES, sample_envelope

GOOD = next(sample_envelope(s) for s in SAMPLES if isinstance(s.event, TrainingCompleted))


def tampered(**changes: Any) -> bytes:
    return GOOD.model_copy(update=changes).to_bytes()


def test_unknown_event_type() -> None:
    with pytest.raises(UnknownEventType) as caught:
        parse_record(tampered(event_type="WorkerTeleported"))
    assert caught.value.reason == "unknown_event_type"
    assert "WorkerTeleported" in caught.value.message


def test_future_schema_version() -> None:
    with pytest.raises(FutureSchemaVersion) as caught:
        parse_record(tampered(schema_version=99))
    assert caught.value.reason == "future_schema_version"
    assert (caught.value.schema_version, caught.value.known_version) == (99, TrainingCompleted.schema_version)


@pytest.mark.parametrize(
    "data",
    [
        b'{"event_id": "not json at all',
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
        b"",
        json.dumps({**GOOD.model_dump(mode="json"), "event_id": "nope"}).encode(),
        json.dumps({**GOOD.model_dump(mode="json"), "surprise": 1}).encode(),
        json.dumps({k: v for k, v in GOOD.model_dump(mode="json").items() if k != "stream"}).encode(),
    ],
    ids=["truncated", "not-utf8", "array", "empty", "bad-uuid", "extra-field", "missing-field"],
)
def test_malformed_records(data: bytes) -> None:
    with pytest.raises(MalformedEvent) as caught:
        parse_record(data)
    assert caught.value.reason == "malformed"


def test_invalid_payload_names_the_problem() -> None:
    with pytest.raises(InvalidPayload) as caught:
        parse_record(tampered(payload={**GOOD.payload, "hours": -1}))
    assert caught.value.reason == "invalid_payload"
    assert "hours" in caught.value.message
    assert "greater than 0" in caught.value.detail


def test_a_payload_missing_fields_is_invalid() -> None:
    with pytest.raises(InvalidPayload):
        parse_record(tampered(payload={"worker_id": "w-1"}))


def test_every_error_is_a_contract_error_with_its_own_reason() -> None:
    kinds: list[type[ContractError]] = [
        MalformedEvent,
        UnknownEventType,
        FutureSchemaVersion,
        InvalidPayload,
        MissingUpcaster,
    ]
    assert all(issubclass(kind, ContractError) for kind in kinds)
    reasons = [kind.reason for kind in kinds]
    assert len(set(reasons)) == len(reasons)
    assert UnknownEventType("X").as_dict() == {
        "reason": "unknown_event_type",
        "message": "unknown event type 'X'",
    }
