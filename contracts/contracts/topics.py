"""Kafka topic names, who owns (writes) each topic, and who reads it: the one declared place.

deploy/kafka_access.py creates these topics and the ACLs that follow from them; consumers
check records against the same ownership (chassis/inbox.py).
"""

from __future__ import annotations

import re
from typing import Final

REGISTRY_EVENTS: Final = "craftsman.registry.events"
COMPETITIONS_EVENTS: Final = "craftsman.competitions.events"
TRAINING_EVENTS: Final = "craftsman.training.events"
REWARDS_EVENTS: Final = "craftsman.rewards.events"

INBOUND_HR: Final = "craftsman.inbound.hr"
"""Enterprise HR systems send their own facts to ``craftsman.inbound.hr.<enterprise_id>``
(one topic per enterprise, written only by that enterprise's principal); the owning service
validates them."""

TOPIC_OF_PRODUCER: Final[dict[str, str]] = {
    "registry": REGISTRY_EVENTS,
    "competitions": COMPETITIONS_EVENTS,
    "training": TRAINING_EVENTS,
    "rewards": REWARDS_EVENTS,
}
"""Each service publishes its events on its own topic, and only there."""

ALL_EVENT_TOPICS: Final[tuple[str, ...]] = tuple(TOPIC_OF_PRODUCER.values())
"""The public topics: every service and enterprise may read them."""

CONSUMED_TOPICS: Final[dict[str, tuple[str, ...]]] = {
    "registry": (REGISTRY_EVENTS, TRAINING_EVENTS, COMPETITIONS_EVENTS, REWARDS_EVENTS),
    "competitions": (REGISTRY_EVENTS, COMPETITIONS_EVENTS),
    "training": (REGISTRY_EVENTS, TRAINING_EVENTS),
    "rewards": (REGISTRY_EVENTS, COMPETITIONS_EVENTS, TRAINING_EVENTS, REWARDS_EVENTS),
    "dashboard": ALL_EVENT_TOPICS,
}
"""The public topics each service's consumer groups read (and dead-letter into). Its keys are
every service that runs consumer groups: the four, and the dashboard, which publishes nothing."""

INBOUND_CONSUMERS: Final[tuple[str, ...]] = ("registry", "competitions")
"""The services that read every enterprise's inbound topic."""

ENTERPRISE_ID_PATTERN: Final = r"[A-Za-z0-9_-]+"
"""Enterprise ids that can name a principal and a topic (no dot: the topic's last part is the id)."""
MAX_ENTERPRISE_ID = 100

_INBOUND_TOPIC = re.compile(rf"{re.escape(INBOUND_HR)}\.({ENTERPRISE_ID_PATTERN})")


def dead_letter_topic(topic: str) -> str:
    """Where a consumer of `topic` parks the records it cannot process."""
    return f"{topic}.dlq"


def inbound_topic(enterprise_id: str) -> str:
    """The topic only enterprise `enterprise_id` writes its HR facts to."""
    if len(enterprise_id) > MAX_ENTERPRISE_ID or not re.fullmatch(ENTERPRISE_ID_PATTERN, enterprise_id):
        raise ValueError(f"enterprise id {enterprise_id!r} cannot name a topic ({ENTERPRISE_ID_PATTERN})")
    return f"{INBOUND_HR}.{enterprise_id}"


def inbound_topic_pattern(prefix: str = "") -> str:
    """A regular expression for every enterprise's inbound topic (not their dead-letter topics)."""
    return rf"{re.escape(prefix + INBOUND_HR)}\.{ENTERPRISE_ID_PATTERN}$"


def sender_of_inbound(topic: str) -> str | None:
    """The enterprise whose inbound topic `topic` is, or None when it is not an inbound topic."""
    match = _INBOUND_TOPIC.fullmatch(topic)
    return match.group(1) if match else None


def enterprise_principal(enterprise_id: str) -> str:
    """The Kafka user (and the envelope's ``producer``) of an enterprise's HR system."""
    inbound_topic(enterprise_id)  # validates the id
    return f"ent-{enterprise_id}"
