from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.catalog import EVENT_TYPES
from contracts.events import (
    CompetitionScored,
    EnterpriseRegistered,
    Event,
    RewardGranted,
    TierPromoted,
    WorkerRegistered,
)
from contracts.ids import uuid7
from contracts.vocabulary import TierRank


def test_event_type_defaults_to_the_class_name_and_version_to_1() -> None:
    for event_type, event_class in EVENT_TYPES.items():
        assert event_type == event_class.__name__
    assert WorkerRegistered.schema_version == 3
    assert CompetitionScored.schema_version == 3
    assert EnterpriseRegistered.schema_version == 1


def test_a_class_can_name_its_type_and_version() -> None:
    class Renamed(Event, event_type="SomethingHappened", schema_version=3):
        worker_id: str

    assert (Renamed.event_type, Renamed.schema_version) == ("SomethingHappened", 3)
    assert Renamed(worker_id="w-1").partition_key() == "w-1"


def test_the_partition_key_is_the_worker_when_there_is_one() -> None:
    enterprise = EnterpriseRegistered(
        enterprise_id="ent-1",
        name="潍柴动力",
        region_id="370700",
        industry="动力装备",
        tier_labels={"seed": "种子工匠", "craftsman": "工匠", "chief": "首席工匠"},
    )
    assert enterprise.partition_key() is None


def scored(**changes: Any) -> CompetitionScored:
    fields: dict[str, Any] = {
        "contest_id": "c-1",
        "level": "city",
        "worker_id": "w-1",
        "enterprise_id": "ent-1",
        "raw_score": 88.5,
        "standardised_score": 742,
        "rank": 2,
        "medal": "silver",
    }
    return CompetitionScored.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"raw_score": 100.01},
        {"raw_score": -1},
        {"raw_score": float("nan")},
        {"standardised_score": 1001},
        {"rank": 0},
        {"medal": "platinum"},
        {"worker_id": ""},
        {"worker_id": "w 1"},
        {"judge": "j-1"},
    ],
)
def test_competition_scores_are_bounded(changes: dict[str, Any]) -> None:
    scored()
    with pytest.raises(ValidationError):
        scored(**changes)


def grant(**changes: Any) -> RewardGranted:
    fields: dict[str, Any] = {
        "grant_id": "g-1",
        "programme_id": "p-1",
        "worker_id": "w-1",
        "enterprise_id": "ent-1",
        "amount": "30000",
        "reason": "创新工作室资助",
        "caused_by": str(uuid7()),
    }
    return RewardGranted.model_validate({**fields, **changes})


def test_money_is_a_positive_yuan_amount_written_as_a_string() -> None:
    assert grant().amount == Decimal("30000.00")
    assert grant().model_dump(mode="json")["amount"] == "30000.00"
    assert grant(amount=8000.5).model_dump(mode="json")["amount"] == "8000.50"
    for bad in ("0", "-1", "1.001"):
        with pytest.raises(ValidationError):
            grant(amount=bad)
    with pytest.raises(ValidationError):
        grant(currency="USD")


def promotion(from_rank: str, to_rank: str) -> TierPromoted:
    return TierPromoted(
        worker_id="w-1",
        enterprise_id="ent-1",
        from_rank=TierRank(from_rank),
        to_rank=TierRank(to_rank),
        tier_label="工匠",
        effective_on=date(2025, 1, 1),
        reason="年度评审",
    )


def test_a_promotion_names_a_held_rank_and_the_event_judges_nothing_else() -> None:
    """That a promotion goes up is the registry's rule (tests/unit/test_registry_domain.py);
    the fact only has the shape of one, so a stored fact never stops loading."""
    assert promotion("none", "seed").to_rank == TierRank.SEED
    assert promotion("craftsman", "seed").from_rank == TierRank.CRAFTSMAN
    with pytest.raises(ValidationError):
        promotion("seed", "none")


def test_events_are_immutable() -> None:
    with pytest.raises(ValidationError):
        scored().rank = 1  # type: ignore[misc]
