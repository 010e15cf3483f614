"""The catalogue of event types, and decoding of records into current events."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, ValidationError, create_model

import contracts.upcasters  # noqa: F401  (importing registers the upcasters)
from contracts.envelope import Envelope
from contracts.errors import FutureSchemaVersion, InvalidPayload, UnknownEventType
from contracts.events import competitions, registry, rewards, training
from contracts.events.base import Event
from contracts.events.legacy import LEGACY_EVENTS
from contracts.topics import TOPIC_OF_PRODUCER
from contracts.upcasting import Payload, lift, registered_upcasters, upcaster

__all__ = [
    "EVENTS_BY_PRODUCER",
    "EVENT_TYPES",
    "INBOUND_HR_EVENT_TYPES",
    "LEGACY_EVENT_TYPES",
    "PRODUCER_OF_EVENT",
    "decode",
    "event_class",
    "parse_record",
    "registered_upcasters",
    "topic_of",
    "upcast",
    "upcaster",
]

EVENTS_BY_PRODUCER: Mapping[str, tuple[type[Event], ...]] = MappingProxyType(
    {
        registry.PRODUCER: registry.EVENTS,
        competitions.PRODUCER: competitions.EVENTS,
        training.PRODUCER: training.EVENTS,
        rewards.PRODUCER: rewards.EVENTS,
    }
)


def _by_type(events: tuple[type[Event], ...]) -> dict[str, type[Event]]:
    by_type: dict[str, type[Event]] = {}
    for event_class in events:
        if event_class.event_type in by_type:
            raise ValueError(f"event type {event_class.event_type!r} is declared twice")
        by_type[event_class.event_type] = event_class
    return by_type


EVENT_TYPES: Mapping[str, type[Event]] = MappingProxyType(
    _by_type(tuple(cls for events in EVENTS_BY_PRODUCER.values() for cls in events))
)
"""Every current event class by its event type."""

LEGACY_EVENT_TYPES: Mapping[tuple[str, int], type[Event]] = MappingProxyType(
    {(cls.event_type, cls.schema_version): cls for cls in LEGACY_EVENTS}
)
"""Models of superseded versions, by (event type, schema version); for docs and tests."""

PRODUCER_OF_EVENT: Mapping[str, str] = MappingProxyType(
    {cls.event_type: producer for producer, events in EVENTS_BY_PRODUCER.items() for cls in events}
)

INBOUND_HR_EVENT_TYPES: tuple[str, ...] = (
    "WorkerRegistered",  # hires
    "WorkerLeft",  # leavers
    "WorkerNominated",  # nominations from the enterprise's own selection
    "CompetitionScored",  # results of in-house contests
)
"""What enterprise HR systems may send on the inbound topic."""


def event_class(event_type: str) -> type[Event]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def topic_of(event_type: str) -> str:
    """The topic an event type is published on (its producer's topic)."""
    event_class(event_type)
    return TOPIC_OF_PRODUCER[PRODUCER_OF_EVENT[event_type]]


def upcast(event_type: str, schema_version: int, payload: Payload) -> tuple[int, Payload]:
    """Lift a payload of any known version to the current one; returns (version, payload)."""
    current = event_class(event_type).schema_version
    if schema_version > current:
        raise FutureSchemaVersion(event_type, schema_version, current)
    return current, lift(event_type, schema_version, current, payload)


def _validate(event_type: str, schema_version: int, payload: Any) -> Event:
    try:
        return event_class(event_type).model_validate(payload)
    except ValidationError as error:
        raise InvalidPayload(event_type, schema_version, str(error)) from error


def decode(envelope: Envelope) -> Event:
    """The envelope's payload as the current model of its event type."""
    version, payload = upcast(envelope.event_type, envelope.schema_version, envelope.payload)
    return _validate(envelope.event_type, version, payload)


def parse_record(data: bytes) -> tuple[Envelope, Event]:
    """Decode a Kafka record value.

    The returned envelope is rewritten to the current schema version, with the
    upcast payload in its canonical JSON form.

    A record of the current schema version is validated in ONE pass (envelope and
    payload together, see `_current_records`); anything else (an old version to
    upcast, or a record that fails) takes the step-by-step path, which is also what
    names a broken record's ContractError.
    """
    try:
        typed = _current_records().validate_json(data)
    except ValidationError:
        return _parse_step_by_step(data)
    event: Event = typed.payload
    if typed.schema_version != event.schema_version:
        return _parse_step_by_step(data)
    fields = dict(typed.__dict__)
    fields["payload"] = event.model_dump(mode="json")
    return _validated_envelope(fields), event


def _parse_step_by_step(data: bytes) -> tuple[Envelope, Event]:
    envelope = Envelope.from_bytes(data)
    event = decode(envelope)
    current = envelope.model_copy(
        update={"schema_version": event.schema_version, "payload": event.model_dump(mode="json")}
    )
    return current, event


def _validated_envelope(fields: dict[str, Any]) -> Envelope:
    """An Envelope from fields pydantic has just validated (as the typed record), without a
    second validation: what model_construct does, minus its per-field Python loop."""
    envelope = Envelope.__new__(Envelope)
    object.__setattr__(envelope, "__dict__", fields)
    object.__setattr__(envelope, "__pydantic_fields_set__", set(_ALL_FIELDS))
    object.__setattr__(envelope, "__pydantic_extra__", None)
    object.__setattr__(envelope, "__pydantic_private__", None)
    return envelope


_ALL_FIELDS = frozenset(Envelope.model_fields)


@cache
def _current_records() -> TypeAdapter[Any]:
    """Every event type's envelope with its payload typed as the current model, told apart
    by event_type: pydantic validates the envelope and the payload in one pass."""
    typed = [
        create_model(
            f"{cls.__name__}Record",
            __base__=Envelope,
            event_type=(Literal[cls.event_type], ...),  # type: ignore[arg-type]
            payload=(cls, ...),
        )
        for cls in EVENT_TYPES.values()
    ]
    return TypeAdapter(Annotated[Union[tuple(typed)], Field(discriminator="event_type")])  # type: ignore[arg-type]  # noqa: UP007
