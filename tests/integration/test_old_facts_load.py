"""A rule tightened in the domain never stops yesterday's facts from loading or being consumed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.errors import DomainRuleViolated
from chassis.eventstore import EventStore
from chassis.unit_of_work import UnitOfWork
from contracts.catalog import parse_record
from contracts.vocabulary import ContestLevel
from services.competitions.domain import Contest, ContestRules


def a_contest(rules: ContestRules, theory_weight: float, contest_id: str = "c-garments") -> Contest:
    return Contest.open(
        contest_id,
        title="Garment making",
        trade="garment",
        level=ContestLevel.CITY,
        organiser_id="weifang-ftu",
        region_id="weifang",
        starts_on=date(2025, 6, 1),
        ends_on=date(2025, 6, 3),
        theory_weight=theory_weight,
        rules=rules,
    )


async def test_a_stream_recorded_under_an_old_rule_loads_and_its_events_decode(engine: AsyncEngine) -> None:
    yesterday, today = ContestRules(max_theory_weight=0.3), ContestRules(max_theory_weight=0.2)
    store = EventStore()

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(session_factory(engine), store, producer="competitions")

    async with unit_of_work() as uow:
        uow.track(a_contest(yesterday, theory_weight=0.3))
        (recorded,) = await uow.commit()

    with pytest.raises(DomainRuleViolated, match="theory weight"):
        a_contest(today, theory_weight=0.3, contest_id="c-new")  # new contests follow today's rule
    async with unit_of_work() as uow:
        loaded = await uow.require(Contest, "c-garments", "missing")  # the old stream still loads
    assert (loaded.version, loaded.level) == (1, ContestLevel.CITY)
    _, event = parse_record(recorded.to_bytes())  # and a consumer still takes its event
    assert event.model_dump()["theory_weight"] == 0.3
