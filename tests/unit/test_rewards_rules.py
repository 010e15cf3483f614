"""The rules added with training's new facts (apprentice advances, achievements), the
adjustment rules of a points account, and an enterprise's own categories: pure functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chassis.errors import DomainRuleViolated
from contracts.events.rewards import PointsAdjusted
from contracts.events.training import AchievementKind
from contracts.vocabulary import SkillLevel
from services.rewards.account import PointsAccount
from services.rewards.categories import EnterpriseCategories
from services.rewards.points import (
    DEFAULT_POINTS,
    Entry,
    achievement_claim,
    apprentice_advance_claim,
    points_to_award,
)

ON = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("level", "honour", "points"),
    [
        (SkillLevel.CHIEF_TECHNICIAN, False, Decimal(2)),
        (SkillLevel.TECHNICIAN, False, Decimal(2)),
        (SkillLevel.SENIOR, False, Decimal(1)),
        (SkillLevel.INTERMEDIATE, False, None),
        (None, True, Decimal(1)),
        (None, False, None),
    ],
)
def test_an_apprentice_advance_counts_by_the_level_reached(
    level: SkillLevel | None, honour: bool, points: Decimal | None
) -> None:
    claim = apprentice_advance_claim(level, honour, DEFAULT_POINTS)
    assert (None if claim is None else claim.points) == points
    assert claim is None or claim.group == "mentoring"


def test_achievements_earn_by_kind_and_every_kind_is_valued() -> None:
    assert {kind.value for kind in AchievementKind} == set(DEFAULT_POINTS.achievement)
    patent = achievement_claim(AchievementKind.INVENTION_PATENT.value, DEFAULT_POINTS)
    assert patent is not None and (patent.points, patent.category, patent.mode) == (
        Decimal(5),
        "work_results",
        "sum",
    )
    assert achievement_claim("unknown", DEFAULT_POINTS) is None


@given(st.lists(st.sampled_from([kind.value for kind in AchievementKind]), max_size=30))
def test_property_achievements_never_pass_their_cap(kinds: list[str]) -> None:
    entries: list[Entry] = []
    for kind in kinds:
        claim = achievement_claim(kind, DEFAULT_POINTS)
        assert claim is not None
        awarded = points_to_award(claim, entries, ON, DEFAULT_POINTS)
        assert awarded >= 0
        if awarded:
            entries.append(Entry(claim.rule, claim.group, claim.category, awarded, ON))
    assert sum((e.points for e in entries), Decimal(0)) <= DEFAULT_POINTS.rule_caps["achievement"]


def categories(*own: tuple[str, Decimal | None]) -> EnterpriseCategories:
    declared = EnterpriseCategories.of("weichai")
    for category, cap in own:
        declared.declare(category, name=category, cap=cap)
    return declared


def adjust(account: PointsAccount, category: str, delta: str, cats: EnterpriseCategories, **kw: str) -> None:
    account.adjust(
        category=category,
        delta=Decimal(delta),
        reason=kw.get("reason", "a correction"),
        approved_by=kw.get("approved_by", "hr-head"),
        on=ON,
        categories=cats,
        rules=DEFAULT_POINTS,
    )


@pytest.mark.parametrize(
    ("category", "delta", "kw", "rule"),
    [
        ("patents", "1", {}, "known_category"),
        ("activities", "0", {}, "adjustment"),
        ("activities", "1", {"reason": " "}, "adjustment_reason"),
        ("activities", "1", {"approved_by": " "}, "adjustment_approver"),
        ("activities", "-1", {}, "adjustment_not_negative"),
        ("volunteering", "11", {}, "category_cap"),
    ],
)
def test_an_adjustment_is_refused_naming_its_rule(
    category: str, delta: str, kw: dict[str, str], rule: str
) -> None:
    account = PointsAccount("w-1", tenant="weichai")
    with pytest.raises(DomainRuleViolated) as refused:
        adjust(account, category, delta, categories(), **kw)
    assert refused.value.rule == rule and not account.pending


def test_an_enterprise_category_takes_adjustments_up_to_its_cap_and_is_declared_once() -> None:
    own = categories(("patents", Decimal(5)))
    account = PointsAccount("w-1", tenant="weichai")
    adjust(account, "patents", "4", own)
    with pytest.raises(DomainRuleViolated) as capped:
        adjust(account, "patents", "2", own)
    assert capped.value.rule == "category_cap"
    adjust(account, "patents", "-4", own)
    assert [type(e) for e in account.pending] == [PointsAdjusted, PointsAdjusted] and account.balance == 0
    with pytest.raises(DomainRuleViolated):
        own.declare("patents", name="again", cap=None)
    with pytest.raises(DomainRuleViolated):
        own.declare("activities", name="common", cap=None)


def test_snapshot_keeps_adjustments_by_category() -> None:
    account = PointsAccount("w-1", tenant="weichai")
    adjust(account, "activities", "3", categories())
    account.version = 1
    restored = PointsAccount.from_snapshot("w-1", 1, account.snapshot_state())
    assert restored.adjustments == {"activities": Decimal(3)} and restored.balance == Decimal(3)
