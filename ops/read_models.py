"""Which read models a service has: the subscriptions that declare their tables.

A read model is a subscription whose handlers write only its declared tables
(`chassis.service.Subscription.tables`); a policy (which appends events) or an inbound
consumer declares none and cannot be rebuilt: replaying it would decide again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table

from chassis.inbox import BatchHandler, Handler
from chassis.service import ServiceSpec, Subscription, consumer_group, declared
from chassis.settings import ServiceSettings
from contracts.events.base import Event
from deploy.asyncapi import DOCUMENTED

SPECS: Mapping[str, ServiceSpec] = {spec.name: spec for spec in DOCUMENTED}


class UnknownReadModel(LookupError):
    """The service or the read model does not exist, or it is not a rebuildable projection."""


@dataclass(frozen=True, slots=True)
class ReadModel:
    """One projection as its live consumer runs it: group (= inbox name), topics, handlers, tables."""

    service: str
    name: str
    group: str
    topics: tuple[str, ...]
    handlers: Mapping[type[Event], Handler]
    tables: tuple[Table, ...]
    migrations: Sequence[Path]
    topic_prefix: str = ""
    # Where the live consumer applies a type a batch at a time, so does the rebuild: the new
    # version is built by the code that built the live one, and as fast.
    batch_handlers: Mapping[type[Event], BatchHandler] = field(default_factory=dict)


def read_model_of(spec: ServiceSpec, settings: ServiceSettings, subscription: Subscription) -> ReadModel:
    if not subscription.tables or subscription.pattern is not None:
        raise UnknownReadModel(
            f"{spec.name} {subscription.name} is not a projection with declared tables "
            "(a policy or an inbound consumer decides: it is never rebuilt)"
        )
    return ReadModel(
        service=spec.name,
        name=subscription.name,
        group=consumer_group(settings, subscription),
        topics=tuple(settings.topic_prefix + topic for topic in subscription.topics),
        handlers=subscription.handlers,
        batch_handlers=subscription.batch_handlers,
        tables=subscription.tables,
        migrations=spec.migrations,
        topic_prefix=settings.topic_prefix,
    )


async def subscriptions_of(spec: ServiceSpec, settings: ServiceSettings) -> list[Subscription]:
    """The service's subscriptions as it wires them (connected to nothing)."""
    async with declared(spec, settings) as runtime:
        return list(spec.subscriptions(runtime))


async def find_read_model(service: str, name: str, settings: ServiceSettings) -> ReadModel:
    spec = SPECS.get(service)
    if spec is None:
        raise UnknownReadModel(f"no service {service!r}; one of {', '.join(sorted(SPECS))}")
    subscriptions = await subscriptions_of(spec, settings)
    for subscription in subscriptions:
        if subscription.name == name:
            return read_model_of(spec, settings, subscription)
    names = ", ".join(sub.name for sub in subscriptions if sub.tables)
    raise UnknownReadModel(f"{service} has no read model {name!r}; rebuildable: {names or 'none'}")
