"""What every service's HTTP boundary shares: the command answer and the idempotency key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Header

from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope

if TYPE_CHECKING:
    from chassis.service import Runtime

C = TypeVar("C")
CommandHandler = Callable[[UnitOfWork, C, UUID | None], Awaitable[list[Envelope]]]

IdempotencyKey = Annotated[UUID | None, Header(description="Repeat a command safely: same key, same effect")]


def accepted(envelopes: Sequence[Envelope]) -> dict[str, Any]:
    """A command's answer: the events it stored (they reach Kafka through the outbox)."""
    return {"events": [{"event_id": str(e.event_id), "event_type": e.event_type} for e in envelopes]}


class CommandAlreadyApplied(Exception):
    """The Idempotency-Key names a command that was applied before; answered 200 with its events."""

    def __init__(self, envelopes: Sequence[Envelope]) -> None:
        super().__init__(f"already applied as {len(envelopes)} event(s)")
        self.envelopes = envelopes


async def execute(
    runtime: Runtime, handler: CommandHandler[C], command: C, key: UUID | None
) -> dict[str, Any]:
    """Run a command handler in a unit of work; a repeated Idempotency-Key replays the answer."""
    if key is not None:
        async with runtime.readers() as session:
            prior = await runtime.store.events_of_command(session, key)
        if prior:
            raise CommandAlreadyApplied(prior)
    return accepted(await handler(runtime.unit_of_work(), command, key))
