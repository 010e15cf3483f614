"""Command handlers: plain functions over a unit of work."""

from __future__ import annotations

from uuid import UUID

from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from services.competitions.commands import ConcludeContest, OpenContest, RecordMark
from services.competitions.domain import Contest
from services.competitions.queries import require_known_worker


async def _contest(uow: UnitOfWork, contest_id: str) -> Contest:
    return await uow.require(Contest, contest_id, f"contest {contest_id} is not open")


async def open_contest(
    uow: UnitOfWork, command: OpenContest, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        await uow.ensure_new(Contest, command.contest_id, f"contest {command.contest_id} is open already")
        uow.track(
            Contest.open(
                command.contest_id,
                title=command.title,
                trade=command.trade,
                level=command.level,
                organiser_id=command.organiser_id,
                region_id=command.region_id,
                starts_on=command.starts_on,
                ends_on=command.ends_on,
                theory_weight=command.theory_weight,
            )
        )
        return await uow.commit(command_id=command_id)


async def record_mark(uow: UnitOfWork, command: RecordMark, command_id: UUID | None = None) -> list[Envelope]:
    async with uow:
        contest = await _contest(uow, command.contest_id)
        worker = await require_known_worker(uow.active, command.worker_id)
        contest.record_mark(
            worker.worker_id,
            enterprise_id=worker.enterprise_id,
            raw_score=command.raw_score,
            judged_by=command.judged_by,
        )
        return await uow.commit(command_id=command_id)


async def conclude_contest(
    uow: UnitOfWork, command: ConcludeContest, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        contest = await _contest(uow, command.contest_id)
        contest.conclude(command.concluded_on)  # every result and the conclusion: one append
        return await uow.commit(command_id=command_id)
