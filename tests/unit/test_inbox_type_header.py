"""A consumer passes over, unread, the records of types it does not handle when the record's
`event_type` header can be trusted (a service's own events topic, written by its relay from
the envelope in the value); everywhere else it reads the value, and a bad one is a dead letter.

The values here are not JSON: a record that was read shows up as a dead letter, one passed
over as ignored. A dead letter replayed by `craftsman dlq replay` carries the type it now has."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.deadletter import DeadLetterPublisher
from chassis.inbox import DecodedBatch, InboxConsumer
from chassis.provenance import typed_by_header
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import WorkerRegistered
from contracts.events.training import TrainingCompleted
from contracts.topics import TOPIC_OF_PRODUCER, inbound_topic
from ops.dlq import replayed_headers
from tests.service_support import FakeRecord, FakeSender, record_of
from tests.support import envelopes_for

REGISTRY = TOPIC_OF_PRODUCER["registry"]
TRAINING = TOPIC_OF_PRODUCER["training"]
NOT_JSON = b"not an envelope"


async def ignore(session: AsyncSession, envelope: Envelope, event: object) -> None:
    return None


def consumer(topic_prefix: str = "") -> InboxConsumer:
    return InboxConsumer(
        name="trainings-only",
        sessions=async_sessionmaker(),  # decoding touches no database
        handlers={TrainingCompleted: ignore},
        dead_letters=DeadLetterPublisher(FakeSender(), consumer="trainings-only"),
        type_header=typed_by_header(topic_prefix),
    )


def record(topic: str, event_type: str | None, value: bytes = NOT_JSON) -> FakeRecord:
    headers = [] if event_type is None else [("event_type", event_type.encode())]
    return FakeRecord(topic=topic, partition=0, offset=0, key=b"w-1", value=value, headers=headers)


def outcome_of(batch: DecodedBatch) -> tuple[int, int, list[str]]:
    letters = [letter.reason for letter in batch.outcome.dead_letters]
    return len(batch.deliveries), batch.outcome.ignored, letters


def test_a_type_no_handler_takes_is_passed_over_unread_on_a_services_topic() -> None:
    assert outcome_of(consumer().decode([record(REGISTRY, WorkerRegistered.event_type)])) == (0, 1, [])


def test_a_type_a_handler_takes_is_read() -> None:
    decoded = consumer().decode([record(TRAINING, TrainingCompleted.event_type)])
    assert outcome_of(decoded) == (0, 0, ["malformed"])


def test_an_enterprises_inbound_topic_is_always_read() -> None:
    decoded = consumer().decode([record(inbound_topic("weichai"), WorkerRegistered.event_type)])
    assert outcome_of(decoded) == (0, 0, ["malformed"])


def test_a_topic_the_contracts_do_not_declare_is_always_read() -> None:
    decoded = consumer().decode([record("someone.elses.topic", WorkerRegistered.event_type)])
    assert outcome_of(decoded) == (0, 0, ["malformed"])


def test_a_record_without_the_header_is_read() -> None:
    assert outcome_of(consumer().decode([record(REGISTRY, None)])) == (0, 0, ["malformed"])


def test_a_runs_topics_are_trusted_behind_its_prefix_only() -> None:
    prefixed = consumer("demo-7.")
    ours = record(f"demo-7.{REGISTRY}", WorkerRegistered.event_type)
    unprefixed = record(REGISTRY, WorkerRegistered.event_type)
    assert outcome_of(prefixed.decode([ours, unprefixed])) == (0, 1, ["malformed"])


def test_records_of_the_handled_type_are_delivered_as_before() -> None:
    envelopes = envelopes_for(StreamRef(type="Worker", id="w-1"), 1, 3)
    records = [record_of(envelope, offset) for offset, envelope in enumerate(envelopes)]
    named = [
        FakeRecord(r.topic, r.partition, r.offset, r.key, r.value, [("event_type", b"TrainingCompleted")])
        for r in records
    ]
    decoded = consumer().decode(named)
    assert outcome_of(decoded) == (3, 0, [])
    assert [delivery.envelope for delivery in decoded.deliveries] == envelopes


def test_a_replayed_dead_letter_names_the_type_it_now_carries() -> None:
    letter = [
        ("event_type", b"WorkerRegistered"),
        ("traceparent", b"00-ab-cd-01"),
        ("dlq.reason", b"malformed"),
    ]
    fixed = replayed_headers(letter, TrainingCompleted.event_type, "craftsman.training.events.dlq/0@7")
    assert fixed == [
        ("event_type", b"TrainingCompleted"),
        ("traceparent", b"00-ab-cd-01"),
        ("ops.replayed_from", b"craftsman.training.events.dlq/0@7"),
    ]
    forced = replayed_headers(letter, None, "craftsman.training.events.dlq/0@8")  # does not decode
    assert [name for name, _ in forced] == ["traceparent", "ops.replayed_from"]
    passed_over = record(TRAINING, WorkerRegistered.event_type)  # had the stale name travelled on
    assert outcome_of(consumer().decode([passed_over])) == (0, 1, [])
    replayed = FakeRecord(TRAINING, 0, 9, b"w-1", NOT_JSON, forced)
    assert outcome_of(consumer().decode([replayed])) == (0, 0, ["malformed"])
