"""The declarations the secured bus is built from: who owns and reads which topic (pure, no broker)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from chassis.provenance import topic_ownership
from chassis.service import Runtime, ServiceSpec
from chassis.settings import ServiceSettings
from contracts.envelope import Envelope
from contracts.events.registry import WorkerRegistered
from contracts.topics import (
    ALL_EVENT_TOPICS,
    CONSUMED_TOPICS,
    INBOUND_CONSUMERS,
    TOPIC_OF_PRODUCER,
    dead_letter_topic,
    enterprise_principal,
    inbound_topic,
    sender_of_inbound,
)
from deploy.kafka_access import enterprise_grants, plan, service_grants
from services.competitions.service import SPEC as COMPETITIONS
from services.dashboard.service import SPEC as DASHBOARD
from services.registry.service import SPEC as REGISTRY
from services.rewards.service import SPEC as REWARDS
from services.training.service import SPEC as TRAINING
from tests.service_support import FakeRecord, event_of, registered

SPECS: dict[str, ServiceSpec] = {
    spec.name: spec for spec in (REGISTRY, COMPETITIONS, TRAINING, REWARDS, DASHBOARD)
}


@pytest.mark.parametrize("service", sorted(SPECS))
def test_the_declared_reads_cover_every_subscription(service: str) -> None:
    """A subscription to a topic the ACLs do not let it read would fail only on the secured broker."""
    runtime = cast(
        Runtime,
        SimpleNamespace(
            unit_of_work=lambda **_: None,
            sessions=None,
            store=None,
            settings=ServiceSettings(service_name=service),
        ),
    )
    subscriptions = SPECS[service].subscriptions(runtime)
    topics = {topic for subscription in subscriptions for topic in subscription.topics}
    assert topics <= set(CONSUMED_TOPICS[service])
    assert any(s.pattern for s in subscriptions) == (service in INBOUND_CONSUMERS)


def _writes(grants: list[object]) -> set[str]:
    return {g.name for g in grants if getattr(g, "operation", "") == "WRITE"}  # type: ignore[attr-defined]


@pytest.mark.parametrize("service", sorted(TOPIC_OF_PRODUCER))
def test_a_service_writes_only_its_topic_and_dead_letters(service: str) -> None:
    writes = _writes(list(service_grants(service)))
    others = set(ALL_EVENT_TOPICS) - {TOPIC_OF_PRODUCER[service]}
    assert TOPIC_OF_PRODUCER[service] in writes
    assert not writes & others
    assert all(name == TOPIC_OF_PRODUCER[service] or name.endswith(".dlq") for name in writes)


def test_an_enterprise_writes_only_its_own_inbound_topic() -> None:
    grants = enterprise_grants("acme")
    mine = [g for g in grants if g.principal == "ent-acme"]
    assert {(g.name, g.prefixed) for g in mine if g.operation == "WRITE"} == {
        ("craftsman.inbound.hr.acme", False)
    }
    # the owning services may dead-letter its records, and write nothing else of its topics
    assert {(g.principal, g.name) for g in grants if g.principal != "ent-acme"} == {
        (service, dead_letter_topic("craftsman.inbound.hr.acme")) for service in INBOUND_CONSUMERS
    }


def test_a_run_prefix_moves_topics_and_groups() -> None:
    topics, grants = plan(["acme"], prefix="e2e-1.")
    assert all(topic.startswith("e2e-1.") for topic in topics)
    assert "e2e-1.craftsman.inbound.hr.acme.dlq" in topics
    assert all(g.name.startswith("e2e-1.") for g in grants)
    _, bench = plan([], prefix="", group_prefix="bench.")
    groups = {f"bench.{s}." for s in (*TOPIC_OF_PRODUCER, "dashboard")}
    assert {g.name for g in bench if g.resource == "GROUP"} == groups


def test_enterprise_ids_that_cannot_name_a_topic_are_refused() -> None:
    assert sender_of_inbound(inbound_topic("acme-01")) == "acme-01"
    assert sender_of_inbound("craftsman.inbound.hr.acme.dlq") is None
    assert enterprise_principal("acme") == "ent-acme"
    for bad in ("a.b", "a b", "", "x" * 101):
        with pytest.raises(ValueError, match="cannot name a topic"):
            inbound_topic(bad)


def _verdict(topic: str, envelope: Envelope, prefix: str = "") -> str | None:
    record = FakeRecord(topic=topic, partition=0, offset=0, key=None, value=envelope.to_bytes())
    event = event_of(envelope, WorkerRegistered)
    refusal = topic_ownership(prefix)(record, envelope, event)
    return None if refusal is None else refusal.reason


def test_provenance_verdicts() -> None:
    own = registered("w-1", enterprise_id="acme")
    assert _verdict("craftsman.registry.events", own) is None
    assert _verdict("run.craftsman.registry.events", own, prefix="run.") is None
    assert _verdict("craftsman.training.events", own) == "forged_producer"  # registry's event elsewhere
    claimed = own.model_copy(update={"producer": "training"})
    assert _verdict("craftsman.registry.events", claimed) == "forged_producer"
    assert _verdict("test.abc.events", claimed) is None  # a topic the contract does not know
    inbound = own.model_copy(update={"producer": "ent-acme"})
    assert _verdict("craftsman.inbound.hr.acme", inbound) is None
    assert _verdict("craftsman.inbound.hr.globex", inbound) == "forged_producer"
    foreign = inbound.model_copy(update={"tenant": "globex"})
    assert _verdict("craftsman.inbound.hr.acme", foreign) == "foreign_tenant"
    promoted = inbound.model_copy(update={"event_type": "TierPromoted"})
    assert _verdict("craftsman.inbound.hr.acme", promoted) == "not_inbound_event"
