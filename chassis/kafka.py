"""Kafka adapters: the idempotent producer, topic creation and the FastStream binding of
an inbox consumer (a typed batch subscriber, manual offset commit, dead letters through
FastStream publishers).

The subscriber is FastStream's own: its decoder hook turns a batch of records into
deliveries (each record decoded once, by `InboxConsumer.decode`), its handler is typed, and
the AsyncAPI document is generated from it (`chassis.asyncapi`). What FastStream does not do
for us is said where it is handled: typed decoding of a batch in which one bad record becomes
a dead letter instead of failing the batch (`DocumentedAs`), a batch with a binary header
(`parse_tolerating_binary_headers`), and publishing headers that are not text (`_text_headers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.broker.registrator import KafkaRegistrator
from faststream.message import StreamMessage
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from chassis.batch_sequence import BatchSequence, OffsetCommits, Rewound, fetches_ahead, give_back
from chassis.deadletter import KafkaRecord
from chassis.inbox import DecodedBatch, InboxConsumer, InfrastructureUnavailable
from chassis.kafka_security import KafkaCredentials, aiokafka_kwargs
from chassis.logging import get_logger
from chassis.metrics import ConsumerMetrics, last_offsets
from chassis.partitioning import RememberingPartitioner
from contracts.schemas import channel_message
from contracts.topics import dead_letter_topic

log = get_logger(__name__)
UNAVAILABLE_BACKOFF_SECONDS = 1.0
T = TypeVar("T")


class TopicsMissing(RuntimeError):
    """Topics a process needs do not exist and it may not create them."""


def create_producer(
    bootstrap_servers: str, *, client_id: str, credentials: KafkaCredentials | None = None
) -> AIOKafkaProducer:
    """acks=all with idempotence: a retried send cannot duplicate or reorder a partition."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        **aiokafka_kwargs(credentials),
        **PRODUCER_OPTIONS,
    )


# The same producer settings for the relay's producer and the FastStream broker's
# (which sends the dead letters).
PRODUCER_OPTIONS: Mapping[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "max_batch_size": 512 * 1024,
    "max_request_size": 1024 * 1024,
    "request_timeout_ms": 30000,
    "partitioner": RememberingPartitioner(),  # DefaultPartitioner's choice, each key's hash remembered
}


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
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, work: Coroutine[Any, Any, None]) -> None:
        await asyncio.shield(self.start(work))  # a cancelled subscriber leaves the batch to finish

    def start(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """The work as a task that shutdown waits for; nobody has to await it."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        self.draining = True
        while self._tasks:  # a batch that finishes starts its offset commit, which is waited for too
            await asyncio.gather(*self._tasks, return_exceptions=True)


# --- dead letters through FastStream publishers ------------------------------------------


class TopicPublisher(Protocol):
    """The part of a FastStream Kafka publisher the dead letters use."""

    async def publish(
        self, message: Any, topic: str = "", *, key: Any = None, headers: Any = None, no_confirm: bool = False
    ) -> Any: ...


def _text_headers(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    # FastStream's Kafka publisher takes headers as dict[str, str] and encodes each value as
    # UTF-8 (faststream/kafka/publisher/producer.py, AioKafkaFastProducerImpl.publish:
    # `headers=[(i, (j or "").encode()) ...]`), so a header that is not UTF-8 text cannot
    # travel byte for byte, and a repeated header name keeps its last value. The platform's
    # own records carry text headers only (chassis/relay.py encodes str values); a foreign
    # record's binary header arrives escaped (backslashreplace) rather than stopping the letter.
    return {name: (value or b"").decode("utf-8", errors="backslashreplace") for name, value in headers}


class DeadLetterTopics:
    """A `RecordSender` for `DeadLetterPublisher`: one FastStream publisher per `<topic>.dlq`.

    Declared on the service's router, so the AsyncAPI document lists each dead-letter
    channel, and sent by the broker's producer (acks=all, idempotent).
    """

    def __init__(self, publishers: Mapping[str, TopicPublisher], broker: KafkaBroker | None = None) -> None:
        self._publishers = publishers
        self._broker = broker

    @classmethod
    def declare(
        cls,
        router: KafkaRegistrator,
        topics: Iterable[str],
        *,
        consumer: str,
        broker: KafkaBroker | None = None,
    ) -> DeadLetterTopics:
        """Publishers for the dead letters of `topics`; with a `broker`, also for topics read by
        pattern (an enterprise's inbound topic), which no publisher can be declared for ahead."""
        publishers: dict[str, TopicPublisher] = {}
        for topic in topics:
            dlq = dead_letter_topic(topic)
            publishers[dlq] = router.publisher(
                dlq,
                title=f"{consumer}:{dlq}",
                description=(
                    f"Records of {topic} that {consumer} could not apply: the original key and value "
                    "bytes, the reason and the origin in dlq.* headers."
                ),
                schema=bytes,
            )
        return cls(publishers, broker)

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]:
        # no_confirm: the letters of a batch are all sent before any acknowledgement is awaited
        # (DeadLetterPublisher awaits them all before the offsets are committed).
        publisher = self._publishers.get(topic)
        if publisher is None and self._broker is not None:
            undeclared: asyncio.Future[Any] = await self._broker.publish(
                value or b"", topic, key=key, headers=_text_headers(headers or ()), no_confirm=True
            )
            return undeclared
        if publisher is None:
            raise KeyError(f"no dead-letter publisher for {topic}")
        future: asyncio.Future[Any] = await publisher.publish(
            value or b"", key=key, headers=_text_headers(headers or ()), no_confirm=True
        )
        return future


# --- the typed batch subscriber ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentedAs:
    """Annotates a handler argument with the wire type its message is documented by.

    FastStream takes both the AsyncAPI payload schema and the validation of the decoded
    body from the handler's annotations (faststream/specification/asyncapi/message.py,
    `parse_handler_params`; faststream/_internal/di/config.py, `build_call_model`). Typed
    decoding of a whole batch (`list[Model]`) fails the batch on one bad record
    (faststream/kafka/parser.py `AioKafkaBatchParser.decode_batch` decodes every body and
    fast_depends validates the list as one argument), while one bad record must become a
    dead letter and the rest be applied. So the decoder hook decodes each record once into a
    `DecodedBatch`, this annotation checks only that the argument is one (no second
    validation), and it lends the argument the JSON schema of `wire`: one record of the
    channel, the envelope with each event type's payload.
    """

    wire: Any

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # JSON schemas are generated from `json_schema`; Python objects are validated by
        # `python_schema` (fast_depends validates the decoder's Python object).
        return core_schema.json_or_python_schema(
            json_schema=handler.generate_schema(self.wire),
            python_schema=core_schema.is_instance_schema(source),
            metadata={"pydantic_js_functions": [_never_a_bare_ref]},
        )


def _never_a_bare_ref(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    # A payload that is only a $ref (a channel of one event type) is misread by FastStream:
    # faststream/specification/asyncapi/message.py, get_model_schema, "single argument with
    # useless reference", takes the *first* of the argument's $defs as the payload, which is
    # whichever model pydantic listed first (e.g. an enum). One-element oneOf keeps the ref.
    json_schema = handler(schema)
    return {"oneOf": [json_schema]} if set(json_schema) == {"$ref"} else json_schema


def _text_safe(record: Any) -> Any:
    headers = [
        (name, value.decode("utf-8", errors="backslashreplace").encode()) for name, value in record.headers
    ]
    return dataclasses.replace(record, headers=headers)


async def parse_tolerating_binary_headers(
    raw: Any, default_parser: Callable[[Any], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """FastStream's parser hook, around its own batch parser.

    That parser decodes every header of every record as strict UTF-8
    (faststream/kafka/parser.py, AioKafkaBatchParser.parse_batch: `{i: j.decode() for i, j
    in m.headers}`), so one record with a binary header failed the whole batch before any
    decoder ran, and with manual acks the partition stalled for ever. Such a batch is parsed
    again with its headers escaped (backslashreplace); keys, values and offsets stay as they were.
    """
    try:
        return await default_parser(raw)
    except UnicodeDecodeError:
        log.warning("inbox.binary_headers_escaped", records=len(raw))
        return await default_parser(tuple(_text_safe(record) for record in raw))


def records_of(raw: Any) -> tuple[KafkaRecord, ...]:
    """A batch subscriber's records: a tuple from Kafka, a list from the in-memory test broker."""
    return tuple(raw) if isinstance(raw, tuple | list) else (raw,)


@dataclass(frozen=True, slots=True)
class MessageBatch(DecodedBatch):
    """A decoded batch with the message it came in, for acking and seeking.

    The handler takes it from here, not as a `message: KafkaMessage` argument: FastStream
    resolves that argument as a context field, and fast_depends runs a context field's
    (synchronous) resolver in a worker thread (fast_depends/core/model.py `asolve`, through
    `run_in_threadpool`), a thread hand-off and a GIL switch for every batch of every
    subscriber. The profile of a registry under end-to-end load showed it on each batch.
    """

    message: StreamMessage[Any]


def bind_inbox_consumer(
    router: KafkaRegistrator,
    consumer: InboxConsumer,
    *,
    topics: Iterable[str],
    group_id: str,
    batch_size: int,
    batch_timeout_ms: int,
    in_flight: InFlight,
    pattern: str | None = None,
    description: str | None = None,
) -> None:
    """Subscribe `consumer` as one member of consumer group `group_id` (to `topics`, or to every
    topic that matches the regular expression `pattern`).

    Offsets are committed by hand (AckPolicy.MANUAL) and only after the batch's
    database transaction committed; a batch interrupted before that is redelivered.
    While a batch applies, the next one is fetched and decoded (chassis/batch_sequence.py).
    """
    sequence = BatchSequence()
    commits = OffsetCommits(consumer.name, in_flight.start)

    async def decode(message: KafkaMessage) -> MessageBatch:
        """FastStream's decoder hook: each record decoded once, bad ones set aside as dead letters."""
        decoded = consumer.decode(records_of(message.raw_message))
        return MessageBatch(decoded.records, decoded.deliveries, decoded.outcome, message)

    async def apply_batch(batch: MessageBatch) -> None:
        message = batch.message
        rewound = await sequence.previous_settled()
        if in_flight.draining:
            return  # not acked: the group hands these records to a live member
        if rewound is None or rewound:
            # The batch before gave its records back; this one, fetched after them, comes again
            # behind them (a partition it shares with them is already sought further back).
            await give_back(message, batch.records, rewound=rewound or frozenset())
            message.clear_cache()
            return
        applying = in_flight.start(_apply_and_commit(consumer, batch, message, commits))
        if fetches_ahead(message):
            sequence.started(applying)  # FastStream fetches and decodes the next batch meanwhile
        else:
            await asyncio.shield(applying)  # the in-memory test broker: a publish returns once handled

    # Set at run time: the documented type depends on the event types this consumer handles.
    apply_batch.__annotations__["batch"] = Annotated[
        MessageBatch, DocumentedAs(channel_message(consumer.event_types))
    ]
    apply_batch.__doc__ = description or f"Applies {', '.join(sorted(consumer.event_types))} in batches."
    router.subscriber(
        *topics,
        pattern=pattern,
        group_id=group_id,
        batch=True,
        max_records=batch_size,
        batch_timeout_ms=batch_timeout_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        parser=parse_tolerating_binary_headers,
        decoder=decode,
        title=group_id,
    )(apply_batch)


async def _apply_and_commit(
    consumer: InboxConsumer, batch: DecodedBatch, message: Any, commits: OffsetCommits
) -> Rewound:
    """Apply the batch, then hand its offsets to the committer; or give its records back when it
    could not be applied. Returns the partitions given back (none once applied)."""
    try:
        outcome = await consumer.apply(batch)
    except Exception as error:
        # InfrastructureUnavailable, or a failure nothing foresaw: seek back to the batch's first
        # offsets, so the next poll brings it again and no later commit can cover it; then give
        # the dependency time to come back.
        level = log.warning if isinstance(error, InfrastructureUnavailable) else log.error
        level("inbox.unavailable_retrying_batch", consumer=consumer.name, error=str(error))
        rewound = await give_back(message, batch.records)
        await asyncio.sleep(UNAVAILABLE_BACKOFF_SECONDS)
        return rewound
    finally:
        # The message outlives the batch (asyncpg's statement-cache timers keep the context that
        # holds it for minutes): drop the decoded deliveries, so garbage collection does not
        # keep scanning them.
        message.clear_cache()
    try:
        await commits.settle(message, batch.records)
    except Exception as error:
        # The transaction is committed: records whose offsets stay uncommitted come again (to
        # this member or the partition's new owner) and change nothing (the inbox).
        log.warning("inbox.offset_commit_failed", consumer=consumer.name, error=repr(error))
    if consumer.metrics is not None:
        _record_lag(consumer.metrics, batch.records, getattr(message, "consumer", None))
    log.debug(
        "inbox.batch_committed",
        consumer=consumer.name,
        records=len(batch.records),
        applied=outcome.applied,
        duplicates=outcome.duplicates,
        dead_letters=len(outcome.dead_letters),
    )
    return frozenset()


def _record_lag(metrics: ConsumerMetrics, records: Sequence[KafkaRecord], kafka_consumer: Any) -> None:
    """What this member still has to read, from the fetcher's high watermarks (no request)."""
    if not isinstance(kafka_consumer, AIOKafkaConsumer):
        return  # the in-memory test broker has no high watermarks

    def highwater(topic: str, partition: int) -> int | None:
        end: int | None = kafka_consumer.highwater(TopicPartition(topic, partition))
        return end

    assigned = ((tp.topic, tp.partition) for tp in kafka_consumer.assignment())
    metrics.lag_after(last_offsets(records), highwater, assigned)
