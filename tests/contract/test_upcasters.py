from __future__ import annotations

import copy
from typing import Any

import pytest

import contracts.upcasting
from contracts.catalog import decode, upcast, upcaster
from contracts.envelope import Envelope, StreamRef
from contracts.errors import InvalidPayload, MissingUpcaster
from contracts.events import WorkerRegistered
from contracts.events.legacy import WorkerRegisteredV1
from contracts.vocabulary import SkillLevel

V1_PAYLOAD: dict[str, Any] = {
    "worker_id": "w-old",
    "enterprise_id": "ent-1",
    "name": "王磊",
    "trade": "焊工",
}


def test_worker_registered_v1_lifts_to_v3_and_loses_the_name_on_the_way() -> None:
    assert upcast("WorkerRegistered", 1, V1_PAYLOAD) == (
        3,
        {
            "worker_id": "w-old",
            "enterprise_id": "ent-1",
            "trade": "焊工",
            "skill_level": "junior",
            "hired_on": None,
            "post": None,
            "front_line": True,
        },
    )


def test_upcasting_leaves_the_callers_payload_alone() -> None:
    before = copy.deepcopy(V1_PAYLOAD)
    upcast("WorkerRegistered", 1, V1_PAYLOAD)
    assert before == V1_PAYLOAD


def test_a_current_payload_passes_through_unchanged() -> None:
    payload = {"worker_id": "w-1", "enterprise_id": "ent-1", "trade": "焊工", "skill_level": "senior"}
    assert upcast("WorkerRegistered", 3, payload) == (3, payload)


def test_decode_of_a_v1_envelope_gives_the_current_model() -> None:
    envelope = Envelope.wrap(
        WorkerRegisteredV1.model_validate(V1_PAYLOAD),
        producer="registry",
        stream=StreamRef(type="Worker", id="w-old"),
        stream_version=1,
        tenant="ent-1",
    )
    assert envelope.schema_version == 1
    event = decode(envelope)
    assert isinstance(event, WorkerRegistered)
    assert (event.skill_level, event.hired_on, event.front_line) == (SkillLevel.JUNIOR, None, True)
    assert "王磊" not in event.model_dump_json(), "v3 carries no name: the chain drops it"


def test_an_old_payload_missing_its_own_fields_is_invalid() -> None:
    with pytest.raises(InvalidPayload) as caught:
        upcast("WorkerRegistered", 1, {"worker_id": "w-1"})
    assert caught.value.reason == "invalid_payload"


def test_a_gap_in_the_chain_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(contracts.upcasting._UPCASTERS, ("WorkerRegistered", 1))
    with pytest.raises(MissingUpcaster) as caught:
        upcast("WorkerRegistered", 1, V1_PAYLOAD)
    assert caught.value.reason == "missing_upcaster"


def test_a_step_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already has an upcaster"):

        @upcaster("WorkerRegistered", from_version=1)
        def again(payload: dict[str, Any]) -> dict[str, Any]:
            return payload
