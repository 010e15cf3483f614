"""What every service's HTTP boundary shares: the command answer and the idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header

from contracts.envelope import Envelope

IdempotencyKey = Annotated[UUID | None, Header(description="Repeat a command safely: same key, same effect")]


def accepted(envelopes: Sequence[Envelope]) -> dict[str, Any]:
    """A command's answer: the events it stored (they reach Kafka through the outbox)."""
    return {"events": [{"event_id": str(e.event_id), "event_type": e.event_type} for e in envelopes]}
