"""Service processes as replicas on the real Kafka and Postgres (tests/integration/test_replicas*,
test_start_without_broker): databases of their own, any-replica HTTP, and the lease holder."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import httpx
from confluent_kafka.admin import AdminClient
from sqlalchemy import MetaData, select

from chassis.db import create_engine
from chassis.kafka_security import KafkaCredentials, confluent_config
from deploy.infra import Infrastructure, database_url
from deploy.local_services import ServiceProcess


async def admin_sql(infra: Infrastructure, sql: str) -> None:
    dsn = database_url(infra.postgres_url_base, "postgres").replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def create_database(infra: Infrastructure, label: str) -> tuple[str, str]:
    """A new empty database: its name and its SQLAlchemy URL."""
    name = f"{label}_{uuid.uuid4().hex[:10]}"
    await admin_sql(infra, f'CREATE DATABASE "{name}"')
    return name, database_url(infra.postgres_url_base, name)


async def drop_database(infra: Infrastructure, name: str) -> None:
    await admin_sql(infra, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class AnyReplica(httpx.AsyncBaseTransport):
    """Sends each request to the next replica in turn; a replica that refuses the connection (it
    is dead: nothing was sent) is skipped. The ports list may change while in use."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self._turn = 0
        # No kept-alive connections: a replica killed between two requests then refuses the
        # next connection (skipped, nothing sent) instead of failing a request half sent.
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(len(self.ports)):
            port = self.ports[self._turn % len(self.ports)]
            self._turn += 1
            request.url = request.url.copy_with(port=port)
            try:
                return await self._inner.handle_async_request(request)
            except httpx.ConnectError:
                continue
            except httpx.TransportError as error:  # sent, maybe handled: never resent blindly
                error.add_note(f"{request.method} {request.url.path} went to the replica on port {port}")
                raise
        raise httpx.ConnectError("no replica accepts connections", request=request)

    def forget(self, port: int) -> None:
        """Take a killed replica out of the rotation, as a load balancer takes out a dead
        backend. Its port is free for any socket once it died, so a connection to it is not
        sure to be refused: a CI run's nomination, sent there after the kill, failed half-sent
        (ReadError on the killed registry replica's port)."""
        self.ports.remove(port)

    async def aclose(self) -> None:
        await self._inner.aclose()


def relay_holder(replicas: Sequence[ServiceProcess]) -> ServiceProcess | None:
    """The live replica whose log says its relay started last (it holds the lease)."""
    holders = [
        replica
        for replica in replicas
        if replica.pid() is not None
        and any(_event(line) == "relay.started" for line in replica.log_tail(100_000).splitlines())
    ]
    return holders[-1] if len(holders) == 1 else None


def _logged(line: str) -> dict[str, Any] | None:
    """A structured log line's fields; None for any other line (the broker's, uvicorn's, a traceback)."""
    try:
        found = json.loads(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _event(line: str) -> str | None:
    logged = _logged(line)
    return None if logged is None else logged.get("event")


def kafka_admin(bootstrap: str) -> AdminClient:
    credentials = confluent_config(KafkaCredentials.from_environment())
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 3, **credentials})


def groups_named(bootstrap: str, prefix: str) -> list[str]:
    """The consumer groups whose names start with `prefix`."""
    admin = kafka_admin(bootstrap)  # kept referenced: a collected client cancels its requests
    listed = admin.list_consumer_groups(request_timeout=10).result(timeout=15)
    return sorted(group.group_id for group in listed.valid if group.group_id.startswith(prefix))


def group_states(admin: AdminClient, groups: Sequence[str]) -> dict[str, str]:
    """The coordinator's state of each consumer group (STABLE, PREPARING_REBALANCE, ...)."""
    futures = admin.describe_consumer_groups(list(groups), request_timeout=10)
    return {group: future.result(timeout=15).state.name for group, future in futures.items()}


async def table_rows(
    url: str,
    tables: MetaData,
    skip: Sequence[str] = (),
    skip_columns: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of `tables` (sorted), for comparing a database with a rebuild;
    `skip_columns` leaves out columns that hold when a row was written, not a fact."""
    engine = create_engine(url)
    try:
        found: dict[str, list[tuple[Any, ...]]] = {}
        async with engine.connect() as connection:
            for table in tables.sorted_tables:
                if table.name in skip:
                    continue
                left_out = set((skip_columns or {}).get(table.name, ()))
                columns = [column for column in table.columns if column.name not in left_out]
                rows = (await connection.execute(select(*columns))).all()
                found[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return found
    finally:
        await engine.dispose()


def differences(
    live: Mapping[str, list[tuple[Any, ...]]], rebuilt: Mapping[str, list[tuple[Any, ...]]]
) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Per table, the rows only the live database has and the rows only the rebuild has."""
    return {
        table: {
            "live only": [row for row in rows if row not in rebuilt[table]],
            "rebuild only": [row for row in rebuilt[table] if row not in rows],
        }
        for table, rows in live.items()
        if rows != rebuilt[table]
    }


async def until(check: Any, *, timeout: float, pause: float = 0.5) -> Any:
    async with asyncio.timeout(timeout):
        while not (found := await check()):
            await asyncio.sleep(pause)
    return found


def replica_report(processes: Sequence[ServiceProcess], *, lines: int = 12) -> str:
    """Each replica's state and its last warnings, errors and tracebacks: printed at teardown, so a
    failed run says which replica died or complained, and why."""
    parts = []
    for process in processes:
        pid = process.pid()
        state = f"alive (pid {pid})" if pid is not None else "gone"  # a reaped kill's status is lost
        notable = [line for line in process.log_tail(100_000).splitlines() if _notable(line)]
        parts.append("\n".join([f"== {process.instance} on port {process.port}: {state}", *notable[-lines:]]))
    return "\n".join(parts)


def _notable(line: str) -> bool:
    logged = _logged(line)
    if logged is None:
        return any(mark in line for mark in _TROUBLE)
    return logged.get("level") in {"warning", "error", "critical"}


_TROUBLE = ("ERROR", "CRITICAL", "Traceback", "Error:", "Exception")
