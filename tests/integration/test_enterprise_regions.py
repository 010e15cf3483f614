"""Training and competitions learn each enterprise's region from the registry's
EnterpriseRegistered (their `workers` projection), so the scope check of a per-worker
endpoint knows the worker's region: a county union reaches its own region's workers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth import Decision, Principal, Role, Rule, Tenant, decide
from chassis.db import session_factory
from chassis.service import Runtime, ServiceSpec
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import EnterpriseRegistered
from contracts.vocabulary import TierRank
from services.competitions.queries import CompetitionsQueries
from services.competitions.service import SPEC as COMPETITIONS
from services.training.queries import TrainingQueries
from services.training.service import SPEC as TRAINING
from tests.service_support import apply_as_a_batch, migrated, registered

COUNTY = Principal(Role.COUNTY_UNION, "kuiwen-union", region_id="kuiwen")
WORKER_RECORD = Rule(frozenset({Role.COUNTY_UNION}), hide=True)


def enterprise_registered(enterprise_id: str, region_id: str) -> Envelope:
    event = EnterpriseRegistered(
        enterprise_id=enterprise_id,
        name=enterprise_id,
        region_id=region_id,
        industry="machinery",
        tier_labels={TierRank.SEED: "seed"},
    )
    return Envelope.wrap(
        event,
        producer="registry",
        stream=StreamRef(type="Enterprise", id=enterprise_id),
        stream_version=1,
        tenant=region_id,
    )


async def project(db: AsyncEngine, spec: ServiceSpec, envelopes: list[Envelope]) -> None:
    """Apply registry facts as the service's `workers` consumer does."""
    runtime = cast(Runtime, SimpleNamespace(unit_of_work=None))
    (workers,) = [sub for sub in spec.subscriptions(runtime) if sub.name == "workers"]
    async with session_factory(db)() as session, session.begin():
        await apply_as_a_batch(session, workers.batch_handlers, envelopes)


QUERIES: dict[str, Any] = {"training": TrainingQueries, "competitions": CompetitionsQueries}


@pytest.mark.parametrize("spec", [TRAINING, COMPETITIONS], ids=lambda spec: spec.name)
async def test_a_workers_region_comes_from_its_enterprise(engine: AsyncEngine, spec: ServiceSpec) -> None:
    db = await migrated(engine, spec)
    facts = [
        enterprise_registered("weichai", "kuiwen"),
        enterprise_registered("haier", "laoshan"),
        registered("w-own", "weichai"),
        registered("w-foreign", "haier"),
        registered("w-nowhere", "not-registered-yet"),
    ]
    await project(db, spec, facts)
    await project(db, spec, facts[:2])  # redelivered: the same rows

    async with session_factory(db)() as session:
        queries = QUERIES[spec.name](session)
        own, foreign = await queries.worker_tenant("w-own"), await queries.worker_tenant("w-foreign")
        nowhere, unknown = await queries.worker_tenant("w-nowhere"), await queries.worker_tenant("w-none")

    assert own == Tenant(enterprise_id="weichai", region_id="kuiwen")
    assert foreign == Tenant(enterprise_id="haier", region_id="laoshan")
    assert nowhere == Tenant(enterprise_id="not-registered-yet")
    assert unknown == Tenant()
    decisions = [decide(COUNTY, WORKER_RECORD, tenant) for tenant in (own, foreign, nowhere, unknown)]
    assert decisions == [Decision.ALLOW, Decision.HIDE, Decision.HIDE, Decision.HIDE]
