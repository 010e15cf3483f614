"""The registry's rules, without I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.registry import TierPromoted, WorkerNominated, WorkerRegistered
from contracts.vocabulary import CertificateIssuerKind, SkillLevel, TierRank, TitleLevel
from services.registry.domain import Enterprise, Worker


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


def test_promotion_goes_up_only_and_names_the_floor_it_misses() -> None:
    worker = registered_worker()
    worker.promote(
        TierRank.SEED,
        label="种子工匠",
        effective_on=date(2026, 11, 1),
        reason="floor held",
        points=Decimal(0),
    )
    assert isinstance(worker.pending[-1], TierPromoted) and worker.tier is TierRank.SEED
    with pytest.raises(DomainRuleViolated, match="one tier at a time"):
        worker.promote(
            TierRank.SEED, label="种子工匠", effective_on=date(2026, 11, 2), reason="again", points=Decimal(0)
        )
    with pytest.raises(DomainRuleViolated, match="60 points"):
        worker.promote(
            TierRank.CRAFTSMAN,
            label="青烟工匠",
            effective_on=date(2028, 1, 1),
            reason="early",
            points=Decimal(10),
        )


def test_a_city_nomination_without_a_county_title_is_refused_with_the_rule() -> None:
    worker = registered_worker()
    with pytest.raises(DomainRuleViolated, match="county"):
        worker.nominate("n-1", level=TitleLevel.CITY, nominated_by="county-group", reason="city pool")
    assert worker.pending == []


def test_a_certificate_raises_the_skill_level_and_is_counted_once() -> None:
    worker = registered_worker()

    def certify(certificate_id: str, level: SkillLevel) -> None:
        worker.certify(
            certificate_id,
            skill_level=level,
            occupation="fitter",
            issuer_id="qz",
            issuer_kind=CertificateIssuerKind.ENTERPRISE,
            certified_on=date(2026, 1, 1),
        )

    certify("c-1", SkillLevel.TECHNICIAN)
    certify("c-2", SkillLevel.JUNIOR)
    assert worker.skill_level is SkillLevel.TECHNICIAN  # a lower certificate lowers nothing
    with pytest.raises(DomainRuleViolated, match="already"):
        certify("c-1", SkillLevel.TECHNICIAN)


def test_the_annual_review_keeps_or_lapses_the_tier() -> None:
    worker = registered_worker()
    worker.promote(
        TierRank.SEED, label="种子工匠", effective_on=date(2026, 1, 1), reason="floor held", points=Decimal(0)
    )
    assert worker.review_tier(year=2027, on=date(2027, 1, 1), points=Decimal(0)) is True
    assert (
        worker.review_tier(year=2029, on=date(2029, 1, 1), points=Decimal(0)) is False
    )  # the 3-year term ended
    assert worker.tier is TierRank.NONE


def test_a_worker_who_left_is_neither_promoted_nor_nominated() -> None:
    worker = registered_worker()
    worker.leave(date(2026, 3, 1), "contract ended")
    with pytest.raises(DomainRuleViolated, match="left"):
        worker.nominate("n-1", level=TitleLevel.ENTERPRISE, nominated_by="union", reason="too late")


def test_snapshot_restores_the_same_state() -> None:
    worker = registered_worker()
    worker.nominate("n-1", level=TitleLevel.ENTERPRISE, nominated_by="union", reason="enterprise pool")
    worker.promote(
        TierRank.SEED,
        label="种子工匠",
        effective_on=date(2026, 11, 1),
        reason="floor held",
        points=Decimal(0),
    )
    restored = Worker.from_snapshot("w-1", 3, worker.snapshot_state())
    assert restored.snapshot_state() == worker.snapshot_state()
    assert restored.version == 3 and restored.tier_since == date(2026, 11, 1)


def test_only_kinds_that_snapshot_look_for_snapshots() -> None:
    assert Worker.snapshots() and not Enterprise.snapshots()
