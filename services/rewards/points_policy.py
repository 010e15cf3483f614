"""The points policy: other services' facts earn 4+X points, each fact once.

It runs on the inbox consumer's session: the points and the inbox record of the causing
event commit together, and the command id derives from the causing event, so a
redelivered fact cannot earn twice even if the inbox were lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.unit_of_work import (
    DuplicateCommand,
    UnitOfWork,
    commit_decisions,
    policy_command,
    retrying_conflicts,
)
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.events.training import (
    AchievementRecorded,
    AdvanceKind,
    ApprenticeAdvanced,
    CertificateAwarded,
    MentorshipCompleted,
    MentorshipConcluded,
    SkillServiceDelivered,
    TrainingCompleted,
)
from contracts.vocabulary import MentorshipOutcome
from services.rewards.account import PointsAccount
from services.rewards.points import (
    DEFAULT_POINTS,
    Claim,
    PointsRules,
    achievement_claim,
    apprentice_advance_claim,
    certificate_claim,
    competition_claim,
    mentoring_claim,
    skill_service_claim,
    training_claim,
)

ClaimOf = Callable[[PointsAccount], Claim | None]
UnitOfWorkOn = Callable[[AsyncSession], UnitOfWork]
POLICY = "rewards.points"  # what the command ids of its awards derive from


def earn(
    account: PointsAccount, claim_of: ClaimOf, causing: Envelope, earned_on: date, rules: PointsRules
) -> Decimal:
    """What the fact's claim earns on the account (recorded on it), maybe nothing."""
    claim = claim_of(account)
    if claim is None:
        return Decimal(0)
    return account.award(claim, source_event_id=causing.event_id, earned_on=earned_on, rules=rules)


def points_command(causing: Envelope, worker_id: str, first: bool) -> dict[str, UUID]:
    """One command per account a fact credits: the first worker keeps the id every fact had
    before teams earned (so a redelivered old fact still finds it), the others their own."""
    return policy_command(causing, POLICY if first else f"{POLICY}:{worker_id}")


async def award_points(
    uow: UnitOfWork,
    worker_id: str,
    claim_of: ClaimOf,
    causing: Envelope,
    earned_on: date,
    rules: PointsRules,
    first: bool = True,
) -> Decimal:
    async with uow:
        account = await uow.get(PointsAccount, worker_id) or PointsAccount(worker_id, tenant=causing.tenant)
        points = earn(account, claim_of, causing, earned_on, rules)
        if not points:
            return points
        uow.track(account)
        try:
            await uow.commit(**points_command(causing, worker_id, first))
        except DuplicateCommand:
            return Decimal(0)
        return points


Earners = tuple[str, ...]
"""Whose accounts a fact credits, each the same claim: one worker, or a visiting team."""


def each_earner(earners: str | Earners) -> Earners:
    return (earners,) if isinstance(earners, str) else earners


def _facts(
    rules: PointsRules,
) -> Mapping[type[Event], Callable[[Any], tuple[str | Earners, ClaimOf, date | None]]]:
    """The rule table: for each fact, whose account(s), what it claims, and the day it was
    earned (None: when it happened). A new fact that earns points is one entry here."""
    return {
        CompetitionScored: lambda e: (e.worker_id, lambda _: competition_claim(e.level, e.rank, rules), None),
        CertificateAwarded: lambda e: (
            e.worker_id,
            lambda _: certificate_claim(e.skill_level, rules),
            e.issued_on,
        ),
        TrainingCompleted: lambda e: (e.worker_id, lambda _: training_claim(rules), e.completed_on),
        # The whole team earns the visit, its leader first.
        SkillServiceDelivered: lambda e: (
            (e.worker_id, *(member for member in dict.fromkeys(e.team_ids) if member != e.worker_id)),
            lambda _: skill_service_claim(rules),
            e.delivered_on,
        ),
        MentorshipCompleted: lambda e: (
            e.worker_id,
            lambda account: mentoring_claim(account.mentoring_already(e.completed_on, rules), rules),
            e.completed_on,
        ),
        ApprenticeAdvanced: lambda e: (
            e.worker_id,
            lambda _: apprentice_advance_claim(e.skill_level, e.kind is AdvanceKind.HONOUR, rules),
            e.advanced_on,
        ),
        AchievementRecorded: lambda e: (
            e.worker_id,
            lambda _: achievement_claim(e.kind.value, rules),
            e.recorded_on,
        ),
        # Superseded by MentorshipCompleted; its records on the topic still count, once.
        MentorshipConcluded: lambda e: (
            e.worker_id,
            lambda account: (
                mentoring_claim(account.mentoring_already(e.ended_on, rules), rules)
                if e.outcome is MentorshipOutcome.COMPLETED
                else None
            ),
            e.ended_on,
        ),
    }


def points_policy_handlers(
    uow_on: UnitOfWorkOn, rules: PointsRules = DEFAULT_POINTS
) -> Mapping[type[Event], Handler]:
    def handler(read: Callable[[Any], tuple[str | Earners, ClaimOf, date | None]]) -> Handler:
        async def earn(session: AsyncSession, envelope: Envelope, event: Any) -> None:
            earners, claim_of, earned_on = read(event)
            on = earned_on or envelope.occurred_at.date()
            for number, worker_id in enumerate(each_earner(earners)):
                await retrying_conflicts(
                    partial(
                        award_points, uow_on(session), worker_id, claim_of, envelope, on, rules, number == 0
                    )
                )

        return earn

    return {kind: handler(read) for kind, read in _facts(rules).items()}


def points_policy_batch_handlers(
    uow_on: UnitOfWorkOn, rules: PointsRules = DEFAULT_POINTS
) -> Mapping[type[Event], BatchHandler]:
    """The points policy a batch at a time, with the same awards as `points_policy_handlers`:
    every account the batch names loaded at once, each fact decided in the batch's order on
    the account the facts before it left, every award appended in one statement."""
    facts = _facts(rules)

    async def decide_once(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        read = [
            (delivery.envelope, worker_id, number == 0, claim_of, earned_on)
            for delivery in deliveries
            for earners, claim_of, earned_on in [facts[type(delivery.event)](delivery.event)]
            for number, worker_id in enumerate(each_earner(earners))
        ]
        async with uow_on(session) as uow:
            accounts = await uow.load_many(PointsAccount, {worker_id for _, worker_id, _, _, _ in read})
            decided = False
            for causing, worker_id, first, claim_of, earned_on in read:
                account = accounts.get(worker_id) or PointsAccount(worker_id, tenant=causing.tenant)
                if not earn(account, claim_of, causing, earned_on or causing.occurred_at.date(), rules):
                    continue
                accounts[worker_id] = account
                uow.track(account)
                uow.decided(account, **points_command(causing, worker_id, first))
                decided = True
            if decided:
                await commit_decisions(uow, deliveries)

    async def decide(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        # a conflict with another writer of an account: reload and decide the batch again
        await retrying_conflicts(lambda: decide_once(session, deliveries))

    return dict.fromkeys(facts, decide)
