"""Consumer lag per service group and topic, from the Kafka admin's committed offsets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import TopicPartition

from ops.bus import Bus
from ops.kafka_admin import admin_client, reader


@dataclass(frozen=True, slots=True)
class TopicLag:
    service: str
    group: str
    topic: str
    committed: int  # summed over the topic's partitions the group committed
    end: int
    partitions: int

    @property
    def lag(self) -> int:
        return self.end - self.committed


def service_of(group: str, prefix: str, services: Iterable[str]) -> str | None:
    """`<prefix><service>.<subscription>` is a service's group (chassis.service.consumer_group)."""
    if not group.startswith(prefix):
        return None
    service = group[len(prefix) :].split(".", 1)[0]
    return service if service in set(services) else None


async def consumer_lag(bus: Bus, services: Iterable[str]) -> list[TopicLag]:
    names = list(services)
    async with admin_client(bus) as admin:
        listed = await admin.list_consumer_groups()
        groups = sorted(
            (service, group)
            for group, *_ in listed
            if (service := service_of(group, bus.group_prefix, names)) is not None
        )
        committed = {group: await admin.list_consumer_group_offsets(group) for _, group in groups}
    partitions = sorted({tp for offsets in committed.values() for tp in offsets})
    if not partitions:
        return []
    async with reader(bus) as consumer:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    rows = []
    for service, group in groups:
        per_topic: dict[str, list[tuple[int, int]]] = {}
        for tp, mark in committed[group].items():
            per_topic.setdefault(tp.topic, []).append((max(mark.offset, 0), ends[tp]))
        for topic, pairs in sorted(per_topic.items()):
            rows.append(
                TopicLag(
                    service=service,
                    group=group,
                    topic=topic,
                    committed=sum(at for at, _ in pairs),
                    end=sum(end for _, end in pairs),
                    partitions=len(pairs),
                )
            )
    return rows
