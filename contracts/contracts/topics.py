"""Kafka topic names."""

from __future__ import annotations

from typing import Final

REGISTRY_EVENTS: Final = "craftsman.registry.events"
COMPETITIONS_EVENTS: Final = "craftsman.competitions.events"
TRAINING_EVENTS: Final = "craftsman.training.events"
REWARDS_EVENTS: Final = "craftsman.rewards.events"

INBOUND_HR: Final = "craftsman.inbound.hr"
"""Enterprise HR systems send their own facts here; the owning service validates them."""

TOPIC_OF_PRODUCER: Final[dict[str, str]] = {
    "registry": REGISTRY_EVENTS,
    "competitions": COMPETITIONS_EVENTS,
    "training": TRAINING_EVENTS,
    "rewards": REWARDS_EVENTS,
}
"""Each service publishes its events on its own topic."""

ALL_EVENT_TOPICS: Final[tuple[str, ...]] = tuple(TOPIC_OF_PRODUCER.values())


def dead_letter_topic(topic: str) -> str:
    """Where a consumer of `topic` parks the records it cannot process."""
    return f"{topic}.dlq"
