"""Command handlers of the points ledger: an enterprise's categories, manual adjustments
(one or a batch), and the sweep that closes validity windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import select

from chassis.calendar import years_after
from chassis.errors import DomainRuleViolated
from chassis.imports import Decision
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import Envelope
from services.rewards.account import PointsAccount
from services.rewards.categories import EnterpriseCategories
from services.rewards.commands import AdjustPoints, DeclareCategory, SweepExpiries
from services.rewards.points import DEFAULT_POINTS, PointsRules
from services.rewards.read_models import points_entries


def _today() -> date:
    return datetime.now(UTC).date()


async def declare_category(
    uow: UnitOfWork, command: DeclareCategory, command_id: UUID | None = None
) -> list[Envelope]:
    async with uow:
        categories = await uow.get(EnterpriseCategories, command.enterprise_id) or EnterpriseCategories.of(
            command.enterprise_id
        )
        categories.declare(command.category, name=command.name, cap=command.cap)
        uow.track(categories)
        return await uow.commit(command_id=command_id)


async def _adjusted(
    uow: UnitOfWork,
    command: AdjustPoints,
    accounts: dict[str, PointsAccount],
    categories: dict[str, EnterpriseCategories],
    rules: PointsRules,
) -> PointsAccount:
    """Decide one adjustment on the (shared, in a batch) account and categories."""
    if command.enterprise_id not in categories:
        categories[command.enterprise_id] = await uow.get(
            EnterpriseCategories, command.enterprise_id
        ) or EnterpriseCategories.of(command.enterprise_id)
    if command.worker_id not in accounts:
        accounts[command.worker_id] = await uow.get(PointsAccount, command.worker_id) or PointsAccount(
            command.worker_id, tenant=command.enterprise_id
        )
    account = accounts[command.worker_id]
    account.adjust(
        category=command.category,
        delta=command.delta,
        reason=command.reason,
        approved_by=command.approved_by,
        on=command.adjusted_on or _today(),
        categories=categories[command.enterprise_id],
        rules=rules,
    )
    return account


async def adjust_points(
    uow: UnitOfWork,
    command: AdjustPoints,
    command_id: UUID | None = None,
    rules: PointsRules = DEFAULT_POINTS,
) -> list[Envelope]:
    async with uow:
        uow.track(await _adjusted(uow, command, {}, {}, rules))
        return await uow.commit(command_id=command_id)


async def adjustments_batch(
    uow: UnitOfWork, commands: Sequence[AdjustPoints], rules: PointsRules = DEFAULT_POINTS
) -> list[Decision]:
    """The batch form of adjust_points: the same rules; items about one worker decide in
    order on one account, so two takings cannot together pass zero."""
    accounts: dict[str, PointsAccount] = {}
    categories: dict[str, EnterpriseCategories] = {}
    decisions: list[Decision] = []
    for command in commands:
        try:
            decisions.append(await _adjusted(uow, command, accounts, categories, rules))
        except DomainRuleViolated as refused:
            decisions.append(f"{refused.rule}: {refused}")
    return decisions


async def sweep_expiries(
    uow: UnitOfWork,
    command: SweepExpiries,
    command_id: UUID | None = None,
    rules: PointsRules = DEFAULT_POINTS,
) -> list[Envelope]:
    """PointsExpired for every award whose validity window has closed by `on`, in one
    transaction. Idempotent: a second sweep finds them expired and records nothing."""
    on = command.on or _today()
    async with uow:
        for worker_id in await _accounts_to_sweep(uow, on, rules):
            account = await uow.get(PointsAccount, worker_id)
            if account is not None:
                account.expire(on, rules)
        return await uow.commit(command_id=command_id)


async def _accounts_to_sweep(uow: UnitOfWork, on: date, rules: PointsRules) -> list[str]:
    """The workers holding points whose window may have closed by `on` (from the statement;
    a superset: each account decides exactly)."""
    rows = await uow.active.execute(
        select(points_entries.c.worker_id)
        .where(
            points_entries.c.expired_on.is_(None),
            points_entries.c.earned_on <= years_after(on, -rules.window_years),
        )
        .where(points_entries.c.rule != "adjustment")
        .distinct()
    )
    return sorted(row.worker_id for row in rows)
