from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.envelope import Envelope, StreamRef
from contracts.errors import MalformedEvent
from contracts.events import ContestOpened, WorkerRegistered
from contracts.ids import uuid7
from contracts.vocabulary import ContestLevel, SkillLevel

WORKER = WorkerRegistered(
    worker_id="w-7",
    enterprise_id="ent-1",
    trade="服装制作",
    skill_level=SkillLevel.INTERMEDIATE,
)
CONTEST = ContestOpened(
    contest_id="contest-1",
    title="服装制作技能竞赛",
    trade="服装制作",
    level=ContestLevel.COUNTY,
    organiser_id="county-union",
    region_id="370781",
    starts_on=date(2025, 9, 1),
    ends_on=date(2025, 9, 1),
)


def wrap(event: WorkerRegistered | ContestOpened, stream: StreamRef, **extra: Any) -> Envelope:
    return Envelope.wrap(event, producer="registry", stream=stream, stream_version=1, tenant="ent-1", **extra)


def fields(**changes: Any) -> dict[str, Any]:
    return {**wrap(WORKER, StreamRef(type="Worker", id="w-7")).model_dump(), **changes}


def test_wrap_fills_the_envelope_from_the_event() -> None:
    envelope = wrap(WORKER, StreamRef(type="Worker", id="w-7"))
    assert (envelope.event_type, envelope.schema_version) == ("WorkerRegistered", 3)
    assert envelope.event_id.version == 7
    assert envelope.correlation_id == envelope.event_id  # a new flow starts here
    assert envelope.causation_id is None
    assert envelope.key == "w-7"
    assert envelope.payload["trade"] == "服装制作"
    assert envelope.occurred_at.tzinfo is UTC


def test_the_key_falls_back_to_the_stream_id_when_no_worker_is_involved() -> None:
    assert wrap(CONTEST, StreamRef(type="Contest", id="contest-1")).key == "contest-1"


def test_wrap_keeps_the_given_flow_and_cause() -> None:
    correlation, cause = uuid7(), uuid7()
    envelope = wrap(
        WORKER, StreamRef(type="Worker", id="w-7"), correlation_id=correlation, causation_id=cause
    )
    assert (envelope.correlation_id, envelope.causation_id) == (correlation, cause)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Envelope(**fields(occurred_at=datetime(2025, 6, 2, 8, 0)))
    raw = json.loads(wrap(WORKER, StreamRef(type="Worker", id="w-7")).to_bytes())
    raw["occurred_at"] = "2025-06-02T08:00:00"
    with pytest.raises(MalformedEvent):
        Envelope.from_bytes(json.dumps(raw).encode())


def test_aware_datetimes_are_normalised_to_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    envelope = Envelope(**fields(occurred_at=datetime(2025, 6, 2, 16, 0, tzinfo=beijing)))
    assert envelope.occurred_at == datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    assert envelope.occurred_at.utcoffset() == timedelta(0)
    assert b'"occurred_at":"2025-06-02T08:00:00Z"' in envelope.to_bytes()


def test_bytes_are_compact_utf8_json_and_round_trip() -> None:
    envelope = wrap(WORKER, StreamRef(type="Worker", id="w-7"))
    data = envelope.to_bytes()
    assert "服装制作".encode() in data  # readable UTF-8, not escaped
    assert b": " not in data and b", " not in data
    assert Envelope.from_bytes(data) == envelope


def test_envelopes_are_frozen_and_closed() -> None:
    envelope = wrap(WORKER, StreamRef(type="Worker", id="w-7"))
    with pytest.raises(ValidationError):
        envelope.tenant = "ent-2"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Envelope(**fields(unexpected="x"))
    with pytest.raises(ValidationError):
        Envelope(**fields(stream_version=0))


def test_stream_ref_names_a_stream() -> None:
    stream = StreamRef(type="Worker", id="w-7-b")
    assert str(stream) == "Worker-w-7-b"
    assert StreamRef.parse(str(stream)) == stream
    with pytest.raises(ValidationError):
        StreamRef(type="Bad-Type", id="x")
