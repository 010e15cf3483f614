"""The four services as separate processes on real Kafka and Postgres, one database each."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from chassis.auth_tokens import bearer_headers
from demo.story import City, Silent
from deploy.infra import Infrastructure, database_url
from deploy.kafka_access import provision_run
from deploy.local_services import ServiceProcess

SERVICES = ("registry", "training", "competitions", "rewards")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningCity:
    run: str
    services: dict[str, ServiceProcess]
    databases: dict[str, str]
    group_prefix: str

    def topic(self, contract_topic: str) -> str:
        return self.group_prefix + contract_topic


async def _admin(infra: Infrastructure, sql: str) -> None:
    dsn = database_url(infra.postgres_url_base, "postgres").replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture
async def running_city(infra: Infrastructure, tmp_path: Path) -> AsyncIterator[RunningCity]:
    run = uuid.uuid4().hex[:8]
    prefix = f"e2e-{run}."
    databases = {name: f"e2e_{run}_{name}" for name in SERVICES}
    for database in databases.values():
        await _admin(infra, f'CREATE DATABASE "{database}"')
    provision_run(infra.kafka_bootstrap, topic_prefix=prefix)  # the run's topics and ACLs
    services = {
        name: ServiceProcess(
            name=name,
            port=free_port(),
            database_url=database_url(infra.postgres_url_base, databases[name]),
            kafka_bootstrap=infra.kafka_bootstrap,
            state=tmp_path,
            extra_env={
                "CRAFTSMAN_CONSUMER_GROUP_PREFIX": prefix,
                "CRAFTSMAN_TOPIC_PREFIX": prefix,  # this run's events only, not earlier runs'
                "CRAFTSMAN_LOG_LEVEL": "INFO",
                # The stories' workers carry no level history (when they reached their level), so
                # no minimum years at the previous level here; the rule is tested on its own
                # (tests/unit/test_training_settings.py, tests/integration/test_training_academy.py).
                "CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL": "{}",
            },
        )
        for name in SERVICES
    }
    try:
        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_ready(timeout=90)
        yield RunningCity(run, services, databases, prefix)
    finally:
        for service in services.values():
            service.stop()
        for database in databases.values():
            await _admin(infra, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
async def city(running_city: RunningCity) -> AsyncIterator[City]:
    clients = {
        name: httpx.AsyncClient(base_url=service.base_url, timeout=10, headers=bearer_headers())
        for name, service in running_city.services.items()
    }
    try:
        yield City(clients, Silent(), running_city.run)
    finally:
        for client in clients.values():
            await client.aclose()


@pytest.fixture
def service_logs(running_city: RunningCity) -> Iterator[None]:
    """Prints every service's log tail when a test fails (pytest shows captured output)."""
    yield
    for service in running_city.services.values():
        print(f"--- {service.name} ---\n{service.log_tail(40)}")
