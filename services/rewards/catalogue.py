"""The programmes there are and what they reward, read from the service's own event store.

The policy asks the write side rather than a read model fed back through Kafka: a
programme counts from the moment its opening commits, and a replay of the tier history
cannot outrun the projection of the programmes. Every Programme stream starts with its
ProgrammeOpened, so version 1 of each Programme stream lists them all.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.eventstore.schema import events
from chassis.eventstore.store import stored_event
from contracts.events.rewards import ProgrammeOpened
from services.rewards.domain import Programme


async def programmes_opened(session: AsyncSession) -> list[ProgrammeOpened]:
    rows = await session.execute(
        select(events)
        .where(
            events.c.stream_type == Programme.stream_type,
            events.c.stream_version == 1,
            events.c.event_type == ProgrammeOpened.event_type,
        )
        .order_by(events.c.stream_id)
    )
    opened = (stored_event(row._mapping).event for row in rows)
    return [event for event in opened if isinstance(event, ProgrammeOpened)]
