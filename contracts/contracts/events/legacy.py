"""Payload models of superseded schema versions.

Old records stay on disk and on Kafka forever; these models document what they
look like (their JSON schemas are published) and let tests check the golden
samples of old versions. Readers never decode into them: `catalog.upcast` lifts
old payloads to the current model.
"""

from __future__ import annotations

from pydantic import ConfigDict

from contracts.events.base import Event
from contracts.primitives import Identifier, Name


class WorkerRegisteredV1(Event, event_type="WorkerRegistered", schema_version=1):
    model_config = ConfigDict(title="WorkerRegisteredV1")

    worker_id: Identifier
    enterprise_id: Identifier
    name: Name
    trade: Name


LEGACY_EVENTS: tuple[type[Event], ...] = (WorkerRegisteredV1,)
