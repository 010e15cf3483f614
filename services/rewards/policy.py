"""The tier policy: a promotion earns one grant from every programme that rewards it.

It runs on the inbox consumer's session, so its grants commit together with the inbox
record of the causing TierPromoted, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.logging import get_logger
from chassis.unit_of_work import UnitOfWork, retrying_conflicts
from contracts.envelope import Envelope
from contracts.events.registry import TierPromoted
from services.rewards.catalogue import programmes_opened
from services.rewards.commands import GrantReward
from services.rewards.domain import rewards_promotion
from services.rewards.handlers import Granted, grant_reward

log = get_logger(__name__)

UnitOfWorkOn = Callable[[AsyncSession], UnitOfWork]
"""Builds a unit of work on a borrowed (the inbox's) session."""

CONFLICT_RETRIES = 5
"""Grants of one programme for different workers may race (other replicas): reload and retry."""


async def reward_promotion(
    uow_on: UnitOfWorkOn, session: AsyncSession, causing: Envelope, promoted: TierPromoted
) -> dict[str, Granted]:
    outcomes: dict[str, Granted] = {}
    for opened in await programmes_opened(uow_on(session)):
        if not rewards_promotion(opened.trigger, opened.opened_on, promoted.to_rank, promoted.effective_on):
            continue
        command = GrantReward(
            programme_id=opened.programme_id,
            worker_id=promoted.worker_id,
            enterprise_id=promoted.enterprise_id,
            reason=f"promoted to {promoted.tier_label} ({promoted.to_rank.value})",
            caused_by=causing.event_id,
        )
        outcome = await _grant_retrying_conflicts(uow_on, session, command, causing)
        outcomes[opened.programme_id] = outcome
        report = log.warning if outcome is Granted.BUDGET_EXHAUSTED else log.info
        report(
            "rewards.tier_policy",
            programme_id=opened.programme_id,
            worker_id=promoted.worker_id,
            to_rank=promoted.to_rank.value,
            outcome=outcome.value,
        )
    return outcomes


async def _grant_retrying_conflicts(
    uow_on: UnitOfWorkOn, session: AsyncSession, command: GrantReward, causing: Envelope
) -> Granted:
    return await retrying_conflicts(
        lambda: grant_reward(uow_on(session), command, causing), attempts=CONFLICT_RETRIES
    )
