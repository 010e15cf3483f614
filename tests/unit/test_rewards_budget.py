"""The budget rule, alone: Decimal arithmetic, never past the budget."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.rewards.budget import can_grant, remaining

D = Decimal


@pytest.mark.parametrize(
    ("budget", "granted", "amount", "expected"),
    [
        (D("30000"), D("0"), D("8000"), True),
        (D("30000"), D("16000"), D("8000"), True),
        (D("30000"), D("22000"), D("8000"), True),  # lands exactly on the budget
        (D("30000"), D("24000"), D("8000"), False),  # would pass it by 2000
        (D("30000"), D("30000"), D("0.01"), False),
        (D("0.30"), D("0.10"), D("0.20"), True),  # exact in Decimal, not 0.30000000000000004
        (D("30000"), D("0"), D("30000.01"), False),
        (D("30000"), D("0"), D("0"), False),  # a grant is of something
        (D("30000"), D("0"), D("-1"), False),
        (D("30000"), D("-8000"), D("8000"), False),  # a corrupt history grants nothing
    ],
)
def test_can_grant(budget: Decimal, granted: Decimal, amount: Decimal, expected: bool) -> None:
    assert can_grant(budget, granted, amount) is expected


def test_remaining_is_what_is_left_and_never_negative() -> None:
    assert remaining(D("30000.00"), D("8000.00")) == D("22000.00")
    assert remaining(D("30000"), D("30000")) == 0
    assert remaining(D("100"), D("150")) == 0


def test_granting_until_refused_never_passes_the_budget() -> None:
    budget, amount, granted, count = D("100000"), D("30000"), D("0"), 0
    while can_grant(budget, granted, amount):
        granted += amount
        count += 1
    assert (count, granted, remaining(budget, granted)) == (3, D("90000"), D("10000"))
