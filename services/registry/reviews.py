"""The annual review sweep: every worker holding a tier or title in scope is reviewed on a day.

Each worker is decided on its own stream in its own transaction (one worker's conflict does
not undo the others'), by the pure rules of the ladder and of selection. What is due is
decided from the stream, so running the sweep twice on one day records nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.errors import DomainRuleViolated, NotFound
from chassis.eventstore import ConcurrencyError
from chassis.unit_of_work import UnitOfWork
from services.registry.domain import Worker
from services.registry.read_models import enterprises, tenures, worker_points
from services.registry.selection_commands import AnnualReview
from services.registry.talent import TalentQueries


class WorkerReviewed(BaseModel):
    worker_id: str
    events: list[str] = Field(description="The facts recorded: TierReviewed, TierExpired, TitleReviewed…")
    refused: str | None = Field(default=None, description="Why nothing could be recorded for this worker")


class AnnualReviewAnswer(BaseModel):
    reviewed_on: str
    workers: list[WorkerReviewed] = Field(description="Only the workers something was due for, or refused")


async def holders_in_scope(session: AsyncSession, region_id: str | None) -> dict[str, Decimal]:
    """Workers with a tier or title not yet ended, in the region and under it, with their points."""
    statement = (
        select(tenures.c.worker_id, worker_points.c.points)
        .join(enterprises, enterprises.c.enterprise_id == tenures.c.enterprise_id)
        .outerjoin(worker_points, worker_points.c.worker_id == tenures.c.worker_id)
        .where(tenures.c.until.is_(None))
        .distinct()
    )
    if region_id is not None:
        statement = statement.where(
            enterprises.c.region_id.in_(await TalentQueries(session).region_and_below(region_id))
        )
    rows = await session.execute(statement.order_by(tenures.c.worker_id))
    return {row[0]: Decimal(row.points or 0) for row in rows}


async def review_worker(
    uow: UnitOfWork, worker_id: str, points: Decimal, command: AnnualReview
) -> WorkerReviewed:
    async with uow:
        worker = await uow.require(Worker, worker_id, f"worker {worker_id} is not registered")
        recorded = worker.annual_review(command.reviewed_on, points=points, reviewed_by=command.reviewed_by)
        if recorded:
            await uow.commit()
        return WorkerReviewed(worker_id=worker_id, events=[event.event_type for event in recorded])


async def annual_review(
    unit_of_work: Callable[[], UnitOfWork], holders: dict[str, Decimal], command: AnnualReview
) -> AnnualReviewAnswer:
    answers: list[WorkerReviewed] = []
    for worker_id, points in holders.items():
        try:
            answer = await review_worker(unit_of_work(), worker_id, points, command)
        except (DomainRuleViolated, NotFound, ConcurrencyError) as refused:
            answer = WorkerReviewed(worker_id=worker_id, events=[], refused=str(refused))
        if answer.events or answer.refused:
            answers.append(answer)
    return AnnualReviewAnswer(reviewed_on=command.reviewed_on.isoformat(), workers=answers)
