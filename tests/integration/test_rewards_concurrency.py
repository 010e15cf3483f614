"""Many grants at once against one small budget, on real Postgres: the total never passes
the budget, every cause is paid at most once, and the exhaustion is recorded once; both
with the in-process turn-taking and without it (as from many processes)."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import TierPromoted
from contracts.vocabulary import TierRank
from services.rewards import handlers
from services.rewards.commands import ApplyForGrant, ApproveApplication, OpenProgramme
from services.rewards.domain import BudgetExhausted, Granted
from services.rewards.projections import units_on
from services.rewards.service import SPEC
from services.rewards.terms import Cause
from tests.service_support import migrated

pytestmark = pytest.mark.postgres

PARALLEL = 40
AMOUNT, GRANTS_THAT_FIT = Decimal(1000), 5


def uow(engine: AsyncEngine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine), EventStore(), producer="rewards")


async def open_programme(engine: AsyncEngine, programme_id: str, trigger: str) -> None:
    command = OpenProgramme(
        programme_id=programme_id,
        name="Small budget",
        sponsor_id="weifang",
        budget=AMOUNT * GRANTS_THAT_FIT + Decimal(999),  # not a multiple: the last 999 never fits
        grant_amount=AMOUNT,
        trigger=trigger,
        opened_on=date(2026, 1, 1),
    )
    await handlers.open_programme(uow(engine), command)


async def granted(engine: AsyncEngine, programme_id: str) -> tuple[Decimal, int, int]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(events.c.event_type, events.c.payload).where(events.c.stream_id == programme_id)
            )
        ).all()
    amounts = [Decimal(row.payload["amount"]) for row in rows if row.event_type == "RewardGranted"]
    causes = {row.payload["caused_by"] for row in rows if row.event_type == "RewardGranted"}
    exhausted = sum(row.event_type == "BudgetExhausted" for row in rows)
    assert len(causes) == len(amounts), "a cause paid twice"
    return sum(amounts, Decimal(0)), len(amounts), exhausted


async def test_parallel_approvals_never_pass_the_budget(pg_engine: AsyncEngine) -> None:
    await migrated(pg_engine, SPEC)
    await open_programme(pg_engine, "studio", "application:studio")
    for n in range(PARALLEL):
        application = ApplyForGrant(
            programme_id="studio",
            application_id=f"a-{n}",
            worker_id=f"w-{n}",
            enterprise_id="weichai",
            reason="studio",
            applied_on=date(2026, 2, 1),
        )
        await handlers.apply_for_grant(uow(pg_engine), application)

    async def approve(n: int) -> str:
        command = ApproveApplication(programme_id="studio", application_id=f"a-{n}")
        try:
            await retrying_conflicts(
                lambda: handlers.approve_application(uow(pg_engine), command), attempts=200
            )
        except BudgetExhausted as refused:
            await handlers.note_exhausted(lambda: uow(pg_engine), refused)
            return "refused"
        return "granted"

    outcomes = await asyncio.gather(*(approve(n) for n in range(PARALLEL)))

    total, count, exhausted = await granted(pg_engine, "studio")
    assert outcomes.count("granted") == count == GRANTS_THAT_FIT
    assert total == AMOUNT * GRANTS_THAT_FIT
    assert exhausted == 1


async def test_parallel_policy_grants_never_pass_the_budget(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if every grant ran in a process of its own: no in-process turn-taking, only the
    # expected-version append keeps the budget.
    monkeypatch.setattr(handlers, "one_writer", lambda _: asyncio.Lock())
    await migrated(pg_engine, SPEC)
    await open_programme(pg_engine, "seed", "tier:seed")
    uow_on = units_on(session_factory(pg_engine), EventStore(), producer="rewards")

    async def promoted(n: int) -> Granted:
        event = TierPromoted(
            worker_id=f"w-{n}",
            enterprise_id="weichai",
            from_rank=TierRank.NONE,
            to_rank=TierRank.SEED,
            tier_label="种子工匠",
            effective_on=date(2026, 3, 1),
            reason="promoted",
        )
        envelope = Envelope.wrap(
            event,
            producer="registry",
            stream=StreamRef(type="Worker", id=f"w-{n}"),
            stream_version=3,
            tenant="weichai",
        )
        cause = Cause("tier:seed", f"w-{n}", "weichai", event.effective_on)

        async def once() -> Granted:
            async with session_factory(pg_engine)() as session, session.begin():
                return await handlers.reward_cause(uow_on(session), "seed", cause, "promoted", envelope)

        return await retrying_conflicts(once, attempts=200)

    outcomes = await asyncio.gather(*(promoted(n) for n in range(PARALLEL)))

    total, count, exhausted = await granted(pg_engine, "seed")
    assert outcomes.count(Granted.GRANTED) == count == GRANTS_THAT_FIT
    assert outcomes.count(Granted.BUDGET_EXHAUSTED) == PARALLEL - GRANTS_THAT_FIT
    assert total == AMOUNT * GRANTS_THAT_FIT and exhausted == 1
    async with pg_engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(events)) == 1 + GRANTS_THAT_FIT + 1
