"""Batch imports of a contest: its entrants and the judges' marks in bulk, one transaction, an
answer each.

The contest is read once per batch (and for marks every entrant's entry, together); each item
is decided by the same rules as its single command (handlers.enter, ContestEntry.record_mark),
and everything accepted is appended in one `append_many` (a concurrent writer on the contest or
one of the entries makes the batch decide again on its facts: chassis.imports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import ValidationError

from chassis.errors import DomainRuleViolated
from chassis.imports import Changed, Decision, ImportAnswer, ImportRequest, import_batch
from chassis.unit_of_work import UnitOfWork
from services.competitions.commands import RecordMark, RegisterEntrant
from services.competitions.domain import ContestEntry
from services.competitions.handlers import Allowed, enter, entries, load_contest
from services.competitions.queries import find_known_workers


async def import_marks(
    units: Callable[[], UnitOfWork], contest_id: str, request: ImportRequest, allowed: Allowed
) -> ImportAnswer:
    """Every item is a mark of this contest (the path names it: an item cannot name another)."""

    async def decide(uow: UnitOfWork, commands: Sequence[RecordMark]) -> list[Decision]:
        contest = await load_contest(uow, contest_id, allowed)
        known = set(contest.entrants)
        by_entrant = await entries(
            uow, contest, sorted({c.entrant_id for c in commands if c.entrant_id in known})
        )
        decisions: list[Decision] = []
        for command in commands:
            entry: ContestEntry | None = by_entrant.get(command.entrant_id)
            if entry is None:
                decisions.append(f"{command.entrant_id} is not an entrant of contest {contest_id}")
                continue
            before = len(entry.pending)
            try:
                entry.record_mark(contest, command.aspect_id, command.judge_id, command.score)
            except (DomainRuleViolated, ValidationError) as error:
                decisions.append(str(error))
                continue
            decisions.append(Changed(entry, len(entry.pending) - before))  # an entry takes many items
        return decisions

    return await import_batch(units, RecordMark, request.items, decide)


async def import_entrants(
    units: Callable[[], UnitOfWork], contest_id: str, request: ImportRequest, allowed: Allowed
) -> ImportAnswer:
    """Every item is an entrant of this contest (as for /entrants); their workers read in one query."""

    async def decide(uow: UnitOfWork, commands: Sequence[RegisterEntrant]) -> list[Decision]:
        contest = await load_contest(uow, contest_id, allowed)
        known = await find_known_workers(
            uow.active, sorted({worker for command in commands for worker in command.worker_ids})
        )
        decisions: list[Decision] = []
        for command in commands:
            before = len(contest.pending)
            try:
                enter(contest, command, known)
            except DomainRuleViolated as error:
                decisions.append(str(error))
                continue
            decisions.append(Changed(contest, len(contest.pending) - before))  # all on one stream
        return decisions

    return await import_batch(units, RegisterEntrant, request.items, decide)
