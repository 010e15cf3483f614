"""Consumers of the training service: the workers it knows and the learning records.

Each handler runs inside the inbox consumer's transaction; none of them commits. The registry's
facts only write rows by their keys (chassis/row_writes.py): a batch of them is a few statements.
"""

from __future__ import annotations

from collections.abc import Mapping

from chassis.inbox import BatchHandler
from chassis.keyed_rows import changing, upserting
from chassis.row_writes import Add, Write, Writer, in_rounds, one_at_a_time
from chassis.service import Runtime, Subscription
from chassis.tenancy import enterprise_rows
from contracts.envelope import Envelope
from contracts.events.base import Event
from contracts.events.registry import (
    EnterpriseRegistered,
    SkillLevelCertified,
    TierExpired,
    TierPromoted,
    TierRevoked,
    TitleConferred,
    TitleExpired,
    TitleRevoked,
    WorkerForgotten,
    WorkerRegistered,
)
from contracts.topics import REGISTRY_EVENTS, TRAINING_EVENTS
from contracts.vocabulary import TierRank
from services.training.activity_projections import WRITERS as ACTIVITY_WRITERS
from services.training.read_models import (
    ACTIVITY_TABLES,
    enterprises,
    known_workers,
)
from services.training.registers import BATCH_HANDLERS as REGISTER_HANDLERS
from services.training.rules import CITY_TITLES


def worker_facts(event: WorkerRegistered) -> dict[str, str]:
    return {
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "skill_level": event.skill_level.value,
    }


def erased(event: WorkerForgotten) -> dict[str, object]:
    return {"worker_id": event.worker_id, "erased": True}


def level_facts(event: SkillLevelCertified) -> dict[str, object]:
    return {
        "worker_id": event.worker_id,
        "skill_level": event.skill_level.value,
        "level_since": event.certified_on,
    }


def tier_facts(event: TierPromoted) -> dict[str, object]:
    return {"worker_id": event.worker_id, "tier": event.to_rank.value}


def tier_ended(event: TierExpired | TierRevoked) -> dict[str, object]:
    # A lapsed or withdrawn tier leaves the worker in none, as in the registry.
    return {"worker_id": event.worker_id, "tier": TierRank.NONE.value}


def counting_city_titles(step: int) -> Writer:
    """+1 when a city-level title (or higher) is conferred, -1 when one is revoked or expires (never
    below none); the inbox applies each event once, and a worker's events arrive in order (one
    partition)."""

    def count(_: Envelope, event: TitleConferred | TitleRevoked | TitleExpired) -> list[Write]:
        if event.level not in CITY_TITLES:
            return []
        return [Add(known_workers, {"worker_id": event.worker_id}, "city_titles", step, floor=0)]

    return count


WORKER_WRITERS: Mapping[type[Event], Writer] = {
    WorkerRegistered: upserting(known_workers, worker_facts),
    WorkerForgotten: changing(known_workers, erased),
    SkillLevelCertified: changing(known_workers, level_facts),
    TierPromoted: changing(known_workers, tier_facts),
    TierExpired: changing(known_workers, tier_ended),
    TierRevoked: changing(known_workers, tier_ended),
    TitleConferred: counting_city_titles(+1),
    TitleRevoked: counting_city_titles(-1),
    TitleExpired: counting_city_titles(-1),
    EnterpriseRegistered: enterprise_rows(enterprises),
}
"""What the registry's facts write here: each a row by its key, so a batch goes in rounds."""

# One event at a time, for the tests that feed the read model directly.
on_worker_registered = one_at_a_time(WORKER_WRITERS[WorkerRegistered])
on_worker_forgotten = one_at_a_time(WORKER_WRITERS[WorkerForgotten])


LEARNING_RECORD_HANDLERS: Mapping[type[Event], BatchHandler] = {
    **REGISTER_HANDLERS,
    **in_rounds(ACTIVITY_WRITERS),
}
"""Training's own facts a batch at a time: the classes' registers, and the other facts' writes in rounds."""


def subscriptions(_: Runtime) -> list[Subscription]:
    return [
        Subscription(
            name="workers",
            topics=(REGISTRY_EVENTS,),
            handlers={},
            batch_handlers=in_rounds(WORKER_WRITERS),
            tables=(known_workers, enterprises),
        ),
        Subscription(
            name="learning-records",
            topics=(TRAINING_EVENTS,),
            handlers={},
            batch_handlers=LEARNING_RECORD_HANDLERS,
            tables=ACTIVITY_TABLES,
        ),
    ]
