"""The AsyncAPI documents are FastStream's, generated from the services as they are wired:
every subscription's channels with the event types it reads, every dead-letter channel and
every service's own event channel, with message schemas that are the event models'."""

from __future__ import annotations

from typing import Any

import pytest

from chassis.asyncapi import asyncapi_document
from chassis.service import ServiceSpec, declared
from contracts.catalog import EVENT_TYPES, EVENTS_BY_PRODUCER
from contracts.topics import ALL_EVENT_TOPICS, TOPIC_OF_PRODUCER, dead_letter_topic
from deploy.asyncapi import PLATFORM_FILE, SERVICES, documents

DEAD_LETTER = "bytes"  # a dead letter's value is the original record's bytes


def resolve(document: Any, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


def deref(document: Any, node: Any) -> Any:
    while isinstance(node, dict) and set(node) == {"$ref"}:
        node = resolve(document, node["$ref"])
    return node


def message_kinds(document: Any, operation: Any) -> tuple[str, ...]:
    """The event types an operation's message carries, or DEAD_LETTER for raw bytes."""
    (message_ref,) = operation["messages"]
    payload = deref(document, deref(document, message_ref)["payload"])
    if payload.get("type") == "string" and payload.get("format") == "binary":
        return (DEAD_LETTER,)
    records = [deref(document, option) for option in payload["oneOf"]]
    return tuple(sorted(record["properties"]["event_type"]["const"] for record in records))


def operations(document: Any, action: str) -> set[tuple[str, tuple[str, ...]]]:
    return {
        (deref(document, operation["channel"])["address"], message_kinds(document, operation))
        for operation in document["operations"].values()
        if operation["action"] == action
    }


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
async def test_a_service_document_lists_what_its_code_subscribes_and_publishes(spec: ServiceSpec) -> None:
    async with declared(spec) as runtime:
        document = asyncapi_document(runtime.broker, title=spec.name)
        subscriptions = spec.subscriptions(runtime)

    assert document["asyncapi"] == "3.0.0"
    read = {
        (
            topic,
            tuple(sorted(kind.event_type for kind in {*subscription.handlers, *subscription.batch_handlers})),
        )
        for subscription in subscriptions
        for topic in subscription.topics
    }
    by_pattern = {  # enterprises' inbound topics, one per enterprise, read by pattern
        (
            subscription.pattern,
            tuple(sorted(kind.event_type for kind in {*subscription.handlers, *subscription.batch_handlers})),
        )
        for subscription in subscriptions
        if subscription.pattern
    }
    assert operations(document, "receive") == read | by_pattern
    own = TOPIC_OF_PRODUCER[spec.name]
    written = {(dead_letter_topic(topic), (DEAD_LETTER,)) for topic, _ in read} | {
        (own, tuple(sorted(kind.event_type for kind in EVENTS_BY_PRODUCER[spec.name])))
    }
    assert operations(document, "send") == written
    for ref in refs_in(document):
        assert resolve(document, ref) is not None, ref


async def test_record_schemas_are_the_envelope_around_the_event_models() -> None:
    async with declared(SERVICES[0]) as runtime:
        document = asyncapi_document(runtime.broker, title="registry")
    schemas = document["components"]["schemas"]
    records = {name: schema for name, schema in schemas.items() if name.endswith("Record")}
    assert records, "typed records are documented"
    for name, record in records.items():
        event_type = record["properties"]["event_type"]["const"]
        assert name == f"{event_type}Record"
        assert {"event_id", "stream", "key", "payload"} <= set(record["required"])
        payload = record["properties"]["payload"]
        versions = [deref(document, option) for option in payload.get("anyOf", [payload])]
        current = EVENT_TYPES[event_type].model_json_schema()
        assert any(set(version["properties"]) == set(current["properties"]) for version in versions)


async def test_the_platform_document_joins_every_service() -> None:
    written = await documents()
    platform = written.pop(PLATFORM_FILE)
    assert set(written) == {f"asyncapi.{spec.name}.json" for spec in SERVICES}
    sent = operations(platform, "send")
    assert {topic for topic, _ in sent} >= set(ALL_EVENT_TOPICS), "every service's events"
    for document in written.values():
        assert operations(document, "send") <= sent
        assert operations(document, "receive") <= operations(platform, "receive")
    for ref in refs_in(platform):
        assert resolve(platform, ref) is not None, ref
