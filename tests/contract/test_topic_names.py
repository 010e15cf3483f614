from __future__ import annotations

import pytest

from contracts import topics
from contracts.catalog import EVENT_TYPES, EVENTS_BY_PRODUCER, topic_of
from contracts.errors import UnknownEventType


def test_topic_names() -> None:
    assert topics.REGISTRY_EVENTS == "craftsman.registry.events"
    assert topics.COMPETITIONS_EVENTS == "craftsman.competitions.events"
    assert topics.TRAINING_EVENTS == "craftsman.training.events"
    assert topics.REWARDS_EVENTS == "craftsman.rewards.events"
    assert topics.INBOUND_HR == "craftsman.inbound.hr"
    assert topics.dead_letter_topic(topics.REWARDS_EVENTS) == "craftsman.rewards.events.dlq"
    assert set(topics.ALL_EVENT_TOPICS) == set(topics.TOPIC_OF_PRODUCER.values())


def test_every_producer_has_a_topic_and_every_event_one_producer() -> None:
    assert set(EVENTS_BY_PRODUCER) == set(topics.TOPIC_OF_PRODUCER)
    assert topic_of("WorkerRegistered") == topics.REGISTRY_EVENTS
    assert topic_of("RewardGranted") == topics.REWARDS_EVENTS
    assert sum(len(events) for events in EVENTS_BY_PRODUCER.values()) == len(EVENT_TYPES)
    with pytest.raises(UnknownEventType):
        topic_of("WorkerTeleported")
