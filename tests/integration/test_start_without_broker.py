"""A service starts while the broker is down (found by the chaos run: rewards stayed down 67 s).

The service process is given a bootstrap address where nothing listens yet. It must serve:
`/health` 200, `/ready` 503 naming Kafka, a command accepted into the outbox. Then a TCP proxy
to the real broker opens on that address, and the event is published without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from chassis.auth_tokens import bearer_headers
from chassis.kafka_security import KafkaCredentials
from contracts.topics import REGISTRY_EVENTS
from deploy.infra import Infrastructure, database_url
from deploy.kafka_access import provision_run
from deploy.local_services import ServiceProcess
from tests.e2e.conftest import free_port
from tests.kafka_support import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target` while open; before `open()` nothing listens there."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self._server: asyncio.Server | None = None

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._pipe_both, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _pipe_both(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            _pipe(reader, upstream_writer), _pipe(upstream_reader, writer), return_exceptions=True
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def _admin_sql(infra: Infrastructure, sql: str) -> None:
    dsn = database_url(infra.postgres_url_base, "postgres").replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture
async def database(infra: Infrastructure) -> AsyncIterator[str]:
    name = f"nobroker_{uuid.uuid4().hex[:10]}"
    await _admin_sql(infra, f'CREATE DATABASE "{name}"')
    yield database_url(infra.postgres_url_base, name)
    await _admin_sql(infra, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_a_service_started_without_a_broker_serves_and_publishes_once_it_returns(
    infra: Infrastructure, database: str, tmp_path: Path
) -> None:
    prefix = f"nobroker-{uuid.uuid4().hex[:8]}."
    provision_run(infra.kafka_bootstrap, topic_prefix=prefix)
    host, port = infra.kafka_bootstrap.split(",")[0].rsplit(":", 1)
    proxy = TcpProxy(free_port(), (host, int(port)))  # not listening yet: the broker is "down"
    service = ServiceProcess(
        name="registry",
        port=free_port(),
        database_url=database,
        kafka_bootstrap=f"127.0.0.1:{proxy.port}",
        state=tmp_path,
        extra_env={"CRAFTSMAN_CONSUMER_GROUP_PREFIX": prefix, "CRAFTSMAN_TOPIC_PREFIX": prefix},
    )
    service.start()
    try:
        async with httpx.AsyncClient(
            base_url=service.base_url, timeout=5, headers=bearer_headers()
        ) as client:
            health = await _answer(client, "/health", service)
            assert health.status_code == 200, service.log_tail()
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"database": True, "kafka": False}

            enterprise = f"nobroker-{uuid.uuid4().hex[:6]}"
            accepted = await client.post(
                "/enterprises",
                json={
                    "enterprise_id": enterprise,
                    "name": "Works",
                    "region_id": "r1",
                    "industry": "equipment",
                },
            )
            assert accepted.status_code in (200, 201), accepted.text

            await proxy.open()  # the broker is back
            async with asyncio.timeout(60):
                while (await client.get("/ready")).status_code != 200:
                    await asyncio.sleep(0.3)

        records = await read_topic(
            infra.kafka_bootstrap,
            prefix + REGISTRY_EVENTS,
            until=lambda got: any(enterprise in (r.value or b"").decode() for r in got),
            timeout=60,
            credentials=KafkaCredentials.from_environment(),
        )
        published = [json.loads(r.value or b"{}") for r in records]
        assert [e["event_type"] for e in published if enterprise in json.dumps(e)] == ["EnterpriseRegistered"]
    finally:
        service.stop()
        await proxy.close()


async def _answer(client: httpx.AsyncClient, path: str, service: ServiceProcess) -> httpx.Response:
    """The first answer of a starting process (it must start without the broker at all)."""
    async with asyncio.timeout(60):
        while True:
            if service.pid() is None:
                pytest.fail(f"the service exited without a broker:\n{service.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                return await client.get(path)
            await asyncio.sleep(0.3)
