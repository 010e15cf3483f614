"""The registry's rules, without I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.registry import TierPromoted, WorkerNominated, WorkerRegistered
from contracts.vocabulary import SkillLevel, TierRank, TitleLevel
from services.registry.domain import Enterprise, SeedProgress, Worker, seed_promotion_due


def qingzhou() -> Enterprise:
    return Enterprise.register(
        "qz",
        name="Qingzhou cigarette factory",
        region_id="qingzhou",
        industry="tobacco",
        tier_labels={TierRank.CRAFTSMAN: "青烟工匠", TierRank.CHIEF: "一甲工匠"},
    )


def registered_worker() -> Worker:
    worker = Worker.register(
        "w-1",
        enterprise=qingzhou(),
        full_name="Li Na",
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
        hired_on=None,
    )
    worker.pending.clear()
    return worker


def test_enterprise_keeps_its_own_tier_labels_and_defaults_the_rest() -> None:
    enterprise = qingzhou()
    assert enterprise.label_of(TierRank.CRAFTSMAN) == "青烟工匠"
    assert enterprise.label_of(TierRank.SEED) == "种子工匠"


def test_registering_records_one_past_tense_event() -> None:
    worker = Worker.register(
        "w-1",
        enterprise=qingzhou(),
        full_name="Li Na",
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
        hired_on=None,
    )
    (event,) = worker.pending
    assert isinstance(event, WorkerRegistered) and event.enterprise_id == "qz" and worker.tenant == "qz"


def test_the_same_nomination_twice_is_refused() -> None:
    worker = registered_worker()
    worker.nominate("n-1", level=TitleLevel.ENTERPRISE, nominated_by="union", reason="best fitter")
    assert isinstance(worker.pending[-1], WorkerNominated)
    with pytest.raises(DomainRuleViolated, match="already exists"):
        worker.nominate("n-1", level=TitleLevel.ENTERPRISE, nominated_by="union", reason="again")


def test_promotion_goes_up_only() -> None:
    worker = registered_worker()
    worker.promote(TierRank.SEED, label="种子工匠", effective_on=date(2026, 11, 1), reason="rule held")
    assert isinstance(worker.pending[-1], TierPromoted) and worker.tier is TierRank.SEED
    with pytest.raises(DomainRuleViolated, match="already holds"):
        worker.promote(TierRank.SEED, label="种子工匠", effective_on=date(2026, 11, 2), reason="again")


def test_snapshot_restores_the_same_state() -> None:
    worker = registered_worker()
    worker.nominate("n-1", level=TitleLevel.CITY, nominated_by="union", reason="city pool")
    worker.promote(TierRank.SEED, label="种子工匠", effective_on=date(2026, 11, 1), reason="rule held")
    restored = Worker.from_snapshot("w-1", 3, worker.snapshot_state())
    assert restored.snapshot_state() == worker.snapshot_state()
    assert restored.version == 3


@pytest.mark.parametrize(
    ("nominated", "trained", "scored", "tier", "due"),
    [
        (True, True, True, TierRank.NONE, True),
        (False, True, True, TierRank.NONE, False),
        (True, False, True, TierRank.NONE, False),
        (True, True, False, TierRank.NONE, False),
        (True, True, True, TierRank.SEED, False),
    ],
)
def test_seed_rule(nominated: bool, trained: bool, scored: bool, tier: TierRank, due: bool) -> None:
    assert seed_promotion_due(SeedProgress(nominated, trained, scored), tier) is due


def test_only_kinds_that_snapshot_look_for_snapshots() -> None:
    assert Worker.snapshots() and not Enterprise.snapshots()
