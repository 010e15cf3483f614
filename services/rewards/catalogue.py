"""The programmes there are and what they reward, read from the service's own event store.

The policy asks the write side rather than a read model fed back through Kafka: a
programme counts from the moment its opening commits, and a replay of the tier history
cannot outrun the projection of the programmes. Every Programme stream starts with its
ProgrammeOpened, so the first events of the Programme streams list them all.
"""

from __future__ import annotations

from chassis.unit_of_work import UnitOfWork
from contracts.events.rewards import ProgrammeOpened
from services.rewards.domain import Programme


async def programmes_opened(uow: UnitOfWork) -> list[ProgrammeOpened]:
    async with uow:
        opened = await uow.first_events(Programme)
    return [event for event in opened if isinstance(event, ProgrammeOpened)]
