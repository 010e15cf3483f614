"""The Programme aggregate and the tier rule, alone: no database, no broker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from chassis.errors import DomainRuleViolated
from contracts.events.rewards import ProgrammeOpened, RewardGranted, RewardRevoked
from contracts.vocabulary import TierRank
from services.rewards.domain import (
    AlreadyGranted,
    BudgetExhausted,
    Programme,
    grant_id_for,
    rewards_promotion,
    tier_trigger,
)

OPENED_ON = date(2026, 1, 1)


def seed_programme(budget: str = "24000", amount: str = "8000") -> Programme:
    programme = Programme.open(
        "prog-seed",
        name="种子工匠晋级奖励",
        sponsor_id="weifang-federation",
        budget=Decimal(budget),
        grant_amount=Decimal(amount),
        trigger=tier_trigger(TierRank.SEED),
        opened_on=OPENED_ON,
    )
    programme.pending.clear()
    return programme


def grant(programme: Programme, cause: UUID, worker: str = "w-1") -> None:
    programme.grant(worker_id=worker, enterprise_id="ent-1", reason="promoted to seed", caused_by=cause)


def test_opening_records_the_terms_with_the_sponsor_as_tenant() -> None:
    programme = Programme.open(
        "prog-seed",
        name="Seed allowance",
        sponsor_id="weifang-federation",
        budget=Decimal("300000"),
        grant_amount=Decimal("8000"),
        trigger="tier:seed",
        opened_on=OPENED_ON,
    )
    (opened,) = programme.pending
    assert isinstance(opened, ProgrammeOpened)
    assert (opened.trigger, opened.budget, opened.grant_amount) == (
        "tier:seed",
        Decimal("300000.00"),
        Decimal(8000),
    )
    assert programme.tenant == "weifang-federation"
    assert programme.remaining == Decimal("300000")


def test_a_grant_larger_than_the_budget_cannot_open() -> None:
    with pytest.raises(DomainRuleViolated):
        Programme.open(
            "prog-x",
            name="Too generous",
            sponsor_id="ent-1",
            budget=Decimal("5000"),
            grant_amount=Decimal("8000"),
            trigger="tier:seed",
            opened_on=OPENED_ON,
        )


def test_a_grant_pays_the_programme_amount_under_an_id_derived_from_its_cause() -> None:
    programme, cause = seed_programme(), uuid4()
    grant(programme, cause)
    (granted,) = programme.pending
    assert isinstance(granted, RewardGranted)
    assert granted.grant_id == grant_id_for("prog-seed", cause) == grant_id_for("prog-seed", cause)
    assert granted.amount == Decimal("8000.00") and granted.caused_by == cause
    assert programme.granted_total == Decimal("8000") and programme.remaining == Decimal("16000")


def test_the_same_cause_is_never_granted_twice() -> None:
    programme, cause = seed_programme(), uuid4()
    grant(programme, cause)
    with pytest.raises(AlreadyGranted):
        grant(programme, cause, worker="w-other")
    assert len(programme.pending) == 1


def test_one_cause_gives_distinct_grant_ids_in_distinct_programmes() -> None:
    cause = uuid4()
    assert grant_id_for("prog-a", cause) != grant_id_for("prog-b", cause)


def test_grants_stop_at_the_budget() -> None:
    programme = seed_programme(budget="20000", amount="8000")
    grant(programme, uuid4())
    grant(programme, uuid4())
    with pytest.raises(BudgetExhausted):
        grant(programme, uuid4())
    assert programme.granted_total == Decimal("16000") and len(programme.pending) == 2


def test_a_revoked_grant_returns_to_the_budget_but_its_cause_stays_spent() -> None:
    programme, cause = seed_programme(budget="8000", amount="8000"), uuid4()
    grant(programme, cause)
    programme.apply(
        RewardRevoked(
            grant_id=grant_id_for("prog-seed", cause),
            programme_id="prog-seed",
            worker_id="w-1",
            enterprise_id="ent-1",
            amount=Decimal("8000"),
            reason="granted in error",
            revoked_by="weifang-federation",
        )
    )
    assert programme.remaining == Decimal("8000")
    with pytest.raises(AlreadyGranted):
        grant(programme, cause)
    grant(programme, uuid4())


def test_snapshot_round_trip_keeps_budget_and_causes() -> None:
    programme, cause = seed_programme(), uuid4()
    grant(programme, cause)
    programme.version = 2
    restored = Programme.from_snapshot("prog-seed", 2, programme.snapshot_state())
    assert vars(restored) == {**vars(programme), "pending": []}
    with pytest.raises(AlreadyGranted):
        grant(restored, cause)


@pytest.mark.parametrize(
    ("trigger", "to_rank", "effective_on", "expected"),
    [
        ("tier:seed", TierRank.SEED, OPENED_ON, True),
        ("tier:seed", TierRank.SEED, date(2026, 6, 1), True),
        ("tier:seed", TierRank.SEED, date(2025, 12, 31), False),  # before the programme opened
        ("tier:seed", TierRank.CRAFTSMAN, OPENED_ON, False),
        ("tier:chief", TierRank.CHIEF, OPENED_ON, True),
        ("title:city", TierRank.SEED, OPENED_ON, False),
    ],
)
def test_which_promotions_a_programme_rewards(
    trigger: str, to_rank: TierRank, effective_on: date, expected: bool
) -> None:
    assert rewards_promotion(trigger, OPENED_ON, to_rank, effective_on) is expected
