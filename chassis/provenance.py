"""Does a record come from whom it says? The consumer's side of "the bus is not open".

The broker's ACLs decide who may write a topic; this check makes the consumer hold every
record to the same declaration (contracts/topics.py), so a record that got onto a topic its
envelope's producer does not own (a misconfigured ACL, a replayed file, a bug) is refused:

- on a service's events topic, the envelope's `producer` must be that service, and the event
  type one that service publishes (`forged_producer`);
- on an enterprise's inbound topic (`craftsman.inbound.hr.<id>`: only that enterprise may write
  it, so the topic names the sender), the producer must be the enterprise's principal
  (`forged_producer`), the event one that enterprises may send (`not_inbound_event`), and the
  envelope's tenant and the payload's enterprise the sender (`foreign_tenant`).

A topic the declaration does not know (a test's own topic) gets no verdict.

Before any of that, `typed_by_header` says which records may be passed over unread: on a
service's events topic the `event_type` header is written by that service's relay from the
very envelope in the value, so a consumer that handles no event of that type need not parse
it. Inbound topics (written by enterprises) and unknown topics are always read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chassis.deadletter import KafkaRecord
from contracts.catalog import INBOUND_HR_EVENT_TYPES, PRODUCER_OF_EVENT
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.topics import TOPIC_OF_PRODUCER, enterprise_principal, sender_of_inbound

__all__ = ["RecordCheck", "Refusal", "TypeHeader", "topic_ownership", "typed_by_header"]

OWNER_OF_TOPIC = {topic: producer for producer, topic in TOPIC_OF_PRODUCER.items()}


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    detail: str


RecordCheck = Callable[[KafkaRecord, Envelope, Event], Refusal | None]
"""Judges a decoded record: None to accept it, a Refusal to dead-letter it with its reason."""


def topic_ownership(topic_prefix: str = "") -> RecordCheck:
    """The check for a run whose topics are the contract's names behind `topic_prefix`."""

    def check(record: KafkaRecord, envelope: Envelope, event: Event) -> Refusal | None:
        if not record.topic.startswith(topic_prefix):
            return None
        topic = record.topic[len(topic_prefix) :]
        sender = sender_of_inbound(topic)
        if sender is not None:
            return _inbound(sender, envelope, event)
        owner = OWNER_OF_TOPIC.get(topic)
        if owner is None:
            return None
        if envelope.producer != owner:
            return Refusal("forged_producer", f"{topic} is written by {owner}, not {envelope.producer}")
        if PRODUCER_OF_EVENT.get(envelope.event_type) != owner:
            return Refusal("forged_producer", f"{envelope.event_type} is not an event {owner} publishes")
        return None

    return check


TypeHeader = Callable[[KafkaRecord], str | None]
"""The event type a record's header names, where that header can be trusted; None: read the value."""


def typed_by_header(topic_prefix: str = "") -> TypeHeader:
    """The `event_type` header of records on the services' own events topics (behind
    `topic_prefix`); None on any other topic, or when the header is missing."""
    trusted: dict[str, bool] = {}  # by topic: a pattern subscription meets new ones

    def named(record: KafkaRecord) -> str | None:
        topic = record.topic
        trust = trusted.get(topic)
        if trust is None:
            owned = topic.startswith(topic_prefix) and topic[len(topic_prefix) :] in OWNER_OF_TOPIC
            trust = trusted[topic] = owned
        if not trust:
            return None
        for name, value in record.headers or ():
            if name == "event_type":
                return value.decode("utf-8", errors="replace") if value else None
        return None

    return named


def _inbound(sender: str, envelope: Envelope, event: Event) -> Refusal | None:
    principal = enterprise_principal(sender)
    if envelope.producer != principal:
        return Refusal("forged_producer", f"inbound topic of {sender}: producer must be {principal}")
    if envelope.event_type not in INBOUND_HR_EVENT_TYPES:
        allowed = ", ".join(INBOUND_HR_EVENT_TYPES)
        return Refusal("not_inbound_event", f"{envelope.event_type} is not one of {allowed}")
    enterprise = getattr(event, "enterprise_id", sender)
    if envelope.tenant != sender or enterprise != sender:
        return Refusal(
            "foreign_tenant",
            f"sent by {sender} for tenant {envelope.tenant} (enterprise {enterprise}): "
            "an enterprise sends only its own facts",
        )
    return None
