"""A blue/green rebuild of one read model on PostgreSQL.

1. **Build** the new version in a schema of its own (`rebuild_<service>_<model>`): the
   service's migrations create its tables there (same names, columns, indexes as the live
   ones), and the log is replayed from offset 0 of the projection's topics up to their end
   at the start, through the same `InboxConsumer` and handlers as the live consumer (the
   connection's search_path is that schema alone, so a handler writing an undeclared table
   fails instead of touching the live one; dead letters are counted, never sent again).
2. **Switch** in one transaction that first locks the live tables (ACCESS EXCLUSIVE): the
   live consumer's next batch waits on the lock, so the live version stops at the offsets its
   inbox holds (the last record it applied per partition, committed with its rows). Those
   are the switch offsets. If the new version has already applied beyond them (the live
   consumer is behind), the lock is released and taken again later. Otherwise the new
   version catches up to exactly those offsets, the two are compared row by row
   (`EXCEPT ALL` both ways): equal at the same offsets, or the differences are reported.
   Only then the live tables move to `retired_<service>_<model>_<time>` (kept, with the
   switch offsets in its `rebuild_switch` table) and the new ones into the live schema, and
   the transaction commits. The waiting live batch then writes to the new tables, from the
   offset after the switch offsets, as it would have. A difference stops the switch unless
   `repair` (the reason to rebuild a damaged read model).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from chassis import migrate
from chassis.db import session_factory
from chassis.deadletter import DeadLetter, DeadLetterPublisher
from chassis.inbox import InboxConsumer
from chassis.provenance import topic_ownership, typed_by_header
from ops.bus import Bus
from ops.kafka_admin import admin_client, partitions_of, reader
from ops.read_models import ReadModel

Positions = dict[TopicPartition, int]
RETRY_LOCK = {"40P01", "55P03"}  # deadlock detected, lock not available (lock_timeout)


class RebuildRefused(RuntimeError):
    """The rebuild cannot run here (not PostgreSQL, or the live consumer never caught up)."""


class Progress(Protocol):
    def start(self, phase: str, total: int) -> None: ...
    def advance(self, records: int) -> None: ...


class NoProgress:
    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, records: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class TableDifference:
    table: str
    only_live: int
    only_new: int
    samples: tuple[str, ...]  # a few differing rows, as PostgreSQL prints a row


@dataclass(slots=True)
class RebuildReport:
    schema: str
    records: int = 0
    dead_letters: int = 0
    switch_offsets: dict[tuple[str, int], int] = field(default_factory=dict)  # last applied, per partition
    differences: list[TableDifference] = field(default_factory=list)
    switched: bool = False
    retired_schema: str | None = None

    @property
    def equal(self) -> bool:
        return not self.differences


class _SetAside(DeadLetterPublisher):
    """Dead letters of a rebuild: the live consumer parked them already; count, do not resend."""

    def __init__(self) -> None:
        super().__init__(_NoSender(), consumer="rebuild")
        self.count = 0

    async def publish(self, letters: Sequence[DeadLetter]) -> None:
        self.count += len(letters)


class _NoSender:
    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]:
        raise AssertionError("a rebuild sends nothing")


def schema_name(kind: str, model: ReadModel, suffix: str = "") -> str:
    name = re.sub(r"[^a-z0-9_]", "_", f"{kind}_{model.service}_{model.name}{suffix}".lower())
    return name[:63]


class Rebuild:
    def __init__(
        self,
        model: ReadModel,
        live: AsyncEngine,
        bus: Bus,
        *,
        progress: Progress | None = None,
        repair: bool = False,
        wait_for_live_seconds: float = 120.0,
        batch_size: int = 1000,
    ) -> None:
        if live.dialect.name != "postgresql":
            raise RebuildRefused(
                f"a blue/green rebuild needs PostgreSQL (schemas and transactional DDL); {model.service} "
                f"runs on {live.dialect.name}: stop the service, empty its read model and replay instead"
            )
        self.model = model
        self.live = live
        self.bus = bus
        self.progress = progress or NoProgress()
        self.repair = repair
        self.wait_for_live_seconds = wait_for_live_seconds
        self.batch_size = batch_size
        self.report = RebuildReport(schema=schema_name("rebuild", model))
        self._quote = live.dialect.identifier_preparer.quote
        self.shadow = create_async_engine(
            live.url, connect_args={"server_settings": {"search_path": self.report.schema}}
        )
        self._set_aside = _SetAside()
        self.inbox = InboxConsumer(
            name=model.group,
            sessions=session_factory(self.shadow),
            handlers=model.handlers,
            batch_handlers=model.batch_handlers,
            dead_letters=self._set_aside,
            max_attempts=1,
            record_check=topic_ownership(model.topic_prefix),
            type_header=typed_by_header(model.topic_prefix),
        )

    async def run(self) -> RebuildReport:
        async with admin_client(self.bus) as admin:
            partitions = await partitions_of(admin, self.model.topics)
        async with reader(self.bus) as consumer:
            try:
                return await self._build_and_switch(consumer, partitions)
            finally:
                self.report.dead_letters = self._set_aside.count
                await self.shadow.dispose()

    async def _build_and_switch(
        self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
    ) -> RebuildReport:
        if not partitions:
            raise RebuildRefused(f"none of {', '.join(self.model.topics)} exists on the bus")
        live_schema = await self._prepare()
        positions: Positions = dict(await consumer.beginning_offsets(partitions))
        ends: Positions = dict(await consumer.end_offsets(partitions))
        self.progress.start("build", sum(ends[tp] - positions[tp] for tp in partitions))
        await self._replay(consumer, positions, ends)
        await self._switch(consumer, positions, live_schema)
        return self.report

    async def _prepare(self) -> str:
        schema = self._quote(self.report.schema)
        async with self.live.begin() as connection:
            live_schema = str(await connection.scalar(text("SELECT current_schema()")))
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            await connection.execute(text(f"CREATE SCHEMA {schema}"))
        # The service's own migrations create the new tables exactly as the live ones were made;
        # the tables of the service that are not this read model's are dropped with the schema.
        await migrate.upgrade(self.shadow, self.model.migrations)
        return live_schema

    async def _replay(self, consumer: AIOKafkaConsumer, positions: Positions, targets: Positions) -> None:
        """Apply the records from `positions` up to `targets` (exclusive) per partition."""
        pending = {tp for tp, target in targets.items() if positions[tp] < target}
        if not pending:
            return
        consumer.assign(sorted(pending))
        for tp in pending:
            consumer.seek(tp, positions[tp])
        while pending:
            fetched = await consumer.getmany(*pending, timeout_ms=500, max_records=self.batch_size)
            batch = []
            for tp, records in fetched.items():
                wanted = [record for record in records if record.offset < targets[tp]]
                batch.extend(wanted)
                if wanted:
                    positions[tp] = wanted[-1].offset + 1
            for tp in list(pending):
                if positions[tp] >= targets[tp] or await consumer.position(tp) >= targets[tp]:
                    positions[tp] = max(positions[tp], targets[tp])
                    pending.discard(tp)
            if batch:
                await self.inbox.process(batch)
                self.report.records += len(batch)
                self.progress.advance(len(batch))

    async def _switch(self, consumer: AIOKafkaConsumer, positions: Positions, live_schema: str) -> None:
        deadline = time.monotonic() + self.wait_for_live_seconds
        while True:
            async with self.live.connect() as connection:
                transaction = await connection.begin()
                await connection.execute(text("SET LOCAL lock_timeout = '10s'"))
                live_tables = ", ".join(self._table(live_schema, table.name) for table in self.model.tables)
                if not await self._locked(connection, live_tables):
                    await transaction.rollback()
                    await self._pause(deadline, "could not lock the live tables")
                    continue
                live_at = await self._applied(connection, live_schema)
                new_at = await self._applied(connection, self.report.schema)
                if any(offset > live_at.get(tp, -1) for tp, offset in new_at.items()):
                    await transaction.rollback()  # the live consumer is behind the new version
                    await self._pause(deadline, "stayed behind the log")
                    continue
                targets = {tp: max(position, live_at.get(tp, -1) + 1) for tp, position in positions.items()}
                self.progress.start("catch up", sum(targets[tp] - positions[tp] for tp in targets))
                await self._replay(consumer, positions, targets)
                self.report.switch_offsets = {
                    (tp.topic, tp.partition): offset for tp, offset in live_at.items()
                }
                self.report.differences = await self._compare(connection, live_schema)
                if self.report.differences and not self.repair:
                    await transaction.rollback()
                    return
                await self._move(connection, live_schema)
                await transaction.commit()
                self.report.switched = True
            async with self.live.begin() as cleanup:  # only the new version's own inbox is left there
                await cleanup.execute(text(f"DROP SCHEMA {self._quote(self.report.schema)} CASCADE"))
            return

    async def _locked(self, connection: AsyncConnection, tables: str) -> bool:
        """Locks the live tables; False on a deadlock with a live batch (it took them in another
        order) or the lock timeout: the caller rolls back and tries again."""
        try:
            await connection.execute(text(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE"))
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) in RETRY_LOCK:
                return False
            raise
        return True

    async def _pause(self, deadline: float, what: str) -> None:
        if time.monotonic() > deadline:
            raise RebuildRefused(
                f"the live consumer group {self.model.group} {what} for {self.wait_for_live_seconds:.0f}s "
                "(is the service running?): nothing switched"
            )
        await asyncio.sleep(0.5)

    def _table(self, schema: str, table: str) -> str:
        return f"{self._quote(schema)}.{self._quote(table)}"

    async def _applied(self, connection: AsyncConnection, schema: str) -> Positions:
        """The last record a version applied, per partition: its inbox commits with its rows."""
        rows = await connection.execute(
            text(
                f'SELECT topic, partition, max("offset") FROM {self._table(schema, "inbox")} '
                "WHERE consumer = :consumer GROUP BY topic, partition"
            ),
            {"consumer": self.model.group},
        )
        return {TopicPartition(topic, partition): offset for topic, partition, offset in rows}

    async def _compare(self, connection: AsyncConnection, live_schema: str) -> list[TableDifference]:
        differences = []
        for table in self.model.tables:
            live = self._table(live_schema, table.name)
            new = self._table(self.report.schema, table.name)
            only_live = await self._except(connection, live, new)
            only_new = await self._except(connection, new, live)
            if only_live or only_new:
                samples = tuple(f"live: {row}" for row in only_live[:5]) + tuple(
                    f"new:  {row}" for row in only_new[:5]
                )
                differences.append(TableDifference(table.name, len(only_live), len(only_new), samples))
        return differences

    async def _except(self, connection: AsyncConnection, first: str, second: str) -> list[str]:
        # Whole rows as text: the migrations made both tables, so the columns come in one order.
        rows = await connection.execute(
            text(f"SELECT r::text FROM {first} AS r EXCEPT ALL SELECT r::text FROM {second} AS r")
        )
        return [str(row) for (row,) in rows]

    async def _move(self, connection: AsyncConnection, live_schema: str) -> None:
        retired = schema_name("retired", self.model, datetime.now(UTC).strftime("_%Y%m%d%H%M%S"))
        await connection.execute(text(f"CREATE SCHEMA {self._quote(retired)}"))
        for table in self.model.tables:
            await connection.execute(
                text(f"ALTER TABLE {self._table(live_schema, table.name)} SET SCHEMA {self._quote(retired)}")
            )
            await connection.execute(
                text(
                    f"ALTER TABLE {self._table(self.report.schema, table.name)} "
                    f"SET SCHEMA {self._quote(live_schema)}"
                )
            )
        switch = self._table(retired, "rebuild_switch")
        await connection.execute(
            text(
                f'CREATE TABLE {switch} (topic text, partition int, "offset" bigint, switched_at timestamptz)'
            )
        )
        now = datetime.now(UTC)
        for (topic, partition), offset in self.report.switch_offsets.items():
            await connection.execute(
                text(f"INSERT INTO {switch} VALUES (:topic, :partition, :offset, :now)"),
                {"topic": topic, "partition": partition, "offset": offset, "now": now},
            )
        self.report.retired_schema = retired
