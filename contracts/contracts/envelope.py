"""The envelope every event travels in: metadata around a versioned payload."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.errors import MalformedEvent
from contracts.ids import uuid7
from contracts.primitives import Identifier

if TYPE_CHECKING:
    from contracts.events.base import Event

StreamType = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$", max_length=64)]


class StreamRef(BaseModel):
    """The event-sourced aggregate an event belongs to, e.g. Worker w-42."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: StreamType
    id: Identifier

    def __str__(self) -> str:
        return f"{self.type}-{self.id}"

    @classmethod
    def parse(cls, stream_name: str) -> Self:
        """Read back a "Worker-<id>" stream name; the type never contains a hyphen."""
        type_, sep, id_ = stream_name.partition("-")
        if not sep:
            raise ValueError(f"not a stream name: {stream_name!r}")
        return cls(type=type_, id=id_)


class Envelope(BaseModel):
    """One Kafka record value: who said what, about which stream, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(description="UUIDv7, unique per event")
    event_type: Identifier
    schema_version: int = Field(ge=1)
    occurred_at: AwareDatetime = Field(description="When the fact happened, in UTC")
    producer: Identifier = Field(description="Name of the service that wrote the event")
    stream: StreamRef
    stream_version: int = Field(ge=1, description="Position of the event in its stream")
    tenant: Identifier = Field(description="Enterprise or region id")
    correlation_id: UUID = Field(description="Shared by every event of one business flow")
    causation_id: UUID | None = Field(default=None, description="The event or command that caused this one")
    key: Identifier = Field(
        description="Kafka record key: the worker id, or the aggregate id where no worker is involved"
    )
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        producer: str,
        stream: StreamRef,
        stream_version: int,
        tenant: str,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
        event_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Self:
        """Put an event in an envelope; a new flow starts when no correlation id is given."""
        event_id = event_id or uuid7()
        return cls(
            event_id=event_id,
            event_type=event.event_type,
            schema_version=event.schema_version,
            occurred_at=occurred_at or datetime.now(UTC),
            producer=producer,
            stream=stream,
            stream_version=stream_version,
            tenant=tenant,
            correlation_id=correlation_id or event_id,
            causation_id=causation_id,
            key=event.partition_key() or stream.id,
            payload=event.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        """Compact UTF-8 JSON (non-ASCII names stay readable, not \\u-escaped)."""
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        try:
            return cls.model_validate_json(data)
        except ValidationError as error:
            raise MalformedEvent(f"not a valid envelope: {error}") from error
