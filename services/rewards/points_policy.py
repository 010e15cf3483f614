"""The points policy: other services' facts earn 4+X points, each fact once.

It runs on the inbox consumer's session: the points and the inbox record of the causing
event commit together, and the command id derives from the causing event, so a
redelivered fact cannot earn twice even if the inbox were lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.inbox import Handler
from chassis.unit_of_work import DuplicateCommand, UnitOfWork, retrying_conflicts
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
from contracts.ids import derived_uuid
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


def points_command_id(causing: Envelope, worker_id: str, first: bool) -> UUID:
    """One command per account a fact credits: the first worker keeps the id every fact had
    before teams earned (so a redelivered old fact still finds it), the others their own."""
    return derived_uuid(causing.event_id, "rewards.points" if first else f"rewards.points:{worker_id}")


async def award_points(
    uow: UnitOfWork,
    worker_id: str,
    claim_of: ClaimOf,
    causing: Envelope,
    earned_on: date,
    rules: PointsRules,
    command_id: UUID | None = None,
) -> Decimal:
    async with uow:
        account = await uow.get(PointsAccount, worker_id) or PointsAccount(worker_id, tenant=causing.tenant)
        claim = claim_of(account)
        points = (
            Decimal(0)
            if claim is None
            else account.award(claim, source_event_id=causing.event_id, earned_on=earned_on, rules=rules)
        )
        if not points:
            return points
        uow.track(account)
        try:
            await uow.commit(
                correlation_id=causing.correlation_id,
                causation_id=causing.event_id,
                command_id=command_id or points_command_id(causing, worker_id, first=True),
            )
        except DuplicateCommand:
            return Decimal(0)
        return points


Earners = tuple[str, ...]
"""Whose accounts a fact credits, each the same claim: one worker, or a visiting team."""


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
            for number, worker_id in enumerate((earners,) if isinstance(earners, str) else earners):
                command_id = points_command_id(envelope, worker_id, first=number == 0)
                await retrying_conflicts(
                    partial(
                        award_points, uow_on(session), worker_id, claim_of, envelope, on, rules, command_id
                    )
                )

        return earn

    return {kind: handler(read) for kind, read in _facts(rules).items()}
