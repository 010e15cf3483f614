"""Three replicas of every service while the demo story runs, on the real Kafka and Postgres.

Midway the replica holding registry's relay lease is SIGKILLed (another takes over: the story
only goes on if registry's events keep flowing), and a rewards replica is SIGKILLed while its
consumer groups are rebalancing (a fourth replica just joined). Afterwards every service's read
models equal a rebuild from offset 0 into an empty database, and no grant or points entry is
doubled. Requests go to any replica in turn.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.admin import AdminClient
from sqlalchemy import MetaData, text

from chassis.auth_tokens import bearer_headers
from chassis.db import create_engine
from demo.city import CONTEST, ENTERPRISES, PROGRAMME, WORKERS
from demo.story import City, Silent, promoted
from deploy.infra import Infrastructure
from deploy.kafka_access import provision_run
from deploy.local_services import ServiceProcess
from services.competitions.read_models import metadata as competitions_tables
from services.registry.read_models import metadata as registry_tables
from services.rewards.read_models import metadata as rewards_tables
from services.training.read_models import metadata as training_tables
from tests.e2e.conftest import free_port
from tests.replica_support import (
    AnyReplica,
    create_database,
    differences,
    drop_database,
    group_states,
    groups_named,
    kafka_admin,
    relay_holder,
    replica_report,
    table_rows,
    until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

REPLICAS = 3
REBALANCING = ("PREPARING_REBALANCING", "COMPLETING_REBALANCING")  # confluent-kafka's names
READ_MODELS: dict[str, MetaData] = {
    "registry": registry_tables,
    "training": training_tables,
    "competitions": competitions_tables,
    "rewards": rewards_tables,
}
# Not read models: the registry's vault of sealed personal data is written by the command that
# registers a worker, in its transaction, and never travels (a rebuild cannot have it).
NOT_REBUILT = ("registry_personal_keys", "registry_personal_data")
# When the projection wrote the row (wall clock), not a fact of the events.
WRITTEN_AT = {"registry_worker_profiles": ("updated_at",)}


@dataclass
class Deployment:
    prefix: str
    bootstrap: str
    replicas: dict[str, list[ServiceProcess]]
    urls: dict[str, str]
    state: Path

    def process(self, name: str, replica: int, url: str, **env: str) -> ServiceProcess:
        return ServiceProcess(
            name=name,
            port=free_port(),
            database_url=url,
            kafka_bootstrap=self.bootstrap,
            state=self.state,
            replica=replica,
            extra_env={
                "CRAFTSMAN_CONSUMER_GROUP_PREFIX": self.prefix,
                "CRAFTSMAN_TOPIC_PREFIX": self.prefix,
                "CRAFTSMAN_LOG_LEVEL": "INFO",
                # the story's workers carry no level history: no minimum years (as tests/e2e/conftest.py)
                "CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL": "{}",
                **env,
            },
        )


@pytest.fixture
async def deployment(infra: Infrastructure, tmp_path: Path) -> AsyncIterator[Deployment]:
    prefix = f"replicas-{uuid.uuid4().hex[:8]}."
    provision_run(infra.kafka_bootstrap, topic_prefix=prefix)
    names: list[str] = []
    deployed = Deployment(prefix, infra.kafka_bootstrap, {}, {}, tmp_path)
    try:
        for name in READ_MODELS:
            database, deployed.urls[name] = await create_database(infra, f"replicas_{name}")
            names.append(database)
            deployed.replicas[name] = [
                deployed.process(name, replica, deployed.urls[name]) for replica in range(1, REPLICAS + 1)
            ]
        everyone = [process for processes in deployed.replicas.values() for process in processes]
        for process in everyone:
            process.start()
        for process in everyone:
            process.wait_ready(timeout=150)
        yield deployed
    finally:
        everyone = [process for processes in deployed.replicas.values() for process in processes]
        print(replica_report(everyone))
        for process in everyone:
            process.stop()
        for database in names:
            await drop_database(infra, database)


async def test_three_replicas_per_service_survive_a_relay_and_a_consumer_kill(
    deployment: Deployment, infra: Infrastructure
) -> None:
    run = uuid.uuid4().hex[:6]
    async with AsyncExitStack() as stack:
        transports = {
            name: AnyReplica([process.port for process in processes])
            for name, processes in deployment.replicas.items()
        }
        clients = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=transports[name],
                    base_url="http://127.0.0.1",
                    timeout=15,
                    headers=bearer_headers(),
                )
            )
            for name in transports
        }
        city = City(clients, Silent(), run)
        programme_id = await city.open_programme(PROGRAMME)
        for enterprise in ENTERPRISES:
            await city.register_enterprise(enterprise)
        for worker in WORKERS:
            await city.register_worker(worker)

        # 1. SIGKILL the replica that holds registry's relay lease; the rest of the story needs
        #    registry's events, so it only goes on when another replica took the lease over.
        registry = deployment.replicas["registry"]
        holder = await until(lambda: _found(relay_holder(registry)), timeout=30)
        holder.stop(kill=True)
        transports["registry"].forget(holder.port)
        for worker in WORKERS:
            if worker.nominated:
                await city.nominate(worker)
        for worker in WORKERS:
            await city.wait_known(worker)
        # The registrations may have gone out before the kill, so knowing the workers does not
        # prove the takeover (the lock is asked for once a second): wait for it itself.
        await until(lambda: _found(relay_holder([r for r in registry if r is not holder])), timeout=30)

        # 2. A fourth rewards replica joins the rewards groups (each join starts a rebalance);
        #    while the coordinator says a group is rebalancing, SIGKILL another replica.
        rewards = deployment.replicas["rewards"]
        joining = deployment.process("rewards", 4, deployment.urls["rewards"])
        rewards.append(joining)
        groups = await asyncio.to_thread(groups_named, deployment.bootstrap, f"{deployment.prefix}rewards.")
        assert len(groups) >= 2, groups
        admin = kafka_admin(deployment.bootstrap)
        joining.start()
        states = await until(lambda: _rebalancing(admin, groups), timeout=120, pause=0.02)
        victim = rewards[1]
        victim.stop(kill=True)
        transports["rewards"].forget(victim.port)
        print(f"rewards groups when {victim.instance} was killed: {states}")

        # 3. The rest of the story, as the demo plays it.
        for worker in WORKERS:
            await city.complete_training(worker)
        for enterprise_id in {worker.enterprise_id for worker in WORKERS if worker.skill_level == "junior"}:
            await city.qualify_issuer(enterprise_id)
        for worker in WORKERS:
            if worker.skill_level == "junior":
                await city.certify(worker, "intermediate", issuer_id=worker.enterprise_id)
        contest_id = await city.open_contest(CONTEST)
        for worker in WORKERS:
            await city.record_mark(contest_id, worker)
        await city.conclude_contest(contest_id)
        for worker in WORKERS:
            await city.wait_profile(worker, "promoted", promoted, timeout=90)
        programme = await until(lambda: _spent(city, programme_id), timeout=90)
        assert int(programme["grants"]) == 4, programme  # the budget holds four grants
        profiles = await until(lambda: _granted_profiles(city, 4), timeout=60)
        assert sorted(int(p["grants"]) for p in profiles) == [0, 0, 1, 1, 1, 1]

    await _no_doubles(deployment.urls["rewards"])
    await _read_models_equal_a_rebuild(deployment, infra)


async def _found(value: Any) -> Any:
    return value


async def _rebalancing(admin: AdminClient, groups: list[str]) -> dict[str, str] | None:
    states = await asyncio.to_thread(group_states, admin, groups)
    return states if any(state in REBALANCING for state in states.values()) else None


async def _spent(city: City, programme_id: str) -> dict[str, Any] | None:
    programme = await city.read("rewards", f"/programmes/{programme_id}")
    if programme and float(programme["remaining"]) < float(PROGRAMME["grant_amount"]):
        return programme
    return None


async def _granted_profiles(city: City, grants: int) -> list[dict[str, Any]] | None:
    profiles = [await city.profile(worker) for worker in WORKERS]
    found = [profile for profile in profiles if profile is not None]
    return found if sum(int(profile["grants"]) for profile in found) == grants else None


async def _no_doubles(rewards_url: str) -> None:
    engine = create_engine(rewards_url)
    try:
        async with engine.connect() as connection:
            doubled_grants = (
                await connection.execute(
                    text(
                        "SELECT worker_id, programme_id, count(*) FROM rewards_grants "
                        "GROUP BY worker_id, programme_id HAVING count(*) > 1"
                    )
                )
            ).all()
            doubled_points = (
                await connection.execute(
                    text(
                        "SELECT worker_id, category, rule, earned_on, count(*) FROM rewards_points_entries "
                        "GROUP BY worker_id, category, rule, earned_on HAVING count(*) > 1"
                    )
                )
            ).all()
            granted_events = await connection.scalar(
                text("SELECT count(*) FROM events WHERE event_type = 'RewardGranted'")
            )
        assert doubled_grants == []
        assert doubled_points == []
        assert granted_events == 4
    finally:
        await engine.dispose()


async def _read_models_equal_a_rebuild(deployment: Deployment, infra: Infrastructure) -> None:
    """Each service's consumers alone, in a new group from offset 0, into an empty database."""
    rebuild_prefix = f"{deployment.prefix}rebuild."
    provision_run(deployment.bootstrap, topic_prefix=deployment.prefix, group_prefix=rebuild_prefix)
    databases: list[str] = []
    rebuilders: list[ServiceProcess] = []
    try:
        for name in READ_MODELS:
            database, url = await create_database(infra, f"rebuild_{name}")
            databases.append(database)
            rebuilder = deployment.process(
                name, 9, url, CRAFTSMAN_CONSUMER_GROUP_PREFIX=rebuild_prefix, CRAFTSMAN_ROLES="consumers"
            )
            rebuilders.append(rebuilder)
            rebuilder.start()
        for rebuilder in rebuilders:
            rebuilder.wait_ready(timeout=120)
        for rebuilder in rebuilders:
            name, tables = rebuilder.name, READ_MODELS[rebuilder.name]
            assert rebuilder.database_url is not None
            rebuilt_url = rebuilder.database_url

            async def same(
                name: str = name, tables: MetaData = tables, rebuilt_url: str = rebuilt_url
            ) -> bool:
                live = await table_rows(deployment.urls[name], tables, NOT_REBUILT, WRITTEN_AT)
                rebuilt = await table_rows(rebuilt_url, tables, NOT_REBUILT, WRITTEN_AT)
                return live == rebuilt

            try:
                await until(same, timeout=60)
            except TimeoutError:
                live = await table_rows(deployment.urls[name], tables, NOT_REBUILT, WRITTEN_AT)
                rebuilt = await table_rows(rebuilt_url, tables, NOT_REBUILT, WRITTEN_AT)
                pytest.fail(f"{name}: read models differ from a rebuild: {differences(live, rebuilt)}")
    finally:
        for rebuilder in rebuilders:
            rebuilder.stop()
        for database in databases:
            await drop_database(infra, database)
