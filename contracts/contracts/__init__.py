"""Event contracts of the craftsman talent platform: envelope, events, topics, schemas.

Pure models, no I/O: an integrating enterprise installs this package alone.
"""

from contracts.catalog import EVENT_TYPES, decode, parse_record, upcast, upcaster
from contracts.envelope import Envelope, StreamRef
from contracts.errors import (
    ContractError,
    FutureSchemaVersion,
    InvalidPayload,
    MalformedEvent,
    MissingUpcaster,
    UnknownEventType,
)
from contracts.events.base import Event
from contracts.ids import derived_uuid, uuid7

__all__ = [
    "EVENT_TYPES",
    "ContractError",
    "Envelope",
    "Event",
    "FutureSchemaVersion",
    "InvalidPayload",
    "MalformedEvent",
    "MissingUpcaster",
    "StreamRef",
    "UnknownEventType",
    "decode",
    "derived_uuid",
    "parse_record",
    "upcast",
    "upcaster",
    "uuid7",
]
