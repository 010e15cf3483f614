"""Enterprise HR facts from the inbound topics: hires, leavers and in-house nominations.

Each inbound record is a request from the enterprise that the registry decides like a command
of its own, so the worker exists in the registry's event store (and its events go out on the
registry's topic under the registry's name). The command id derives from the inbound event id:
a record sent twice is applied once (the inbox sees the same event id; were the inbox lost, the
derived event ids would collide). A record the registry's rules refuse is dead-lettered with
the rule in its detail. The consumer has already checked that the sender is the tenant.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from chassis.errors import DomainRuleViolated
from chassis.inbox import Handler
from chassis.service import Runtime, Subscription
from chassis.unit_of_work import DuplicateCommand, UnitOfWorkFactory
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.registry import WorkerLeft, WorkerNominated, WorkerRegistered
from contracts.ids import derived_uuid
from contracts.topics import inbound_topic_pattern
from services.registry.commands import NominateWorker, RegisterWorker
from services.registry.domain import Worker
from services.registry.handlers import nominate_worker, register_worker
from services.registry.selection_commands import RecordLeaving
from services.registry.selection_handlers import record_leaving


def inbound_handlers(unit_of_work: UnitOfWorkFactory) -> dict[type[Event], Handler]:
    async def hire(session: AsyncSession, envelope: Envelope, event: WorkerRegistered) -> None:
        command = RegisterWorker(
            worker_id=event.worker_id,
            enterprise_id=event.enterprise_id,
            trade=event.trade,
            skill_level=event.skill_level,
            hired_on=event.hired_on,
            post=event.post,
            front_line=event.front_line,
        )
        with contextlib.suppress(DuplicateCommand):  # applied before: nothing new
            await register_worker(unit_of_work(session=session), command, _command_id(envelope))

    async def own_worker(session: AsyncSession, envelope: Envelope, worker_id: str) -> None:
        """An enterprise speaks only of its own workers."""
        async with unit_of_work(session=session) as uow:
            worker = await uow.require(Worker, worker_id, f"worker {worker_id} is not registered")
            if worker.enterprise_id != envelope.tenant:
                raise DomainRuleViolated(f"worker {worker_id} does not work for {envelope.tenant}")

    async def nominate(session: AsyncSession, envelope: Envelope, event: WorkerNominated) -> None:
        await own_worker(session, envelope, event.worker_id)
        command = NominateWorker(
            worker_id=event.worker_id,
            nomination_id=event.nomination_id,
            level=event.level,
            nominated_by=event.nominated_by,
            reason=event.reason,
        )
        with contextlib.suppress(DuplicateCommand):
            await nominate_worker(unit_of_work(session=session), command, _command_id(envelope))

    async def leave(session: AsyncSession, envelope: Envelope, event: WorkerLeft) -> None:
        await own_worker(session, envelope, event.worker_id)
        command = RecordLeaving(worker_id=event.worker_id, left_on=event.left_on, reason=event.reason)
        with contextlib.suppress(DuplicateCommand):
            await record_leaving(unit_of_work(session=session), command, _command_id(envelope))

    return {WorkerRegistered: hire, WorkerNominated: nominate, WorkerLeft: leave}


def _command_id(envelope: Envelope) -> UUID:
    return derived_uuid(envelope.event_id, "registry.inbound")


def inbound_subscription(runtime: Runtime) -> Subscription:
    """Every enterprise's inbound topic (a pattern: enterprises onboarded later are read too)."""
    return Subscription(
        name="inbound",
        topics=(),
        pattern=inbound_topic_pattern(),
        handlers=inbound_handlers(runtime.unit_of_work),
    )
