"""A marks lock racing a mark never leaves a mark after the lock, and never locks over a
discrepancy it did not see, on real Postgres: with the race made certain (one side's commit
held until the other has committed) and left to chance. SQLite needs no test of it: its unit
of work begins IMMEDIATE, so two commands never decide at once there (the held one would
hold the database's one write lock)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.errors import DomainRuleViolated
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events
from chassis.eventstore.store import ConcurrencyError
from chassis.imports import ImportAnswer, ImportRequest
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope
from services.competitions import handlers
from services.competitions.commands import LockMarks, RecordMark
from services.competitions.imports import import_marks
from services.competitions.service import SPEC
from tests.competitions_support import DAY, marking_contest
from tests.service_support import migrated

pytestmark = pytest.mark.postgres

CONTEST = "c-robots"


class HeldUnitOfWork(UnitOfWork):
    """Decides as usual, then waits at its commit until `go` is set (the race, made certain)."""

    def __init__(self, engine: AsyncEngine, go: asyncio.Event, decided: asyncio.Event) -> None:
        super().__init__(session_factory(engine), EventStore(), producer="competitions")
        self._go, self._decided = go, decided

    async def commit(
        self,
        *,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
        command_id: UUID | None = None,
    ) -> list[Envelope]:
        self._decided.set()
        await self._go.wait()
        return await super().commit(
            correlation_id=correlation_id, causation_id=causation_id, command_id=command_id
        )


def uow(engine: AsyncEngine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine), EventStore(), producer="competitions")


async def a_contest_in_marking(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    async with uow(engine) as unit:
        unit.track(marking_contest())
        await unit.commit()


def mark(entrant: str, aspect: str, judge: str, score: float) -> RecordMark:
    return RecordMark(entrant_id=entrant, aspect_id=aspect, judge_id=judge, score=score)


async def record(unit: UnitOfWork, command: RecordMark) -> list[Envelope]:
    return await handlers.record_mark(CONTEST, handlers.allow_all)(unit, command, None)


async def lock(unit: UnitOfWork) -> list[Envelope]:
    return await handlers.lock_marks(CONTEST, handlers.allow_all)(unit, LockMarks(on=DAY), None)


async def the_log(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(events.c.event_type).order_by(events.c.position))
        return [row.event_type for row in rows]


async def held_against(
    engine: AsyncEngine,
    held: Callable[[UnitOfWork], Coroutine[Any, Any, list[Envelope]]],
    other: Callable[[UnitOfWork], Coroutine[Any, Any, list[Envelope]]],
) -> BaseException | None:
    """`held` decides, `other` runs to its commit, then `held` commits: what `held` raised."""
    go, decided = asyncio.Event(), asyncio.Event()
    waiting = asyncio.create_task(held(HeldUnitOfWork(engine, go, decided)))
    await decided.wait()
    await other(uow(engine))
    go.set()
    try:
        await waiting
    except ConcurrencyError as error:
        return error
    return None


async def test_a_mark_decided_before_the_lock_cannot_commit_after_it(pg_engine: AsyncEngine) -> None:
    engine = pg_engine
    await a_contest_in_marking(engine)
    await record(uow(engine), mark("w-1", "M1", "judge-a", 1))

    refused = await held_against(engine, lambda unit: record(unit, mark("w-2", "M1", "judge-a", 1)), lock)

    assert isinstance(refused, ConcurrencyError)
    log = await the_log(engine)
    assert "MarkRecorded" not in log[log.index("MarksLocked") :], log
    assert log.count("MarkRecorded") == 1


async def test_a_marks_import_decided_before_the_lock_cannot_commit_after_it(pg_engine: AsyncEngine) -> None:
    """The import's first run decided before the lock and commits after it: it stores nothing,
    and its second run, on the lock's facts, refuses every mark."""
    engine = pg_engine
    await a_contest_in_marking(engine)
    items = [mark(entrant, "M1", "judge-a", 1).model_dump(mode="json") for entrant in ("w-1", "w-2", "w-3")]
    answers: list[ImportAnswer] = []

    async def import_them(held: UnitOfWork) -> list[Envelope]:
        units = iter([held])
        answer = await import_marks(
            lambda: next(units, None) or uow(engine), CONTEST, ImportRequest(items=items), handlers.allow_all
        )
        answers.append(answer)
        return []

    assert await held_against(engine, import_them, lock) is None, "decided again, not refused whole"

    (answer,) = answers
    assert (answer.accepted, answer.refused) == (0, 3), answer
    assert all("locked" in (item.reason or "") for item in answer.items), answer
    log = await the_log(engine)
    assert "MarksLocked" in log and "MarkRecorded" not in log, log


async def test_a_lock_decided_before_a_discrepancy_cannot_lock_over_it(pg_engine: AsyncEngine) -> None:
    engine = pg_engine
    await a_contest_in_marking(engine)
    await record(uow(engine), mark("w-1", "J1", "judge-a", 0))
    flagging = mark("w-1", "J1", "judge-b", 3)  # 3 apart from judge-a: a discrepancy

    refused = await held_against(engine, lock, lambda unit: record(unit, flagging))

    assert isinstance(refused, ConcurrencyError)
    log = await the_log(engine)
    assert "JudgementDiscrepancyFlagged" in log and "MarksLocked" not in log, log


async def test_parallel_marks_and_a_lock_leave_no_mark_after_the_lock(pg_engine: AsyncEngine) -> None:
    await a_contest_in_marking(pg_engine)
    marks = [
        mark(entrant, aspect, judge, 1)
        for entrant in ("w-1", "w-2", "w-3")
        for aspect, judge in (("M1", "judge-a"), ("M2", "judge-b"))
    ]

    async def one_mark(command: RecordMark) -> None:
        with contextlib.suppress(DomainRuleViolated):  # refused once the marks are locked
            await retrying_conflicts(lambda: record(uow(pg_engine), command))

    locking = asyncio.create_task(retrying_conflicts(lambda: lock(uow(pg_engine))))
    await asyncio.gather(*(one_mark(command) for command in marks))
    await locking

    log = await the_log(pg_engine)
    assert "MarkRecorded" not in log[log.index("MarksLocked") :], log
    async with pg_engine.connect() as connection:
        locked = (
            await connection.execute(select(events.c.payload).where(events.c.event_type == "MarksLocked"))
        ).scalar_one()
    assert locked["mark_count"] == log.count("MarkRecorded")
