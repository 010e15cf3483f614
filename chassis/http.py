"""What every service's HTTP boundary shares: the command base and answer, idempotent
execution, "read, or 404", and the statuses an endpoint documents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast
from uuid import UUID

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from chassis import idempotency
from chassis.errors import (
    ErrorAnswer,
    IdempotencyKeyReused,
    NotFound,
)
from chassis.eventstore.schema import idempotency as idempotency_table
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope

if TYPE_CHECKING:
    from chassis.service import Runtime

C = TypeVar("C")
T = TypeVar("T")
CommandHandler = Callable[[UnitOfWork, C, UUID | None], Awaitable[list[Envelope]]]

IDEMPOTENCY_HEADER = "Idempotency-Key"
COMMAND_ATTEMPTS = 5  # runs of a command whose streams another writer changed meanwhile


class Command(BaseModel):
    """The base of every service's commands: immutable, and no field it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EventRef(BaseModel):
    event_id: UUID
    event_type: str


class CommandAccepted(BaseModel):
    """A command's answer: the events it stored (they reach Kafka through the outbox)."""

    events: list[EventRef]
    replayed: bool = False


def accepted(envelopes: Sequence[Envelope]) -> CommandAccepted:
    return CommandAccepted(events=[EventRef(event_id=e.event_id, event_type=e.event_type) for e in envelopes])


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorAnswer, "description": description}


_CALLER_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not well-formed JSON"),
    401: _error("No principal, or credentials that do not verify"),
    403: _error("The principal may not do this here"),
    413: _error("The body is larger than the configured limit"),
    422: _error("The request does not validate (the field is named), or a business rule refused it"),
}

READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_CALLER_ERRORS,
    404: _error("Nothing of that id (or not visible to the principal)"),
    503: _error("The database is busy or unreachable: send it again (Retry-After says when)"),
}
"""The statuses a read answers besides 200."""

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    **READ_RESPONSES,
    200: {"model": CommandAccepted, "description": "A repeated Idempotency-Key: the first answer, replayed"},
    409: _error("It exists already, or another writer changed it at the same time"),
}
"""The statuses a command answers besides 201."""


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Typed `UUID` with a None default, not `UUID | None`: the latter documents a nullable header,
# and clients then send the string "null".
_KEY_HEADER = Header(
    default=None,
    alias=IDEMPOTENCY_HEADER,
    description="A UUID: repeat the command safely (same key and request, same answer)",
)


class CommandCall:
    """A command's request as the boundary runs it: once per Idempotency-Key."""

    def __init__(
        self,
        request: Request,
        response: Response,
        idempotency_key: UUID = _KEY_HEADER,
    ) -> None:
        self.request = request
        self.response = response
        self.key: UUID | None = idempotency_key

    @property
    def runtime(self) -> Runtime:
        """The service's runtime, for the endpoint's own reads (one dependency fewer to solve
        per command than a `RuntimeDep` beside the `Call`)."""
        return _runtime(self.request)

    async def execute(self, handler: CommandHandler[C], command: C) -> CommandAccepted:
        """Run the command; when another writer (a policy, another replica) appended to one of
        its streams between its read and its append, run it again on the fresh facts. No client
        names a version it expects, so the conflict is never the caller's: answering it 409
        would only make every client retry by hand what the boundary can retry here."""
        return await retrying_conflicts(
            lambda: self._execute_once(handler, command), attempts=COMMAND_ATTEMPTS
        )

    async def _execute_once(self, handler: CommandHandler[C], command: C) -> CommandAccepted:
        runtime = self.runtime
        if self.key is None:
            return accepted(await handler(runtime.unit_of_work(), command, None))
        key = self.key
        seen = idempotency.fingerprint(self.request.method, self.request.url.path, await self.request.body())
        unit_of_work = runtime.unit_of_work()

        def remember(envelopes: list[Envelope]) -> list[dict[str, Any]]:
            answer = accepted(envelopes).model_dump(mode="json")
            return [idempotency.row(key, idempotency.Recorded(seen, 201, answer))]

        # No lookup of the key first: a repeat cannot be stored twice (its event ids derive from
        # the key, and the record's primary key is the key), so the first answer is looked up
        # only when the command is refused: the usual, first, request pays no extra statement.
        unit_of_work.also_insert(idempotency_table, remember)
        try:
            return accepted(await handler(unit_of_work, command, key))
        except Exception:
            # Whatever refused it (the key's primary key, an event id, the stream version, or
            # a rule that already sees the twin's effect): if a request with the same key was
            # accepted before or won the race, its answer is ours (or, for another request
            # under the same key, the key's reuse is refused). Otherwise the refusal stands.
            try:
                replay = await self._replay(runtime, key, seen)
            except SQLAlchemyError:
                replay = None  # the database is unwell: the first error says more
            if replay is None:
                raise
            return replay

    async def _replay(self, runtime: Runtime, key: UUID, seen: str) -> CommandAccepted | None:
        async with runtime.readers() as session:
            found = await idempotency.recorded(session, key)
        if found is None:
            return None
        if found.fingerprint != seen:
            raise IdempotencyKeyReused(
                f"the {IDEMPOTENCY_HEADER} {key} was used for another request; use a new key"
            )
        self.response.status_code = 200
        return CommandAccepted.model_validate({**found.answer, "replayed": True})


async def command_call(
    request: Request, response: Response, idempotency_key: UUID = _KEY_HEADER
) -> CommandCall:
    """The dependency behind `Call`: a coroutine, because FastAPI runs a plain function (or a
    class) dependency in its thread pool, a thread hop and a GIL hand-off per request."""
    return CommandCall(request, response, idempotency_key)


Call = Annotated[CommandCall, Depends(command_call)]


async def read_or_404(
    runtime: Runtime, query: Callable[[AsyncSession], Awaitable[T | None]], missing: str
) -> T:
    """The read model's answer, or NotFound (404) with the caller's words."""
    found = await read(runtime, query)
    if found is None:
        raise NotFound(missing)
    return found


async def read_settled(
    runtime: Runtime, key: Hashable, query: Callable[[AsyncSession], Awaitable[T | None]]
) -> T | None:
    """`read`, for a fact that never changes once it is there (an enterprise's region, set when
    it registers): found once, it is kept by the process, so the commands that check it (every
    hire checks its enterprise's tenant) save that statement. Not found is asked again."""
    found = runtime.settled.get(key)
    if found is None:
        found = await read(runtime, query)
        if found is not None:
            runtime.keep_settled(key, found)
    return cast("T | None", found)


async def read(runtime: Runtime, query: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """One query on a read session (e.g. the tenant of a record, for the scope check)."""
    async with runtime.one_query_reader() as session:
        return await query(session)
