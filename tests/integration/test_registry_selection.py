"""The selection pipeline through the registry's handlers, on SQLite and Postgres: each step's
rule answers in its own words and changes nothing; quotas hold when conferrals race."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from chassis.errors import DomainRuleViolated
from chassis.eventstore import EventStore
from chassis.eventstore.schema import events
from chassis.unit_of_work import UnitOfWork
from contracts.vocabulary import RegionKind, SkillLevel, TierRank, TitleLevel
from services.registry import handlers
from services.registry import selection_handlers as selection
from services.registry.commands import NominateWorker, RegisterEnterprise, RegisterWorker
from services.registry.domain import Worker
from services.registry.selection_commands import (
    ConcludeExpertReview,
    ConferTitle,
    InspectSite,
    OpenPublicity,
    RaiseObjection,
    RecordExpertScore,
    RegisterRegion,
    ResolveObjection,
    ScreenNomination,
)
from services.registry.service import SPEC
from tests.service_support import migrated

MONDAY = date(2026, 6, 1)


async def a_county_with_craftsmen(engine: AsyncEngine, workers: int) -> partial[UnitOfWork]:
    await migrated(engine, SPEC)
    uow = partial(UnitOfWork, session_factory(engine), EventStore(), producer="registry")
    await selection.register_region(
        uow(), RegisterRegion(region_id="weifang", name="潍坊市", kind=RegionKind.CITY)
    )
    await selection.register_region(
        uow(),
        RegisterRegion(region_id="qingzhou", name="青州市", kind=RegionKind.COUNTY, parent_id="weifang"),
    )
    await handlers.register_enterprise(
        uow(),
        RegisterEnterprise(enterprise_id="qz", name="青州卷烟厂", region_id="qingzhou", industry="tobacco"),
    )
    for n in range(workers):
        await handlers.register_worker(
            uow(),
            RegisterWorker(
                worker_id=f"w-{n}",
                enterprise_id="qz",
                full_name="匠人",
                trade="fitter",
                skill_level=SkillLevel.TECHNICIAN,
            ),
        )
        async with uow() as work:  # two years of climbing, told as the ladder decided it
            worker = await work.require(Worker, f"w-{n}", "missing")
            worker.promote(
                TierRank.SEED,
                label="种子工匠",
                effective_on=date(2024, 1, 1),
                reason="floor",
                points=Decimal(0),
            )
            worker.promote(
                TierRank.CRAFTSMAN,
                label="工匠",
                effective_on=date(2025, 2, 1),
                reason="floor",
                points=Decimal(70),
            )
            await work.commit()
    return uow


async def publicised(uow: partial[UnitOfWork], worker_id: str, nomination_id: str) -> None:
    step = {"worker_id": worker_id, "nomination_id": nomination_id}
    await handlers.nominate_worker(
        uow(),
        NominateWorker(**step, level=TitleLevel.COUNTY, nominated_by="qz-leading-group", reason="技改骨干"),
    )
    await selection.screen_nomination(uow(), ScreenNomination(**step, screened_by="county-group"))
    for expert, score in (("e1", 82.0), ("e2", 75.0), ("e3", 90.0)):
        await selection.record_expert_score(uow(), RecordExpertScore(**step, expert_id=expert, score=score))
    await selection.conclude_expert_review(uow(), ConcludeExpertReview(**step, reviewed_by="county-group"))
    await selection.inspect_site(
        uow(), InspectSite(**step, inspected_by="county-group", inspected_on=MONDAY, findings="现场核实")
    )
    await selection.open_publicity(uow(), OpenPublicity(**step, opens_on=MONDAY, closes_on=date(2026, 6, 5)))


async def event_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(events)) or 0)


async def test_a_nomination_goes_from_nomination_to_a_conferred_title(engine: AsyncEngine) -> None:
    uow = await a_county_with_craftsmen(engine, workers=1)
    step = {"worker_id": "w-0", "nomination_id": "nom-1"}
    await handlers.nominate_worker(
        uow(),
        NominateWorker(**step, level=TitleLevel.COUNTY, nominated_by="qz-leading-group", reason="技改骨干"),
    )
    before = await event_count(engine)
    with pytest.raises(DomainRuleViolated, match="next is screened"):  # no skipping the screening
        await selection.conclude_expert_review(
            uow(), ConcludeExpertReview(**step, reviewed_by="county-group")
        )
    await selection.screen_nomination(uow(), ScreenNomination(**step, screened_by="county-group"))
    for expert, score in (("e1", 82.0), ("e2", 75.0)):
        await selection.record_expert_score(uow(), RecordExpertScore(**step, expert_id=expert, score=score))
    with pytest.raises(DomainRuleViolated, match="needs 3 scores"):
        await selection.conclude_expert_review(
            uow(), ConcludeExpertReview(**step, reviewed_by="county-group")
        )
    await selection.record_expert_score(uow(), RecordExpertScore(**step, expert_id="e3", score=90.0))
    await selection.conclude_expert_review(uow(), ConcludeExpertReview(**step, reviewed_by="county-group"))
    await selection.inspect_site(
        uow(), InspectSite(**step, inspected_by="county-group", inspected_on=MONDAY, findings="现场核实")
    )
    with pytest.raises(DomainRuleViolated, match="at least 5 working days"):
        await selection.open_publicity(
            uow(), OpenPublicity(**step, opens_on=MONDAY, closes_on=date(2026, 6, 4))
        )
    await selection.open_publicity(uow(), OpenPublicity(**step, opens_on=MONDAY, closes_on=date(2026, 6, 5)))
    await selection.raise_objection(
        uow(),
        RaiseObjection(**step, objection_id="obj-1", raised_on=date(2026, 6, 3), summary="专利归属存疑"),
    )
    confer = ConferTitle(**step, title_id="t-1", conferred_by="county-group", conferred_on=date(2026, 6, 8))
    with pytest.raises(DomainRuleViolated, match="not resolved"):
        await selection.confer_title(uow(), confer)
    await selection.resolve_objection(
        uow(),
        ResolveObjection(
            **step, objection_id="obj-1", upheld=False, resolution="职务发明", resolved_by="county-group"
        ),
    )
    accepted_steps = (
        1 + 3 + 1 + 1 + 1 + 1 + 1
    )  # screened, 3 scores, reviewed, inspected, publicised, objection x2
    assert await event_count(engine) - before == accepted_steps, "a refused step stored nothing"
    conferred = await selection.confer_title(uow(), confer)
    assert sorted(envelope.event_type for envelope in conferred) == ["QuotaSeatTaken", "TitleConferred"]
    async with uow() as work:
        worker = await work.require(Worker, "w-0", "missing")
    assert worker.career.held_levels() == {TitleLevel.COUNTY}
    with pytest.raises(DomainRuleViolated, match="already"):
        await handlers.nominate_worker(
            uow(),
            NominateWorker(
                worker_id="w-0",
                nomination_id="nom-2",
                level=TitleLevel.COUNTY,
                nominated_by="g",
                reason="again",
            ),
        )


async def test_racing_conferrals_never_pass_the_quota(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six publicised nominations, a quota of four, all conferred at once: four titles."""
    from services.registry import selection as rules

    monkeypatch.setattr(selection, "DEFAULT_SELECTION", rules.SelectionRules(quotas={TitleLevel.COUNTY: 4}))
    uow = await a_county_with_craftsmen(engine, workers=6)
    for n in range(6):
        await publicised(uow, f"w-{n}", f"nom-{n}")

    async def confer(n: int) -> str:
        command = ConferTitle(
            worker_id=f"w-{n}",
            nomination_id=f"nom-{n}",
            title_id=f"t-{n}",
            conferred_by="g",
            conferred_on=date(2026, 6, 8),
        )
        try:
            await selection.confer_title(uow(), command)
        except DomainRuleViolated as refused:
            return str(refused)
        return "conferred"

    outcomes = await asyncio.gather(*(confer(n) for n in range(6)))
    assert outcomes.count("conferred") == 4
    assert all("quota of 4" in outcome for outcome in outcomes if outcome != "conferred")
    async with engine.connect() as connection:
        seats = await connection.scalar(
            select(func.count()).select_from(events).where(events.c.event_type == "QuotaSeatTaken")
        )
    assert seats == 4
