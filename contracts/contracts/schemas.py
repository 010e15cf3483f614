"""JSON Schema and AsyncAPI documents generated from the models (pure: returns dicts)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contracts.catalog import EVENT_TYPES, EVENTS_BY_PRODUCER, INBOUND_HR_EVENT_TYPES, LEGACY_EVENT_TYPES
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.topics import INBOUND_HR, TOPIC_OF_PRODUCER

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_SCHEMA_FILE = "envelope.schema.json"
ASYNCAPI_FILE = "asyncapi.json"
KAFKA_BINDING_VERSION = "0.5.0"

JsonDoc = dict[str, Any]


def _contracts_version() -> str:
    try:
        return version("craftsman-contracts")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def event_label(event_class: type[Event]) -> str:
    """E.g. "WorkerRegistered.v2": the stem of its schema and golden files."""
    return f"{event_class.event_type}.v{event_class.schema_version}"


def schema_file_name(event_class: type[Event]) -> str:
    return f"{event_label(event_class)}.schema.json"


def _standalone(model: type[BaseModel], schema_id: str) -> JsonDoc:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, **schema}


def event_schema(event_class: type[Event]) -> JsonDoc:
    """The JSON Schema of one event version's payload."""
    return _standalone(event_class, f"urn:craftsman:contracts:event:{event_label(event_class)}")


def envelope_schema() -> JsonDoc:
    return _standalone(Envelope, "urn:craftsman:contracts:envelope")


def schema_files() -> dict[str, JsonDoc]:
    """Every schema document by file name: current and superseded payloads, and the envelope."""
    files = {schema_file_name(cls): event_schema(cls) for cls in EVENT_TYPES.values()}
    files.update({schema_file_name(cls): event_schema(cls) for cls in LEGACY_EVENT_TYPES.values()})
    files[ENVELOPE_SCHEMA_FILE] = envelope_schema()
    return files


def message_id(event_class: type[Event]) -> str:
    # AsyncAPI allows only [A-Za-z0-9_-] in channel message keys.
    return f"{event_class.event_type}_v{event_class.schema_version}"


def _message(event_class: type[Event], payload_ref: str) -> JsonDoc:
    doc = (event_class.__doc__ or "").strip()
    return {
        "name": event_class.event_type,
        "title": f"{event_class.event_type} v{event_class.schema_version}",
        "summary": doc.splitlines()[0] if doc else event_class.event_type,
        "contentType": "application/json",
        # The record value is the envelope; its `payload` is the event schema.
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {
                    "type": "object",
                    "properties": {
                        "event_type": {"const": event_class.event_type},
                        "schema_version": {"const": event_class.schema_version},
                        "payload": {"$ref": payload_ref},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "The worker id, or the aggregate id where no worker is involved",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel(address: str, description: str, event_classes: list[type[Event]]) -> JsonDoc:
    return {
        "address": address,
        "description": description,
        "messages": {
            message_id(cls): {"$ref": f"#/components/messages/{message_id(cls)}"} for cls in event_classes
        },
        "bindings": {"kafka": {"topic": address, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _operation(action: str, channel_id: str, summary: str, channel: JsonDoc) -> JsonDoc:
    return {
        "action": action,
        "summary": summary,
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{key}"} for key in channel["messages"]],
    }


def _versions_on_topic(event_classes: tuple[type[Event], ...]) -> list[type[Event]]:
    # Old versions stay on a topic forever, so its readers must expect them too.
    superseded = list(LEGACY_EVENT_TYPES.values())
    return [
        version_class
        for current in event_classes
        for version_class in (current, *(old for old in superseded if old.event_type == current.event_type))
    ]


def _channels_and_operations() -> tuple[JsonDoc, JsonDoc]:
    channels: JsonDoc = {}
    operations: JsonDoc = {}
    for producer, event_classes in EVENTS_BY_PRODUCER.items():
        channel_id = f"{producer}Events"
        channels[channel_id] = _channel(
            TOPIC_OF_PRODUCER[producer],
            f"Events published by the {producer} service",
            _versions_on_topic(event_classes),
        )
        operations[f"{producer}Publishes"] = _operation(
            "send", channel_id, f"The {producer} service publishes its events", channels[channel_id]
        )
    inbound = [EVENT_TYPES[event_type] for event_type in INBOUND_HR_EVENT_TYPES]
    channels["inboundHr"] = _channel(
        INBOUND_HR, "Facts sent by enterprise HR systems, validated by the owning service", inbound
    )
    operations["platformReceivesInboundHr"] = _operation(
        "receive", "inboundHr", "The owning services receive enterprise HR facts", channels["inboundHr"]
    )
    return channels, operations


def _components() -> JsonDoc:
    every_version = [*EVENT_TYPES.values(), *LEGACY_EVENT_TYPES.values()]
    models: list[type[BaseModel]] = [Envelope, *every_version]
    # One shared schema table: refs point into components/schemas, not a per-schema $defs.
    refs, definitions = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
    )
    return {
        "schemas": definitions["$defs"],
        "messages": {
            message_id(cls): _message(cls, refs[(cls, "validation")]["$ref"]) for cls in every_version
        },
    }


def asyncapi_document() -> JsonDoc:
    """An AsyncAPI 3.0 document: one channel per topic, one send operation per producer."""
    channels, operations = _channels_and_operations()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Craftsman talent platform events",
            "version": _contracts_version(),
            "description": (
                "Domain events of the city trade-union federation's craftsman platform. "
                "Every record value is a JSON envelope; the record key is the worker id "
                "(or the aggregate id where no worker is involved)."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": _components(),
    }
