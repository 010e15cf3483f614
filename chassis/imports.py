"""Batch imports for integrators: many commands in one request, one transaction, an answer each.

An HR system sends its hires, a contest its marks, a course provider its completions.
Every item is validated on its own; a service's batch decision turns the valid ones into
aggregate changes or refusals (with the reason); everything accepted is appended with
ONE `append_many` in one transaction. When a concurrent writer (a policy, another replica)
appended to one of the batch's streams meanwhile, nothing of the batch is stored and it is
decided again on the winner's facts, as a single command is (chassis.http); only a batch that
keeps colliding is answered 409, with nothing half-applied.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from chassis.aggregate import Aggregate
from chassis.http import COMMAND_ATTEMPTS, COMMAND_RESPONSES
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope

MAX_ITEMS = 10_000

C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Changed:
    """An aggregate an item changed with its last `events` pending events: for batches where
    several items change one aggregate (the count cannot be told from the aggregate afterwards)."""

    aggregate: Aggregate
    events: int


Decision = Aggregate | Changed | str
"""What a batch decision says of one command: the aggregate it changed, or why it is refused."""

BatchDecide = Callable[[UnitOfWork, Sequence[C]], Awaitable[list[Decision]]]


class ImportRequest(BaseModel):
    """The items are checked one by one, so a malformed item is refused, not the request."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ITEMS)


class ItemAnswer(BaseModel):
    index: int
    status: str = Field(description="accepted or refused")
    reason: str | None = None
    events: list[dict[str, str]] = Field(default_factory=list)


class ImportAnswer(BaseModel):
    accepted: int
    refused: int
    items: list[ItemAnswer]


def _refusal(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "item"
    return f"invalid: {where}: {first['msg']}" + (
        f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    )


async def import_batch(
    units: Callable[[], UnitOfWork], command: type[C], items: Sequence[dict[str, Any]], decide: BatchDecide[C]
) -> ImportAnswer:
    """Validate every item once, then decide and store the valid ones in a fresh unit of work
    (`units` makes one per run: a run that lost a race to another writer stored nothing)."""
    answers: dict[int, ItemAnswer] = {}
    valid: list[tuple[int, C]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, command.model_validate(item)))
        except ValidationError as error:
            answers[index] = ItemAnswer(index=index, status="refused", reason=_refusal(error))
    if valid:
        answers |= await retrying_conflicts(
            lambda: _decide_and_store(units(), valid, decide), attempts=COMMAND_ATTEMPTS
        )
    ordered = [answers[index] for index in range(len(items))]
    taken = sum(1 for answer in ordered if answer.status == "accepted")
    return ImportAnswer(accepted=taken, refused=len(ordered) - taken, items=ordered)


async def _decide_and_store(
    uow: UnitOfWork, valid: Sequence[tuple[int, C]], decide: BatchDecide[C]
) -> dict[int, ItemAnswer]:
    """One run of the batch in one transaction: each valid item's answer."""
    answers: dict[int, ItemAnswer] = {}
    async with uow:
        decisions = await decide(uow, [checked for _, checked in valid])
        recorded: dict[tuple[str, str], int] = defaultdict(int)
        accepted: list[tuple[int, tuple[str, str], int]] = []  # item, stream, how many of its events
        for (index, _), decision in zip(valid, decisions, strict=True):
            if isinstance(decision, str):
                answers[index] = ItemAnswer(index=index, status="refused", reason=decision)
                continue
            if isinstance(decision, Changed):
                stream = (decision.aggregate.stream_type, decision.aggregate.id)
                uow.track(decision.aggregate)
                accepted.append((index, stream, decision.events))
                continue
            stream = (decision.stream_type, decision.id)
            uow.track(decision)
            accepted.append((index, stream, len(decision.pending) - recorded[stream]))
            recorded[stream] = len(decision.pending)
        envelopes = await uow.commit() if accepted else []
    by_stream: dict[tuple[str, str], deque[Envelope]] = defaultdict(deque)
    for envelope in envelopes:
        by_stream[(envelope.stream.type, envelope.stream.id)].append(envelope)
    for index, stream, count in accepted:
        mine = [by_stream[stream].popleft() for _ in range(count)]
        answers[index] = ItemAnswer(
            index=index,
            status="accepted",
            events=[{"event_id": str(e.event_id), "event_type": e.event_type} for e in mine],
        )
    return answers


def item_values(items: Sequence[dict[str, Any]], field: str) -> list[str]:
    """The distinct values of one field across the items (for one scope check per tenant):
    an item without it, or with a wrong type, is refused on its own when it is validated."""
    return sorted({value for item in items if isinstance(value := item.get(field), str)})


# A command's documented answers, less the 200 of an idempotent replay: an import's own 200
# is its ImportAnswer.
IMPORT_RESPONSES = {
    status: answer for status, answer in COMMAND_RESPONSES.items() if status not in (200, "200")
}
