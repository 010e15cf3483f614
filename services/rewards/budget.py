"""The budget rule of a reward programme: a grant never takes it past its budget. Pure."""

from __future__ import annotations

from decimal import Decimal


def can_grant(budget: Decimal, granted_so_far: Decimal, amount: Decimal) -> bool:
    """Whether one more grant of `amount` still fits in `budget` after `granted_so_far`."""
    return amount > 0 and granted_so_far >= 0 and granted_so_far + amount <= budget


def remaining(budget: Decimal, granted_so_far: Decimal) -> Decimal:
    """What is left of the budget (never below zero)."""
    return max(budget - granted_so_far, Decimal(0))
