"""Results of enterprises' in-house contests, from the inbound topics.

The platform did not run those contests, so it does not score them: it adopts each reported
result as a fact of its own, on an `InHouseContest` stream per enterprise contest (contest id
`<enterprise>:<contest>`, so it cannot collide with a platform contest), and publishes it on
the competitions topic, where leaderboards and the registry's profiles and seed policy take
it like any other result. A worker gets one result per in-house contest; the worker must be
known to competitions and work for the sender. Each record is applied once (the command id
derives from the inbound event id).
"""

from __future__ import annotations

import contextlib
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.aggregate import Aggregate
from chassis.errors import DomainRuleViolated
from chassis.inbox import Handler
from chassis.service import Runtime, Subscription
from chassis.unit_of_work import DuplicateCommand, UnitOfWorkFactory
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.competitions import CompetitionScored
from contracts.ids import derived_uuid
from contracts.topics import inbound_topic_pattern
from contracts.vocabulary import ContestLevel
from services.competitions.queries import require_known_worker


class InHouseContest(Aggregate):
    """An enterprise's own contest, known by the results it reported; its tenant is the enterprise."""

    stream_type = "InHouseContest"

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        super().__init__(aggregate_id, tenant)
        self.scored: set[str] = set()

    @classmethod
    def of(cls, enterprise_id: str, contest_id: str) -> Self:
        return cls(f"{enterprise_id}:{contest_id}", tenant=enterprise_id)

    def report(self, result: CompetitionScored) -> None:
        if result.worker_id in self.scored:
            raise DomainRuleViolated(f"worker {result.worker_id} has a result in {self.id} already")
        # An in-house contest is enterprise-level, whatever level the sender wrote.
        self.record(result.model_copy(update={"contest_id": self.id, "level": ContestLevel.ENTERPRISE}))

    def apply(self, event: Event) -> None:
        if isinstance(event, CompetitionScored):
            self.scored.add(event.worker_id)


def inbound_handlers(unit_of_work: UnitOfWorkFactory) -> dict[type[Event], Handler]:
    async def adopt_result(session: AsyncSession, envelope: Envelope, event: CompetitionScored) -> None:
        async with unit_of_work(session=session) as uow:
            worker = await require_known_worker(uow.active, event.worker_id)
            if worker.enterprise_id != envelope.tenant:
                raise DomainRuleViolated(f"worker {event.worker_id} does not work for {envelope.tenant}")
            fresh = InHouseContest.of(envelope.tenant, event.contest_id)
            contest = await uow.get(InHouseContest, fresh.id) or fresh
            uow.track(contest)
            contest.report(event)
            with contextlib.suppress(DuplicateCommand):  # applied before: nothing new
                await uow.commit(
                    correlation_id=envelope.correlation_id,
                    causation_id=envelope.event_id,
                    command_id=derived_uuid(envelope.event_id, "competitions.inbound"),
                )

    return {CompetitionScored: adopt_result}


def inbound_subscription(runtime: Runtime) -> Subscription:
    """Every enterprise's inbound topic (a pattern: enterprises onboarded later are read too)."""
    return Subscription(
        name="inbound",
        topics=(),
        pattern=inbound_topic_pattern(),
        handlers=inbound_handlers(runtime.unit_of_work),
    )
