"""Dead letters for the operator: list, show, replay (optionally fixed), discard.

A dead letter (`<topic>.dlq`, chassis/deadletter.py) holds the original key and value bytes,
and its reason and origin in `dlq.*` headers. What the operator has dealt with is the
committed offset of the ops consumer group (`<group prefix>craftsman-ops.dlq`) on each
partition of each dead-letter topic: a cursor. Letters before it were replayed or
discarded; a letter is dealt with only at the cursor, so none is replayed twice. A replay
publishes, then commits the cursor: should the process die in between, the letter is
offered again, and replaying it again is harmless (the consumer's inbox applies an event id
once).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from chassis.kafka import create_producer
from contracts.catalog import parse_record
from contracts.errors import ContractError
from contracts.topics import dead_letter_topic
from ops.bus import Bus
from ops.kafka_admin import admin_client, partitions_of, reader

OPS_GROUP = "craftsman-ops.dlq"
DLQ_SUFFIX = dead_letter_topic("")


class DeadLetterError(RuntimeError):
    """What the operator asked cannot be done (said why); nothing was published or marked."""


@dataclass(frozen=True, slots=True)
class Letter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        for header, value in self.headers:
            if header == name:
                return value.decode("utf-8", errors="backslashreplace")
        return ""

    @property
    def reason(self) -> str:
        return self.header("dlq.reason") or "unknown"

    @property
    def original_topic(self) -> str:
        return self.header("dlq.original_topic") or self.topic.removesuffix(DLQ_SUFFIX)

    @property
    def where(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"


@dataclass(slots=True)
class QueueSummary:
    topic: str
    total: int = 0
    pending: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # of the pending letters


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged


def patched(value: bytes, patch: Any) -> bytes:
    try:
        document = json.loads(value)
    except ValueError as error:
        raise DeadLetterError(f"the letter's value is not JSON, a patch cannot apply: {error}") from error
    return json.dumps(merge_patch(document, patch), ensure_ascii=False, separators=(",", ":")).encode()


@asynccontextmanager
async def dead_letters(bus: Bus, *, group: str | None = None) -> AsyncIterator[DeadLetters]:
    """The dead letters through one admin client and one reader for the whole command."""
    async with AsyncExitStack() as stack:
        admin = await stack.enter_async_context(admin_client(bus))
        consumer = await stack.enter_async_context(reader(bus))
        yield DeadLetters(bus, admin, consumer, stack, group=group)


class DeadLetters:
    def __init__(
        self,
        bus: Bus,
        admin: AIOKafkaAdminClient,
        consumer: AIOKafkaConsumer,
        stack: AsyncExitStack,
        *,
        group: str | None = None,
    ) -> None:
        self.bus = bus
        self.group = group or f"{bus.group_prefix}{OPS_GROUP}"
        self._admin = admin
        self._consumer = consumer
        self._stack = stack  # closes the producer and the committer, opened when first needed
        self._producer: AIOKafkaProducer | None = None
        self._committer: AIOKafkaConsumer | None = None

    async def topics(self, prefix: str = "") -> list[str]:
        names = await self._admin.list_topics()
        return sorted(name for name in names if name.endswith(DLQ_SUFFIX) and name.startswith(prefix))

    async def summaries(self, prefix: str = "") -> list[QueueSummary]:
        topics = await self.topics(prefix)
        if not topics:
            return []
        bounds = await self._bounds(*topics)
        cursors = await self._cursors(bounds)
        summaries = {topic: QueueSummary(topic) for topic in topics}
        for tp, (start, end) in bounds.items():
            summaries[tp.topic].total += end - start
            summaries[tp.topic].pending += end - cursors[tp]
        for summary in summaries.values():
            if summary.pending:  # only queues with pending letters are read, for their reasons
                summary.reasons.update(letter.reason for letter in await self.pending(summary.topic))
        return list(summaries.values())

    async def pending(self, topic: str) -> list[Letter]:
        """The letters after the cursor, in offset order per partition (partitions one after another)."""
        cursors = await self.cursors(topic)
        bounds = await self._bounds(topic)
        targets = {tp: end for tp, (_, end) in bounds.items() if cursors[tp] < end}
        letters: list[Letter] = []
        if not targets:
            return letters
        consumer = self._consumer
        consumer.assign(sorted(targets))
        for tp in targets:
            consumer.seek(tp, cursors[tp])
        waiting = set(targets)
        while waiting:
            fetched = await consumer.getmany(*waiting, timeout_ms=1000, max_records=1000)
            for tp, records in fetched.items():
                letters.extend(
                    Letter(r.topic, r.partition, r.offset, r.key, r.value or b"", tuple(r.headers))
                    for r in records
                    if r.offset < targets[tp]
                )
            for tp in list(waiting):
                if await consumer.position(tp) >= targets[tp]:
                    waiting.discard(tp)
        return sorted(letters, key=lambda letter: (letter.partition, letter.offset))

    async def cursors(self, topic: str) -> dict[TopicPartition, int]:
        """Per partition, the first letter not yet dealt with."""
        return await self._cursors(await self._bounds(topic))

    async def _cursors(self, bounds: dict[TopicPartition, tuple[int, int]]) -> dict[TopicPartition, int]:
        committed = await self._admin.list_consumer_group_offsets(self.group, partitions=list(bounds))
        cursors = {}
        for tp, (start, _) in bounds.items():
            mark = committed.get(tp)
            cursors[tp] = max(start, mark.offset if mark is not None and mark.offset >= 0 else start)
        return cursors

    async def find(self, topic: str, partition: int | None = None, offset: int | None = None) -> Letter:
        """A pending letter: the one at `partition`/`offset`, or the first pending one."""
        pending = await self.pending(topic)
        for letter in pending:
            if (partition is None or letter.partition == partition) and (
                offset is None or letter.offset == offset
            ):
                return letter
        if partition is not None and offset is not None:
            cursor = (await self.cursors(topic)).get(TopicPartition(topic, partition))
            if cursor is not None and offset < cursor:
                raise DeadLetterError(f"{topic}/{partition}@{offset} was already replayed or discarded")
        raise DeadLetterError(f"no pending letter in {topic} there")

    async def replay(self, letter: Letter, *, patch: Any = None, force: bool = False) -> bytes:
        """Publish the letter's original bytes (or the patched ones) to its original topic, then
        mark it done. Returns the bytes sent. Refuses a value that does not decode, unless forced."""
        await self._at_cursor(letter)
        if letter.header("dlq.truncated") == "true":
            raise DeadLetterError(f"{letter.where} was truncated when dead-lettered: its bytes are not whole")
        value = letter.value if patch is None else patched(letter.value, patch)
        try:
            event_type: str | None = parse_record(value)[0].event_type
        except ContractError as error:
            if not force:
                raise DeadLetterError(
                    f"{letter.where} still does not decode ([{error.reason}] {error}); fix it with --edit, or --force"
                ) from error
            event_type = None
        headers = replayed_headers(letter.headers, event_type, letter.where)
        if self._producer is None:
            self._producer = create_producer(
                self.bus.bootstrap, client_id="craftsman-ops", credentials=self.bus.credentials
            )
            await self._producer.start()
            self._stack.push_async_callback(self._producer.stop)
        await self._producer.send_and_wait(letter.original_topic, value, key=letter.key, headers=headers)
        await self._mark_done(letter)
        return value

    async def discard(self, letter: Letter) -> None:
        await self._at_cursor(letter)
        await self._mark_done(letter)

    async def _at_cursor(self, letter: Letter) -> None:
        cursor = (await self.cursors(letter.topic))[TopicPartition(letter.topic, letter.partition)]
        if letter.offset < cursor:
            raise DeadLetterError(f"{letter.where} was already replayed or discarded")
        if letter.offset > cursor:
            raise DeadLetterError(
                f"{letter.topic}/{letter.partition}@{cursor} comes first: replay or discard the letters in order"
            )

    async def _mark_done(self, letter: Letter) -> None:
        committer = self._committer or await self._open_committer()
        tp = TopicPartition(letter.topic, letter.partition)
        committer.assign([tp])
        await committer.commit({tp: OffsetAndMetadata(letter.offset + 1, "")})

    async def _open_committer(self) -> AIOKafkaConsumer:
        """A member of the ops group: only it can move the group's committed offsets."""
        self._committer = await self._stack.enter_async_context(reader(self.bus, group_id=self.group))
        return self._committer

    async def _bounds(self, *topics: str) -> dict[TopicPartition, tuple[int, int]]:
        partitions = await partitions_of(self._admin, topics)
        if not partitions:
            raise DeadLetterError(f"no topic {', '.join(topics)}")
        starts = await self._consumer.beginning_offsets(partitions)
        ends = await self._consumer.end_offsets(partitions)
        return {tp: (starts[tp], ends[tp]) for tp in partitions}


def decoded(letter: Letter) -> dict[str, Any] | None:
    """The letter's value as JSON when it is JSON (whether or not the contracts accept it)."""
    try:
        document = json.loads(letter.value)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def contract_verdict(value: bytes) -> str:
    try:
        envelope, _ = parse_record(value)
    except ContractError as error:
        return f"refused by the contracts: [{error.reason}] {error}"
    return f"decodes as {envelope.event_type} v{envelope.schema_version}"


def replayed_headers(
    original: Sequence[tuple[str, bytes]], event_type: str | None, where: str
) -> list[tuple[str, bytes]]:
    """The letter's original headers without the dead-letter ones, and with an `event_type` that
    names what is sent: consumers pass over records by that header (chassis/provenance.py), so an
    edit that changed the type must not travel under the old name, and a value sent by force
    that does not decode goes without one (and is read)."""
    kept = [(name, data) for name, data in original if not name.startswith("dlq.") and name != "event_type"]
    named = [] if event_type is None else [("event_type", event_type.encode())]
    return [*named, *kept, ("ops.replayed_from", where.encode())]
