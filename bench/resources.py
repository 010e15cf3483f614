"""Fresh, throw-away resources per run: Postgres databases, Kafka topics, consumer groups.

Everything made here, and every topic and group the bench's services create, is named
with the run's prefix `bench.<run id>.` (databases `bench_<run id>_…`): a bench run never
touches the platform's own `craftsman.*` topics or groups, and `Resources.cleanup` drops
all of it afterwards.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.protocol.admin import DeleteGroupsRequest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from chassis import migrate
from chassis.db import create_engine
from chassis.kafka_security import aiokafka_kwargs
from chassis.logging import get_logger
from deploy.infra import database_url

log = get_logger(__name__)

PARTITIONS = 6  # what ensure_topics gives every event topic


async def execute_autocommit(url: str, sql: str) -> None:
    """One statement outside a transaction (CREATE / DROP DATABASE cannot run inside one)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class PostgresServer:
    """Connection facts of the server, for clients that do not take a SQLAlchemy URL."""

    host: str
    port: int
    user: str
    password: str

    @classmethod
    def of(cls, url_base: str) -> PostgresServer:
        parts = urlsplit(url_base)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
        )


@dataclass
class Resources:
    kafka: str
    postgres_url_base: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    databases: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)  # per service, the highest seen

    @property
    def prefix(self) -> str:
        """Topic and consumer-group prefix of everything this run (and its services) creates."""
        return f"bench.{self.run_id}."

    @property
    def server(self) -> PostgresServer:
        return PostgresServer.of(self.postgres_url_base)

    def url(self, database: str) -> str:
        return database_url(self.postgres_url_base, database)

    async def _admin_sql(self, sql: str) -> None:
        await execute_autocommit(self.url("postgres"), sql)

    async def database(
        self, purpose: str, *, migrated: bool = True, extra: Sequence[Path] = (), copy_of: str | None = None
    ) -> str:
        """A new empty database (its URL), migrated to the chassis tables unless told otherwise; or a
        copy of another of the run's databases (`copy_of`, its URL), which nobody may be connected to."""
        name = f"bench_{self.run_id}_{purpose}"
        if copy_of is not None:  # a file copy: seconds for a database the bench took a minute to fill
            template = self.database_name(copy_of)
            await self._admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY = FILE_COPY')
            self.databases.append(name)
            return self.url(name)
        await self._admin_sql(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        url = self.url(name)
        if migrated:
            engine = create_engine(url, pool_size=1)
            try:
                await migrate.upgrade(engine, extra)
            finally:
                await engine.dispose()
        return url

    async def checkpoint(self) -> None:
        """Write every dirty page of the server to disk now."""
        await self._admin_sql("CHECKPOINT")

    def database_name(self, url: str) -> str:
        return urlsplit(url).path.strip("/")

    async def topic(self, purpose: str, *, partitions: int = PARTITIONS) -> str:
        name = f"{self.prefix}{purpose}"
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka, **aiokafka_kwargs())
        await admin.start()
        try:
            await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        finally:
            await admin.close()
        self.topics.append(name)
        return name

    def group(self, purpose: str) -> str:
        name = f"{self.prefix}{purpose}"
        self.groups.append(name)
        return name

    async def drop_databases(self) -> None:
        """Drop the databases made so far (each step's own, when it ends: left, the autovacuum of
        a million-row table ran on the following steps' clocks); failures are logged."""
        for name in self.databases:
            try:
                await self._admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as error:
                log.warning("bench.drop_database_failed", database=name, error=repr(error))
        self.databases.clear()

    async def cleanup(self) -> None:
        """Drop what this run made; failures are logged, never raised (the results matter more)."""
        await self.drop_databases()
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka, **aiokafka_kwargs())
        await admin.start()
        try:
            # the services' own topics, dead-letter topics and groups carry the prefix too
            listed = await admin.list_consumer_groups()
            groups = {*self.groups, *(str(g[0]) for g in listed if str(g[0]).startswith(self.prefix))}
            await _delete_groups(admin, sorted(groups))
            topics = {*self.topics, *(t for t in await admin.list_topics() if t.startswith(self.prefix))}
            if topics:
                with contextlib.suppress(Exception):
                    await admin.delete_topics(sorted(topics))
        except Exception as error:
            log.warning("bench.kafka_cleanup_failed", error=repr(error))
        finally:
            await admin.close()
        self.topics.clear()
        self.groups.clear()

    def record_rss(self, service: str, megabytes: float) -> None:
        self.peak_rss_mb[service] = round(max(megabytes, self.peak_rss_mb.get(service, 0.0)), 1)


async def _delete_groups(admin: AIOKafkaAdminClient, groups: Iterable[str]) -> None:
    # aiokafka's admin has no delete_consumer_groups; DeleteGroups (API 42) to the coordinator does it.
    for group in groups:
        try:
            coordinator = await admin.find_coordinator(group)
            await admin._send_request(DeleteGroupsRequest([group]), coordinator)
        except Exception as error:
            log.warning("bench.delete_group_failed", group=group, error=repr(error))


async def partitions_of(kafka: str, topics: Iterable[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka, **aiokafka_kwargs())
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [
        TopicPartition(entry["topic"], p["partition"])
        for entry in described
        if not entry.get("error_code")
        for p in entry["partitions"]
    ]


async def read_between(
    kafka: str,
    start: Mapping[TopicPartition, int],
    end: Mapping[TopicPartition, int],
    take: Callable[[list[ConsumerRecord[bytes, bytes]]], Awaitable[None]],
    *,
    client_id: str,
    max_records: int,
) -> None:
    """Hands `take` every record of the partitions from `start` to `end` (exclusive), one getmany
    batch of one partition at a time, read by a consumer outside any group."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=client_id,
        **aiokafka_kwargs(),
    )
    await consumer.start()
    try:
        consumer.assign(list(start))
        remaining = set()
        for tp, offset in start.items():
            if end[tp] > offset:
                consumer.seek(tp, offset)
                remaining.add(tp)
        while remaining:
            batch = await consumer.getmany(timeout_ms=1000, max_records=max_records)
            for tp, records in batch.items():
                await take(records)
                if records and records[-1].offset + 1 >= end[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()


async def offsets(
    kafka: str, partitions: Sequence[TopicPartition]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """(beginning, end) offsets of the partitions."""
    probe = AIOKafkaConsumer(
        bootstrap_servers=kafka, group_id=None, enable_auto_commit=False, **aiokafka_kwargs()
    )
    await probe.start()
    try:
        beginning = await probe.beginning_offsets(list(partitions))
        end = await probe.end_offsets(list(partitions))
    finally:
        await probe.stop()
    return dict(beginning), dict(end)
