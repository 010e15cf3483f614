"""Kafka adapters: the idempotent producer, topic creation and the FastStream binding
of an inbox consumer (batch subscriber, manual offset commit)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from chassis.inbox import InboxConsumer, InfrastructureUnavailable
from chassis.kafka_security import KafkaCredentials, aiokafka_kwargs
from chassis.logging import get_logger
from contracts.topics import dead_letter_topic

log = get_logger(__name__)
UNAVAILABLE_BACKOFF_SECONDS = 1.0


class TopicsMissing(RuntimeError):
    """Topics a process needs do not exist and it may not create them."""


def create_producer(
    bootstrap_servers: str, *, client_id: str, credentials: KafkaCredentials | None = None
) -> AIOKafkaProducer:
    """acks=all with idempotence: a retried send cannot duplicate or reorder a partition."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **aiokafka_kwargs(credentials),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=512 * 1024,
        max_request_size=1024 * 1024,
        request_timeout_ms=30000,
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = 6,
    replication_factor: int = 1,
    with_dead_letters: bool = True,
    credentials: KafkaCredentials | None = None,
) -> None:
    """Create the topics that do not exist yet. On a secured broker only deploy's admin may create
    topics (deploy/kafka_access.py): a service finds them there, or is told what is missing."""
    names = set(topics)
    if with_dead_letters:
        names |= {dead_letter_topic(topic) for topic in names}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **aiokafka_kwargs(credentials))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)
            for name in sorted(names - existing)
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # a sibling replica was first
                response = await admin.create_topics(missing)
                refused = [
                    f"{name} ({for_code(code).__name__})"
                    for name, code, *_ in response.topic_errors
                    if code and for_code(code) is not TopicAlreadyExistsError
                ]
                if refused:
                    raise TopicsMissing(
                        f"could not create {', '.join(refused)}; on a secured broker topics are "
                        "created by deploy/kafka_access.py (deploy/kafka.sh provision)"
                    )
    finally:
        await admin.close()


class InFlight:
    """Lets shutdown wait for the batches being applied instead of cancelling them."""

    def __init__(self) -> None:
        self.draining = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)  # a cancelled subscriber leaves the batch to finish

    async def drain(self) -> None:
        self.draining = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def bind_inbox_consumer(
    broker: KafkaBroker,
    consumer: InboxConsumer,
    *,
    topics: Iterable[str],
    group_id: str,
    batch_size: int,
    batch_timeout_ms: int,
    in_flight: InFlight,
    pattern: str | None = None,
) -> None:
    """Subscribe `consumer` as one member of consumer group `group_id` (to `topics`, or to every
    topic that matches the regular expression `pattern`).

    Offsets are committed by hand (AckPolicy.MANUAL) and only after the batch's
    database transaction committed; a batch interrupted before that is redelivered.
    """

    async def raw(_: Any) -> Any:  # the inbox decodes itself; skip FastStream's JSON guess
        return None

    @broker.subscriber(
        *topics,
        pattern=pattern,
        group_id=group_id,
        batch=True,
        max_records=batch_size,
        batch_timeout_ms=batch_timeout_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=raw,
    )
    async def apply_batch(message: KafkaMessage) -> None:
        if in_flight.draining:
            return  # not acked: the group hands these records to a live member
        batch = _flatten(message.raw_message)
        await in_flight.run(_apply_and_commit(consumer, batch, message))


def _flatten(raw: Any) -> tuple[Any, ...]:
    """A batch's records; FastStream's in-memory test broker nests them one level deeper."""
    items = raw if isinstance(raw, tuple | list) else (raw,)
    return tuple(record for item in items for record in (item if isinstance(item, tuple | list) else (item,)))


async def _apply_and_commit(consumer: InboxConsumer, batch: tuple[Any, ...], message: Any) -> None:
    try:
        outcome = await consumer.process(batch)
    except InfrastructureUnavailable as error:
        # Seek back to the batch's first offsets, so the next poll brings it again and
        # no later commit can cover it; then give the dependency time to come back.
        log.warning("inbox.unavailable_retrying_batch", consumer=consumer.name, error=str(error))
        await message.nack()
        await asyncio.sleep(UNAVAILABLE_BACKOFF_SECONDS)
        return
    await message.ack()
    log.debug(
        "inbox.batch_committed",
        consumer=consumer.name,
        records=len(batch),
        applied=outcome.applied,
        duplicates=outcome.duplicates,
        dead_letters=len(outcome.dead_letters),
    )
