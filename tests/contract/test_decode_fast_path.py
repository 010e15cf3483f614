"""parse_record's one-pass path gives exactly what the step-by-step path gives."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from chassis.eventstore.pg_append import payload_text
from contracts import catalog
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.samples import SAMPLES, sample_envelope

RECORDS = [sample_envelope(sample).to_bytes() for sample in SAMPLES] + [
    golden.read_bytes()
    for golden in (files("contracts") / "golden").iterdir()
    if golden.name.endswith(".json")
]


@pytest.mark.parametrize("data", RECORDS)
def test_one_pass_and_step_by_step_agree(data: bytes) -> None:
    fast, fast_event = catalog.parse_record(data)
    slow, slow_event = catalog._parse_step_by_step(data)
    assert type(fast) is Envelope and fast == slow and fast_event == slow_event
    assert fast.to_bytes() == slow.to_bytes() and fast.model_fields_set == slow.model_fields_set
    assert fast.model_copy(update={"tenant": "t"}).tenant == "t"


@pytest.mark.parametrize(
    "broken",
    [
        b"not json",
        RECORDS[0].replace(b'"schema_version":', b'"schema_version":9', 1),
        RECORDS[0].replace(b'"event_type":"', b'"event_type":"Nope', 1),
        RECORDS[0].replace(b'"tenant":"', b'"tenant":" ', 1),
        RECORDS[0].replace(b'"payload":{', b'"payload":{"extra":1,', 1),
    ],
)
def test_a_broken_record_fails_with_the_step_by_step_reason(broken: bytes) -> None:
    with pytest.raises(ContractError) as fast:
        catalog.parse_record(broken)
    with pytest.raises(ContractError) as slow:
        catalog._parse_step_by_step(broken)
    assert (fast.value.reason, str(fast.value)) == (slow.value.reason, str(slow.value))


@pytest.mark.parametrize("data", RECORDS)
def test_the_payload_cut_from_the_body_is_the_payload(data: bytes) -> None:
    envelope, _ = catalog.parse_record(data)
    tricky = envelope.model_copy(update={"tenant": 'a"payload":{}', "payload": {"payload": {"x": 1}}})
    for candidate in (envelope, tricky):
        assert json.loads(payload_text(candidate.to_bytes())) == candidate.payload
