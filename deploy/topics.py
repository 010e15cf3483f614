"""The platform's Kafka topics and their settings: the one declared place, applied idempotently.

    python -m deploy.topics plan  [--brokers N] [--prefix P] [--enterprise ID ...]   print the declaration
    python -m deploy.topics apply [--bootstrap HOST:PORT] [--brokers N] [--prefix P] [--enterprise ID ...]
                                  create what is missing, raise partitions, set the declared configs
                                  (needs the admin's CRAFTSMAN_KAFKA_* settings on a secured broker)

Names come from contracts/topics.py; deploy/kafka_access.py applies this with the users and ACLs.

- Event topics (`craftsman.<service>.events`) are the history every read model is rebuilt from
  (a new consumer group from offset 0), so they are kept for ever (retention.ms=-1). They are not
  compacted: the key is the worker id, and compaction would keep only a worker's last event.
- Enterprise inbound topics hold requests the owning service turns into its own events: 7 days.
- Dead-letter topics (`<topic>.dlq`) wait for an operator: 30 days.
- Replication: 3 where the cluster has 3 brokers or more, with min.insync.replicas 2, so an
  acknowledged record (acks=all) is on two brokers and one broker may be down without stopping
  writes; fewer brokers, fewer replicas (a local single broker: 1 and 1).
- Partitions: 6, the most consumer replicas a group can use (the k8s autoscaler's cap).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    ResourceType,
)

from chassis.kafka_security import KafkaCredentials, confluent_config
from contracts.topics import ALL_EVENT_TOPICS, dead_letter_topic, inbound_topic

PARTITIONS = 6
FOREVER = "-1"
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    config: Mapping[str, str] = field(default_factory=dict)


def replication_for(brokers: int) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for a cluster of `brokers`."""
    replication = min(3, max(1, brokers))
    return replication, 2 if replication >= 3 else 1


def declared(brokers: int = 1, *, prefix: str = "", enterprises: Iterable[str] = ()) -> list[TopicSpec]:
    """Every topic of the platform (under `prefix` for a test or demo run) with its settings."""
    replication, min_insync = replication_for(brokers)

    def spec(name: str, retention_ms: str) -> TopicSpec:
        config = {
            "cleanup.policy": "delete",
            "retention.ms": retention_ms,
            "min.insync.replicas": str(min_insync),
        }
        return TopicSpec(prefix + name, PARTITIONS, replication, config)

    topics: list[TopicSpec] = []
    for topic in ALL_EVENT_TOPICS:
        topics += [spec(topic, FOREVER), spec(dead_letter_topic(topic), str(30 * DAY_MS))]
    for enterprise in sorted(set(enterprises)):
        topic = inbound_topic(enterprise)
        topics += [spec(topic, str(7 * DAY_MS)), spec(dead_letter_topic(topic), str(30 * DAY_MS))]
    return topics


def apply(admin: AdminClient, topics: Sequence[TopicSpec]) -> list[str]:
    """Bring the cluster to the declaration; returns what changed (nothing on a second run).

    Missing topics are created with their configs; existing ones get more partitions when they
    have fewer (never fewer: that is not possible in Kafka) and the declared configs set
    incrementally (other settings are left alone). A replication factor is not changed on an
    existing topic: that is a partition reassignment, an operator's decision.
    """
    changes: list[str] = []
    metadata = admin.list_topics(timeout=30).topics
    missing = [topic for topic in topics if topic.name not in metadata]
    if missing:
        new = [NewTopic(t.name, t.partitions, t.replication, config=dict(t.config)) for t in missing]
        _wait(admin.create_topics(new), tolerated=(KafkaError.TOPIC_ALREADY_EXISTS,))
        changes += [
            f"created {t.name} ({t.partitions} partitions, replication {t.replication})" for t in missing
        ]
    existing = [topic for topic in topics if topic.name in metadata]
    grow = [
        NewPartitions(t.name, t.partitions)
        for t in existing
        if len(metadata[t.name].partitions) < t.partitions
    ]
    if grow:
        _wait(admin.create_partitions(grow))
        changes += [f"{p.topic}: partitions raised to {p.new_total_count}" for p in grow]
    changes += _set_configs(admin, existing)
    return changes


def _set_configs(admin: AdminClient, topics: Sequence[TopicSpec]) -> list[str]:
    if not topics:
        return []
    resources = [ConfigResource(ResourceType.TOPIC, t.name) for t in topics]
    described = admin.describe_configs(resources)
    stale: list[ConfigResource] = []
    changes: list[str] = []
    for topic, resource in zip(topics, resources, strict=True):
        current = described[resource].result(timeout=30)
        differing = {k: v for k, v in topic.config.items() if k not in current or current[k].value != v}
        if differing:
            entries = [
                ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in differing.items()
            ]
            stale.append(ConfigResource(ResourceType.TOPIC, topic.name, incremental_configs=entries))
            changes.append(f"{topic.name}: set {', '.join(f'{k}={v}' for k, v in sorted(differing.items()))}")
    if stale:
        _wait(admin.incremental_alter_configs(stale))
    return changes


def _wait(futures: Mapping[Any, Any], *, tolerated: Sequence[int] = ()) -> None:
    for subject, future in futures.items():
        try:
            future.result(timeout=60)
        except KafkaException as error:
            if error.args[0].code() not in tolerated:
                raise RuntimeError(f"{subject}: {error.args[0].str()}") from error


def admin_client(bootstrap: str, credentials: KafkaCredentials) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 4, **confluent_config(credentials)})


def _main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.topics")
    parser.add_argument("command", choices=("plan", "apply"))
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--brokers", type=int, default=None, help="default: the brokers the cluster reports")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--enterprise", action="append", default=[])
    args = parser.parse_args(argv)
    admin = admin_client(args.bootstrap, KafkaCredentials.from_environment()) if args.bootstrap else None
    brokers = args.brokers
    if brokers is None:
        brokers = len(admin.list_topics(timeout=30).brokers) if admin is not None else 1
    topics = declared(brokers, prefix=args.prefix, enterprises=args.enterprise)
    if args.command == "plan":
        for topic in topics:
            settings = " ".join(f"{k}={v}" for k, v in sorted(topic.config.items()))
            print(f"{topic.name} partitions={topic.partitions} replication={topic.replication} {settings}")
        return 0
    if admin is None:
        parser.error("apply needs --bootstrap or KAFKA_BOOTSTRAP_SERVERS")
    changes = apply(admin, topics)
    for change in changes:
        print(change)
    print(f"topics: {len(topics)} declared, {len(changes)} change(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
