"""Dead letters: a record that cannot be applied goes to `<topic>.dlq` with its reason.

The DLQ record keeps the original key and value bytes untouched (so it can be
replayed as it was) and carries the reason and the origin in headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chassis.logging import get_logger
from chassis.relay import RecordSender
from contracts.topics import dead_letter_topic

log = get_logger(__name__)

# What the producer may send in one record (aiokafka's default max_request_size is 1 MiB).
MAX_DEAD_LETTER_VALUE = 900 * 1024


class KafkaRecord(Protocol):
    """The parts of a consumed record we use (aiokafka's ConsumerRecord fits)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: KafkaRecord
    reason: str
    detail: str


class DeadLetterPublisher:
    def __init__(self, sender: RecordSender, *, consumer: str) -> None:
        self._sender = sender
        self._consumer = consumer

    async def publish(self, letters: Sequence[DeadLetter]) -> None:
        deliveries = [await self._send(letter) for letter in letters]
        for delivery in deliveries:
            await delivery

    async def _send(self, letter: DeadLetter) -> Any:
        record = letter.record
        value = record.value or b""
        truncated = len(value) > MAX_DEAD_LETTER_VALUE
        headers = [
            *[(name, data) for name, data in (record.headers or ()) if not name.startswith("dlq.")],
            ("dlq.reason", letter.reason.encode()),
            ("dlq.detail", letter.detail[:2000].encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
            ("dlq.original_size", str(len(value)).encode()),
            ("dlq.truncated", b"true" if truncated else b"false"),
            ("dlq.consumer", self._consumer.encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        log.warning(
            "event.dead_lettered",
            reason=letter.reason,
            detail=letter.detail[:300],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        return await self._sender.send(
            dead_letter_topic(record.topic),
            value=value[:MAX_DEAD_LETTER_VALUE],
            key=record.key,
            headers=headers,
        )
