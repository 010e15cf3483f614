"""deploy/topics.py: the one declaration of the platform's topics and their settings."""

from __future__ import annotations

from contracts.topics import ALL_EVENT_TOPICS, dead_letter_topic, inbound_topic
from deploy import topics
from deploy.kafka_access import declared_topics


def test_three_brokers_replicate_three_times_and_need_two_in_sync() -> None:
    for topic in topics.declared(3):
        assert (topic.replication, topic.config["min.insync.replicas"]) == (3, "2")
    for topic in topics.declared(1):
        assert (topic.replication, topic.config["min.insync.replicas"]) == (1, "1")


def test_event_topics_keep_their_history_and_are_not_compacted() -> None:
    by_name = {topic.name: topic for topic in topics.declared(3, prefix="p.", enterprises=["acme"])}
    for name in ALL_EVENT_TOPICS:
        assert by_name[f"p.{name}"].config == {
            "cleanup.policy": "delete",
            "retention.ms": "-1",
            "min.insync.replicas": "2",
        }
        assert by_name[f"p.{dead_letter_topic(name)}"].config["retention.ms"] == str(30 * topics.DAY_MS)
    assert by_name[f"p.{inbound_topic('acme')}"].config["retention.ms"] == str(7 * topics.DAY_MS)
    assert {topic.partitions for topic in by_name.values()} == {6}


def test_the_access_tool_creates_exactly_the_declared_topics() -> None:
    assert declared_topics(["acme"], "p.") == [
        t.name for t in topics.declared(prefix="p.", enterprises=["acme"])
    ]
