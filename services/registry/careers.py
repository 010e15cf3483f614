"""The career import: a city's craftsmen as they were before the platform.

A city has thousands of craftsmen before its registry goes live. Their tiers and titles are
facts of earlier years, recorded then by the enterprises and the unions; the platform records
them as they were (TierPromoted with the reason `IMPORTED`, TitleConferred flagged `imported`),
on their historical dates. Today's ladder rules (points, months in the tier below, skill) are
not applied to yesterday's facts; what is refused is what contradicts the worker's own stream:
a tier already held (or a lower one after a higher), a title held already, a title without the
level below it (the tier a county title needs, the title a city one needs) in the same import
or in the stream, a record dated after today or before what the stream holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from chassis.auth import Role
from chassis.auth_http import Guard, requires
from chassis.http import Command
from chassis.imports import IMPORT_RESPONSES, Decision, ImportAnswer, ImportRequest, import_batch
from chassis.service import RuntimeDep
from chassis.unit_of_work import UnitOfWork
from contracts.events.registry import TierPromoted, TitleConferred
from contracts.primitives import Identifier
from contracts.vocabulary import HeldTierRank, TierRank, TitleLevel
from services.registry.domain import Enterprise, Worker
from services.registry.selection import DEFAULT_SELECTION, SelectionRules, nomination_refusal, title_name

IMPORTED = "imported record"  # the reason of an imported TierPromoted

router = APIRouter(tags=["registry imports"])


class HeldTier(BaseModel):
    rank: HeldTierRank
    since: date


class HeldTitle(BaseModel):
    title_id: Identifier
    level: TitleLevel = Field(description="county and above: the titles the unions confer")
    year: int = Field(ge=1949, le=2100)
    conferred_on: date | None = Field(default=None, description="1 January of `year` when not known")
    conferred_by: Identifier = "imported"
    valid_until: date | None = None

    def day(self) -> date:
        return self.conferred_on or date(self.year, 1, 1)


class ImportCareer(Command):
    """One worker's tiers and titles from before the platform."""

    worker_id: Identifier
    tiers: list[HeldTier] = Field(default_factory=list, max_length=3)
    titles: list[HeldTitle] = Field(default_factory=list, max_length=7)


@dataclass(frozen=True, slots=True)
class _Step:
    on: date
    tier: HeldTier | None = None
    title: HeldTitle | None = None


def _in_order(career: ImportCareer) -> list[_Step]:
    """Tiers and titles by date; on one day, a tier before a title and a lower level first."""
    steps = [_Step(t.since, tier=t) for t in career.tiers] + [_Step(t.day(), title=t) for t in career.titles]
    levels = list(TitleLevel)

    def key(step: _Step) -> tuple[date, int, int]:
        if step.tier is not None:
            return (step.on, 0, step.tier.rank.order)
        assert step.title is not None
        return (step.on, 1, levels.index(step.title.level))

    return sorted(steps, key=key)


def career_refusal(
    worker: Worker, career: ImportCareer, today: date, rules: SelectionRules = DEFAULT_SELECTION
) -> str | None:
    """Why the imported career contradicts the worker's stream (or itself), or None. Pure."""
    if not career.tiers and not career.titles:
        return "an imported career needs a tier or a title"
    if worker.forgotten:
        return f"worker {worker.id} is forgotten"
    tier, since = worker.tier, worker.tier_since
    titles = {title_id: title.level for title_id, title in worker.career.titles.items()}
    held = set(worker.career.held_levels())
    for step in _in_order(career):
        if step.on > today:
            return f"an imported record cannot be dated after today ({step.on})"
        if step.tier is not None:
            rank = TierRank(step.tier.rank)
            if rank.order <= tier.order:
                return f"worker {worker.id} holds the {tier} tier already (since {since}); {rank} is not above it"
            if since is not None and step.on < since:
                return f"{rank} since {step.on} is before the {tier} tier held since {since}"
            tier, since = rank, step.on
            continue
        assert step.title is not None
        title = step.title
        if title.level is TitleLevel.ENTERPRISE:
            return "an enterprise's own title is a tier: import it under tiers"
        if title.title_id in titles:
            return f"title {title.title_id} exists already"
        if title.valid_until is not None and title.valid_until <= title.day():
            return f"title {title.title_id} is valid until {title.valid_until}, not after its conferral"
        refusal = nomination_refusal(title.level, held, tier, rules)
        if refusal is not None:
            return f"title {title.title_id} ({title.level}, {title.day()}): {refusal.replace('nomination', 'title')}"
        titles[title.title_id] = title.level
        held.add(title.level)
    return None


def record_career(worker: Worker, enterprise: Enterprise, career: ImportCareer) -> None:
    """The imported facts on the worker's stream, in their historical order (checked before)."""
    for step in _in_order(career):
        if step.tier is not None:
            rank = TierRank(step.tier.rank)
            worker.record(
                TierPromoted(
                    worker_id=worker.id,
                    enterprise_id=worker.enterprise_id,
                    from_rank=worker.tier,
                    to_rank=step.tier.rank,
                    tier_label=enterprise.label_of(rank),
                    effective_on=step.on,
                    reason=IMPORTED,
                )
            )
        elif step.title is not None:
            title = step.title
            worker.record(
                TitleConferred(
                    title_id=title.title_id,
                    nomination_id=f"imported-{title.title_id}"[:128],
                    worker_id=worker.id,
                    enterprise_id=worker.enterprise_id,
                    level=title.level,
                    title_name=title_name(title.level),
                    conferred_by=title.conferred_by,
                    conferred_on=step.on,
                    valid_until=title.valid_until,
                    imported=True,
                )
            )


async def import_careers(uow: UnitOfWork, careers: Sequence[ImportCareer], today: date) -> list[Decision]:
    """The batch decision: each worker's career accepted whole or refused with its reason."""
    decisions: list[Decision] = []
    seen: set[str] = set()
    # Every worker and enterprise in four statements, not two per item.
    workers = await uow.load_many(Worker, [career.worker_id for career in careers])
    enterprises = await uow.load_many(Enterprise, {worker.enterprise_id for worker in workers.values()})
    for career in careers:
        if career.worker_id in seen:
            decisions.append(f"worker {career.worker_id} appears twice in the import: send one career each")
            continue
        seen.add(career.worker_id)
        worker = workers.get(career.worker_id)
        if worker is None:
            decisions.append(f"worker {career.worker_id} is not registered")
            continue
        enterprise = enterprises.get(worker.enterprise_id)
        refusal = career_refusal(worker, career, today)
        if refusal is not None or enterprise is None:
            decisions.append(refusal or f"enterprise {worker.enterprise_id} is not registered")
            continue
        record_career(worker, enterprise, career)
        decisions.append(worker)
    return decisions


@router.post("/careers/import", responses=IMPORT_RESPONSES)
async def import_careers_endpoint(
    request: ImportRequest, runtime: RuntimeDep, _: Annotated[Guard, requires(Role.CITY_UNION)]
) -> ImportAnswer:
    """Import the tiers and titles workers held before the platform (the city union only: it
    keeps the city's records). One transaction; each item is accepted or refused with its reason."""
    today = date.today()
    return await import_batch(
        runtime.unit_of_work,
        ImportCareer,
        request.items,
        lambda uow, items: import_careers(uow, items, today),
    )
